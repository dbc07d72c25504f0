"""Load users with everything Clerk's user JSON reads, in two queries whatever their number.

``User.objects.with_identifiers()`` used to prefetch one relation per query (emails, phones,
wallets, external accounts, authenticators, the profile image: 7 queries for ``GET /me``).
Now:

1. the users, with their profile image joined;
2. every email address, phone number, web3 wallet and external account of those users in one
   ``UNION ALL`` (a kind column, then the union of the tables' columns, NULL where a table
   has none; the external accounts also resolve the identifiers' ``linked_to``), with a
   branch for the types of their allauth authenticators (what ``two_factor_enabled``,
   ``totp_enabled`` and ``backup_code_enabled`` read).

The rows fill Django's own prefetch caches, so ``user.email_addresses.all()`` and the rest
read them exactly as after ``prefetch_related``: the JSON is unchanged (tests compare it).
The querysets those caches hold are built only when something asks for them
(``PrefetchCache``); the serializers read the rows directly (``related``).
For one user by primary key (``GET /users/{id}``, the JSON after a ``/me`` write),
``user_with_identifiers`` runs query 1 from SQL compiled once (``prepared.PreparedQuery``).
"""

from __future__ import annotations

import functools
from collections import defaultdict
from typing import Any, NamedTuple

from django.db import connections

AUTHENTICATOR = 3  # the ``kind`` of the authenticator rows in the union
EXTERNAL = 4  # the ``kind`` of the external account rows
HANDLED = ("email_addresses", "phone_numbers", "web3_wallets", "external_accounts")
MFA_FLAGS = {
    "_mfa_totp": "totp",
    "_mfa_recovery_codes": "recovery_codes",
    "_mfa_webauthn": "webauthn",
}


def authenticator_types(user: Any) -> set[str] | None:
    """The authenticator types read by query 2, or None if the user was not loaded so."""
    if not all(hasattr(user, flag) for flag in MFA_FLAGS):
        return None
    return {kind for flag, kind in MFA_FLAGS.items() if getattr(user, flag)}


def forget_authenticator_types(user: Any) -> None:
    for flag in MFA_FLAGS:
        user.__dict__.pop(flag, None)


def _identifier_models() -> list[Any]:
    from .identifiers import EmailAddress, PhoneNumber, Web3Wallet

    return [EmailAddress, PhoneNumber, Web3Wallet]


def _external_account_model() -> Any:
    from .external_accounts import ExternalAccount

    return ExternalAccount


class _Layout(NamedTuple):
    """The union on one database: its statement for ``count`` users is ``sql(count)``;
    ``positions`` and ``attnames`` give, per kind, where each concrete field of its model
    sits in a row and its attname (what ``Model.from_db`` takes)."""

    template: str  # ``{marks}`` stands for the user ids in each branch
    columns: list[str]
    models: dict[int, Any]
    positions: dict[int, list[int]]
    attnames: dict[int, list[str]]
    converters: dict[int, list[tuple[int, Any]]]

    def sql(self, count: int) -> str:
        """The statement for ``count`` user ids, named ``u0``, ``u1``... (named, not ``%s``:
        see ``prepared``'s module docstring; each branch reuses the same names)."""
        return self.template.replace("{marks}", ", ".join(f"%(u{i})s" for i in range(count)))


