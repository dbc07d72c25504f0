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
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

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


def _identifiers_sql(user_ids: list[Any], alias: str) -> tuple[str, list[Any], list[Any]]:
    """One ``UNION ALL`` over the identifier tables: a kind column, then the union of their
    concrete columns (NULL where a table has none)."""
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
                typed = connection.vendor == "postgresql" and db_type
                null[field.column] = f"CAST(NULL AS {db_type})" if typed else "NULL"
    marks = ", ".join(["%s"] * len(user_ids))
    branches, params = [], []
    for kind, model in [*enumerate(models), (EXTERNAL, external)]:
        own = {f.column for f in model._meta.concrete_fields}
        select = ", ".join(
            f"{quote(c)}" if c in own else f"{null[c]} AS {quote(c)}" for c in columns
        )
        branches.append(
            f"SELECT {kind} AS kind, {select} FROM {quote(model._meta.db_table)} "
            f"WHERE {quote('user_id')} IN ({marks})"
        )
        params.extend(user_ids)
    from allauth.mfa.models import Authenticator

    # Authenticators: their type in the ``id`` column (both text), the rest NULL.
    padded = {"id": quote("type"), "user_id": quote("user_id")}
    select = ", ".join(f"{padded.get(c, null[c])} AS {quote(c)}" for c in columns)
    branches.append(
        f"SELECT {AUTHENTICATOR} AS kind, {select} FROM {quote(Authenticator._meta.db_table)} "
        f"WHERE {quote('user_id')} IN ({marks})"
    )
    params.extend(user_ids)
    sql = " UNION ALL ".join(branches) + f" ORDER BY {quote('created_at')}, {quote('id')}"
    return sql, params, columns


def _cache(user: Any, name: str, rows: list[Any]) -> None:
    """What ``prefetch_related`` stores: the related manager's queryset, already evaluated."""
    queryset = getattr(user, name).get_queryset()
    queryset._result_cache = rows
    queryset._prefetch_done = True
    user._prefetched_objects_cache[name] = queryset


def load_relations(users: list[Any], alias: str) -> None:
    """Query 2 for ``users`` (already fetched)."""
    users = [u for u in users if u.pk is not None]
    if not users:
        return
    by_id = {u.pk: u for u in users}
    for user in users:
        if not hasattr(user, "_prefetched_objects_cache"):
            user._prefetched_objects_cache = {}
        for name in HANDLED:
            user._prefetched_objects_cache.pop(name, None)
    sql, params, columns = _identifiers_sql(list(by_id), alias)
    models = _identifier_models()
    external = _external_account_model()
    by_kind = {**dict(enumerate(models)), EXTERNAL: external}
    layouts = {
        kind: [columns.index(f.column) + 1 for f in model._meta.concrete_fields]
        for kind, model in by_kind.items()
    }
    attnames = {
        kind: [f.attname for f in model._meta.concrete_fields] for kind, model in by_kind.items()
    }
    found: dict[Any, list[list[Any]]] = defaultdict(lambda: [[], [], []])
    connection = connections[alias]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    converters = {kind: _converters(model, connection) for kind, model in by_kind.items()}

    def build(kind: int, row: Any) -> Any:
        values = [row[i] for i in layouts[kind]]
        for position, convert in converters[kind]:
            values[position] = convert(values[position])
        model = by_kind[kind]
        instance = model.from_db(alias, attnames[kind], values)
        model._meta.get_field("user").set_cached_value(instance, by_id[instance.user_id])
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
    types: dict[Any, set[str]] = defaultdict(set)
    id_position = columns.index("id") + 1
    for row in rows:
        kind = row[0]
        if kind == EXTERNAL:
            continue
        if kind == AUTHENTICATOR:
            types[row[columns.index("user_id") + 1]].add(row[id_position])
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
        _cache(user, "email_addresses", emails)
        _cache(user, "phone_numbers", phones)
        _cache(user, "web3_wallets", wallets)
        _cache(user, "external_accounts", accounts[user.pk])
        for flag, kind in MFA_FLAGS.items():
            setattr(user, flag, kind in types[user.pk])


_CONVERTERS: dict[tuple[Any, str], list[tuple[int, Any]]] = {}


def _converters(model: Any, connection: Any) -> list[tuple[int, Any]]:
    """The backend's value converters (SQLite returns datetimes and booleans as text and
    integers), which a raw cursor does not apply; worked out once per model and database."""
    key = (model, connection.alias)
    if key not in _CONVERTERS:
        _CONVERTERS[key] = _find_converters(model, connection)
    return _CONVERTERS[key]


def _find_converters(model: Any, connection: Any) -> list[tuple[int, Any]]:
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