@functools.lru_cache(maxsize=8)
def _layout(alias: str, vendor: str) -> _Layout:
    """The union's shape on database ``alias``, worked out once per process: it depends only
    on the models and the backend, and quoting and typing its ~40 columns in each of its 5
    branches on every call cost more than running the statement. ``vendor`` is part of the
    key so that a database swapped under an alias never reuses another backend's SQL."""
    connection = connections[alias]
    quote = connection.ops.quote_name
    models = _identifier_models()
    external = _external_account_model()
    columns: list[str] = []
    # PostgreSQL types a UNION's columns pair by pair from the left: two untyped NULLs become
    # text, which an integer or jsonb column further right cannot join. Each NULL is cast to
    # its column's type there (SQLite takes any value in any column).
    null: dict[str, str] = {}
    for model in [*models, external]:
        for field in model._meta.concrete_fields:
            if field.column not in columns:
                columns.append(field.column)
                db_type = field.db_type(connection)
                typed = vendor == "postgresql" and db_type
                null[field.column] = f"CAST(NULL AS {db_type})" if typed else "NULL"
    where = f"WHERE {quote('user_id')} IN ({{marks}})"
    by_kind = {**dict(enumerate(models)), EXTERNAL: external}
    branches = []
    for kind, model in by_kind.items():
        own = {f.column for f in model._meta.concrete_fields}
        select = ", ".join(
            f"{quote(c)}" if c in own else f"{null[c]} AS {quote(c)}" for c in columns
        )
        branches.append(
            f"SELECT {kind} AS kind, {select} FROM {quote(model._meta.db_table)} {where}"
        )
    from allauth.mfa.models import Authenticator

    # Authenticators: their type in the ``id`` column (both text), the rest NULL.
    padded = {"id": quote("type"), "user_id": quote("user_id")}
    select = ", ".join(f"{padded.get(c, null[c])} AS {quote(c)}" for c in columns)
    branches.append(
        f"SELECT {AUTHENTICATOR} AS kind, {select} "
        f"FROM {quote(Authenticator._meta.db_table)} {where}"
    )
    template = " UNION ALL ".join(branches) + f" ORDER BY {quote('created_at')}, {quote('id')}"
    return _Layout(
        template=template,
        columns=columns,
        models=by_kind,
        positions={
            kind: [columns.index(f.column) + 1 for f in model._meta.concrete_fields]
            for kind, model in by_kind.items()
        },
        attnames={
            kind: [f.attname for f in model._meta.concrete_fields]
            for kind, model in by_kind.items()
        },
        converters={kind: _converters(model, connection) for kind, model in by_kind.items()},
    )


class Loaded(list):
    """One relation's rows as query 2 read them, held in a ``PrefetchCache``."""


class PrefetchCache(dict):
    """The ``_prefetched_objects_cache`` of a user loaded by query 2.

    Django's prefetch stores, per user and relation, the related manager's filtered queryset
    holding the rows. Building those (a manager, a ``filter`` and a clone each: 40 for a page
    of 10 users) was a fifth of ``GET /users?limit=10``, for querysets the JSON never uses.
    Here a relation holds its rows (``Loaded``) and becomes that same queryset the first time
    anything reads it by key (the related manager, ``prefetch_related_objects``), so all ORM
    code sees what ``prefetch_related`` gives; ``related`` hands the serializers the rows.
    """

    def __init__(self, user: Any, *args: Any) -> None:
        super().__init__(*args)
        # A strong reference: the rows already point back at their user (a cycle either
        # way), and a copy of the user that shares this cache must still build from it.
        self._user = user

    def __getitem__(self, name: str) -> Any:
        value = dict.__getitem__(self, name)
        if type(value) is Loaded:
            value = self._queryset(name, value)
        return value

    def get(self, name: str, default: Any = None) -> Any:
        return self[name] if name in self else default

    def _queryset(self, name: str, rows: Loaded) -> Any:
        """What ``prefetch_related`` stores: the related manager's queryset, evaluated."""
        dict.__delitem__(self, name)  # so that the manager builds its queryset, not this
        queryset = getattr(self._user, name).get_queryset()
        queryset._result_cache = list(rows)
        queryset._prefetch_done = True
        dict.__setitem__(self, name, queryset)
        return queryset

    def __reduce__(self) -> Any:
        """Pickled (with its user) as the plain dict ``prefetch_related`` would leave."""
        return (dict, ({name: self[name] for name in list(self)},))


def related(user: Any, name: str) -> Any:
    """The objects of relation ``name`` of ``user`` (``email_addresses``...): the rows read by
    query 2 when it loaded the user, else ``getattr(user, name).all()``."""
    cache = user.__dict__.get("_prefetched_objects_cache")
    if cache is not None:
        value = dict.get(cache, name)
        if type(value) is Loaded:
            return value
    return getattr(user, name).all()


def load_relations(users: list[Any], alias: str) -> None:
    """Query 2 for ``users`` (already fetched)."""
    users = [u for u in users if u.pk is not None]
    if not users:
        return
    by_id = {u.pk: u for u in users}
    for user in users:
        cache = user.__dict__.get("_prefetched_objects_cache")
        if type(cache) is not PrefetchCache or cache._user is not user:  # not one of a copy
            cache = user._prefetched_objects_cache = PrefetchCache(user, cache or {})
        for name in HANDLED:
            dict.pop(cache, name, None)
    connection = connections[alias]
    layout = _layout(alias, connection.vendor)
    user_ids = list(by_id)
    with connection.cursor() as cursor:
        params = {f"u{i}": user_id for i, user_id in enumerate(user_ids)}
        cursor.execute(layout.sql(len(user_ids)), params)
        rows = cursor.fetchall()
    models = layout.models
    user_fields = {kind: model._meta.get_field("user") for kind, model in models.items()}

    def build(kind: int, row: Any) -> Any:
        values = [row[i] for i in layout.positions[kind]]
        for position, convert in layout.converters[kind]:
            values[position] = convert(values[position])
        instance = models[kind].from_db(alias, layout.attnames[kind], values)
        user_fields[kind].set_cached_value(instance, by_id[instance.user_id])
        return instance

    # External accounts first (in the union's order: created_at, id), so the identifiers
    # can resolve their ``linked_to`` from them.
    accounts: dict[Any, list[Any]] = defaultdict(list)
    account_by_id = {}
    for row in rows:
        if row[0] == EXTERNAL:
            account = build(EXTERNAL, row)
            accounts[account.user_id].append(account)
            account_by_id[account.pk] = account
    found: dict[Any, list[list[Any]]] = defaultdict(lambda: [[], [], []])
    types: dict[Any, set[str]] = defaultdict(set)
    id_position = layout.columns.index("id") + 1
    user_id_position = layout.columns.index("user_id") + 1
    for row in rows:
        kind = row[0]
        if kind == EXTERNAL:
            continue
        if kind == AUTHENTICATOR:
            types[row[user_id_position]].add(row[id_position])
            continue
        identifier = build(kind, row)
        linked = account_by_id.get(identifier.linked_external_account_id)
        if linked is not None:
            models[kind]._meta.get_field("linked_external_account").set_cached_value(
                identifier, linked
            )
        found[identifier.user_id][kind].append(identifier)
    for user in users:
        emails, phones, wallets = found[user.pk]
        cache = user._prefetched_objects_cache
        dict.__setitem__(cache, "email_addresses", Loaded(emails))
        dict.__setitem__(cache, "phone_numbers", Loaded(phones))
        dict.__setitem__(cache, "web3_wallets", Loaded(wallets))
        dict.__setitem__(cache, "external_accounts", Loaded(accounts[user.pk]))
        for flag, kind in MFA_FLAGS.items():
            setattr(user, flag, kind in types[user.pk])


_BY_PK: dict[Any, Any] = {}


def user_with_identifiers(model: Any, pk: Any) -> Any | None:
    """``model._default_manager.with_identifiers().filter(pk=pk).first()``, or None.

    The users query runs as SQL compiled once per model and database (``PreparedQuery``),
    since compiling the queryset on every call cost more than running it; the relations
    follow in query 2 as for any ``with_identifiers()`` queryset.
    """
    from .prepared import PreparedQuery

    prepared = _BY_PK.get(model)
    if prepared is None:

        def build(pk: Any) -> Any:
            # ``[:1]`` without ORDER BY: the primary key matches one row at most.
            return model._default_manager.with_identifiers().filter(pk=pk).order_by()[:1]

        prepared = _BY_PK.setdefault(model, PreparedQuery(build, model, pk=model._meta.pk.name))
    found = prepared(pk=pk)
    if not found:
        return None
    load_relations(found, found[0]._state.db)
    return found[0]


def _converters(model: Any, connection: Any) -> list[tuple[int, Any]]:
    """The backend's value converters (SQLite returns datetimes and booleans as text and
    integers), which a raw cursor does not apply."""
    result = []
    for position, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + field.get_db_converters(
            connection
        )
        if functions:
            result.append((position, _chain(functions, expression, connection)))
    return result


def _chain(functions: list[Any], expression: Any, connection: Any) -> Any:
    def convert(value: Any) -> Any:
        for function in functions:
            value = function(value, expression, connection)
        return value

    return convert
