"""``query`` and the ``*_query`` filters of ``GET /users`` (Clerk's partial matches), written
so that PostgreSQL answers them from indexes, and the statement timeout that bounds them.

Clerk: ``query`` matches "the email addresses, phone numbers, usernames, web3 wallets, user
IDs, first and last names" partially; ``email_address_query``, ``phone_number_query``,
``username_query`` and ``name_query`` each match one of them, case-insensitively. Here:

- every partial match is ``<indexed expression> LIKE '%text%'`` on an expression that
  migration 0007 indexes with a ``pg_trgm`` GIN index on PostgreSQL (``LOWER(email_address)``,
  ``phone_number``, ``LOWER(web3_wallet)``, ``LOWER(username)``, the full name
  ``LOWER(first_name || ' ' || last_name)`` and ``id``); the text is lowercased in Python so
  the SQL carries no ``UPPER()`` that would hide the index;
- ``query`` is one ``pk IN (... UNION ...)`` over those matches: each branch a (bitmap) index
  scan, the union a semi-join, instead of an ``OR`` of subqueries that forces a scan of users;
- a page of a ``query`` first tests the first ``WALK`` users of the page's order one by one
  (``walk_page``): a broad query fills its page there without collecting every match;
- otherwise the union's ids are read first, and when there are at most ``FEW`` of them the
  page (or the count) is taken among exactly those ids (``few_matches``): one
  ``id IN (UNION ...)`` statement leaves the join to the planner's estimate of the union's
  size, which is off several times for trigram matches (at 1M users it chose a sequential
  scan of every user for 1,379 matches: 1.6 s instead of a few ms of primary-key probes);
- a count of ``query`` alone counts the union's distinct ids, never joining users;
- a text shorter than a trigram cannot use the index: it is written as per-row ``EXISTS``
  tests (bounded by the statement timeout when it is also rare);
- phone numbers are matched on the digits of the text only when the text looks like a phone
  number (``+1 (415) 555``, ``5550111``): ``john1`` does not match every phone with a ``1``;
- user ids are matched case-sensitively (they are base62), ``external_id`` exactly.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.contrib.auth import get_user_model
from django.db import OperationalError, connection, transaction
from django.db.models import CharField, Exists, F, Func, OuterRef, Q, QuerySet, Value
from django.db.models.functions import Lower, StrIndex
from django.db.models.lookups import Contains, GreaterThan

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.models import EmailAddress, PhoneNumber, Web3Wallet

TEXT_PARAMS = ("query", "email_address_query", "phone_number_query", "username_query", "name_query")
TRIGRAM = 3  # pg_trgm indexes only help texts of at least one trigram
_PHONE_LIKE = re.compile(r"\+?[0-9][0-9 ().\-/]*")
_ID_FRAGMENT = re.compile(r"[A-Za-z0-9_]+")
_WALLET_FRAGMENT = re.compile(r"(0?x)?[0-9a-f]*")  # a part of ``0x`` + 40 hex digits
QUERY_CANCELED = "57014"  # PostgreSQL's SQLSTATE for statement_timeout


def full_name() -> Any:
    """The indexed name expression: ``LOWER(first_name || ' ' || last_name)``."""
    return Func(
        F("first_name"),
        F("last_name"),
        template="LOWER(%(expressions)s)",
        arg_joiner=" || ' ' || ",
        output_field=CharField(),
    )


def phone_digits(text: str) -> str | None:
    """The digits to look for in stored E.164 numbers, or None when ``text`` is not
    phone-like (letters, ``@``...)."""
    if not _PHONE_LIKE.fullmatch(text):
        return None
    return "".join(ch for ch in text if ch.isascii() and ch.isdigit())


class _Match:
    """One partial match: ``expression LIKE '%text%'`` on a model, by user."""

    def __init__(self, model: Any, expression: Any, text: str, user_field: str) -> None:
        self.model, self.expression, self.text = model, expression, text
        self.user_field = user_field

    def like(self) -> Any:
        # A lookup used as an expression: ``<expression> LIKE '%<escaped text>%'``.
        return Contains(self.expression, self.text)

    def user_ids(self) -> QuerySet:
        """The matching users' ids: one (bitmap) index scan, a branch of a union."""
        rows = self.model._default_manager.filter(self.like())
        return rows.values_list(self.user_field, flat=True).order_by()

    def exists(self) -> Q:
        """The per-row test: a column of users, or ``EXISTS`` on the identifier table."""
        if self.user_field == "pk":
            return Q(self.like())
        rows = self.model._default_manager.filter(self.like(), **{self.user_field: OuterRef("pk")})
        return Q(Exists(rows))

    def condition(self) -> Q:
        """Alone: ``pk IN (index scan)``, or the per-row test for a column of users or a text
        shorter than a trigram (which would scan the whole index and match most rows)."""
        if self.user_field == "pk" or len(self.text) < TRIGRAM:
            return self.exists()
        return Q(pk__in=self.user_ids())


def _user_match(expression: Any, text: str) -> _Match:
    return _Match(get_user_model(), expression, text, "pk")


def email_match(text: str) -> _Match:
    return _Match(EmailAddress, Lower("email_address"), text.lower(), "user_id")


def wallet_match(text: str) -> _Match | None:
    """None when ``text`` cannot be part of a wallet (``0x`` and hex digits): no branch."""
    if not _WALLET_FRAGMENT.fullmatch(text.lower()):
        return None
    return _Match(Web3Wallet, Lower("web3_wallet"), text.lower(), "user_id")


def phone_match(text: str) -> _Match | None:
    digits = phone_digits(text)
    if not digits:
        return None
    return _Match(PhoneNumber, F("phone_number"), digits, "user_id")


def username_match(text: str) -> _Match:
    return _user_match(Lower("username"), text.lower())


def name_match(text: str) -> _Match:
    return _user_match(full_name(), text.lower())


class _IdMatch(_Match):
    def like(self) -> Any:
        if connection.vendor == "sqlite":  # its LIKE ignores case: INSTR does not
            return GreaterThan(StrIndex(F("id"), Value(self.text)), 0)
        return super().like()


def id_match(text: str) -> _Match | None:
    if not _ID_FRAGMENT.fullmatch(text):
        return None
    return _IdMatch(get_user_model(), F("id"), text, "pk")


def query_matches(text: str) -> list[_Match]:
    """What ``query`` searches (Clerk's list), in one place. A field that cannot hold the
    text gets no branch: email addresses and usernames never contain whitespace (the rules
    refuse it), wallets are hex, ids base62, phone numbers are searched only for phone-like
    text; ``a smith`` then searches names alone instead of rechecking every address that
    holds the trigrams of ``smith``."""
    spaced = any(ch.isspace() for ch in text)
    matches = [None if spaced else email_match(text), phone_match(text), wallet_match(text)]
    matches += [None if spaced else username_match(text), name_match(text), id_match(text)]
    return [m for m in matches if m is not None]


def text_conditions(params: Any, *, query: str = "union") -> Q:
    """The ``WHERE`` conditions of ``query`` and the ``*_query`` parameters in ``params``.
    How ``query`` is written: ``"union"`` (for a count) its matching ids, listed when few,
    else ``id IN (UNION ...)``; ``"page"`` (for a page in an order) the ids when few, else
    per-row tests walked in the page's order; ``"skip"`` left out (see ``walk_page``)."""
    conditions = Q()
    email_query = (params.get("email_address_query") or "").strip()
    if email_query:
        conditions &= email_match(email_query).condition()
    phone_query = (params.get("phone_number_query") or "").strip()
    if phone_query:
        phone = phone_match(phone_query)
        # Not phone-like text matches no E.164 number.
        conditions &= phone.condition() if phone else Q(pk__in=[])
    username_query = (params.get("username_query") or "").strip()
    if username_query:
        conditions &= username_match(username_query).condition()
    name_query = (params.get("name_query") or "").strip()
    for word in name_query.split():
        conditions &= name_match(word).condition()
    text = query_text(params)
    if text and query != "skip":
        conditions &= _query_condition(text, mode=query)
    return conditions


def query_text(params: Any) -> str:
    return (params.get("query") or "").strip()


def _query_condition(text: str, *, mode: str = "union") -> Q:
    if len(text) < TRIGRAM:
        return _per_row(text)
    ids = few_matches(text)
    if ids is not None:
        return Q(pk__in=ids)
    if mode == "page":
        # More than FEW matches (at least 0.2% of a million users): walking the page's
        # order and testing each user finds a page after a few thousand rows; PostgreSQL
        # hashes each identifier table's matches once and probes the hash per user. The
        # union in ``id IN (...)`` would be joined by a scan of every user instead.
        return _per_row(text)
    return Q(pk__in=_union(text))


def _per_row(text: str) -> Q:
    """``query`` as per-row tests (``OR`` of a column test or ``EXISTS`` per field)."""
    condition = Q(external_id=text)
    for match in query_matches(text):
        condition |= match.exists()
    return condition


# A union of index scans that finds at most this many users is read as a list of ids first.
FEW = 2000


def few_matches(text: str) -> list[str] | None:
    """The ids of the users ``text`` matches, when there are at most ``FEW`` of them, else
    None. With the ids as a literal list the planner knows how many rows it joins and probes
    the primary key for each. Read as ``UNION ALL ... LIMIT FEW + 1`` (de-duplicated here):
    a ``UNION`` would collect every match of a broad text before its ``LIMIT``."""
    rows = list(_union(text, every=True)[: FEW + 1])
    if len(rows) > FEW:
        return None
    return list(dict.fromkeys(rows))


def count_matches(text: str) -> int | None:
    """``GET /users/count?query=text`` with no other filter: the number of distinct ids of
    the union (every id in it is a user's), without the join to the users table that a
    ``COUNT(*) ... WHERE id IN (...)`` pays per match. None for a text shorter than a
    trigram (no index to union: the per-row tests answer it)."""
    if len(text) < TRIGRAM:
        return None
    ids = few_matches(text)
    return len(ids) if ids is not None else _union(text).count()


def _union(text: str, *, every: bool = False) -> QuerySet:
    """The ids of the users ``text`` matches: one branch per table, the identifier tables'
    index scans and the users table's conditions OR-ed (a BitmapOr of its trigram indexes:
    one pass over the matching rows). ``every``: ``UNION ALL`` (an id once per match)."""
    matches = query_matches(text)
    own = Q(external_id=text)
    branches = []
    for match in matches:
        if match.user_field == "pk":
            own |= match.exists()
        else:
            branches.append(match.user_ids())
    users = get_user_model()._default_manager
    branches.append(users.filter(own).values_list("pk", flat=True).order_by())
    first, *rest = branches
    return first.union(*rest, all=every)


# How many users, in the page's order, a broad ``query`` tests one by one before it is
# answered from the trigram indexes instead.
WALK = 1000


def walk_page(queryset: Any, params: Any, order: Any, offset: int, limit: int) -> list | None:
    """A ``query`` that matches many users (``ali`` matches 8% of a realistic table) is
    answered fastest by testing the first users in the page's order one by one; one that
    matches few, from the trigram indexes (the union). Try the walk over the first ``WALK``
    users (after the other filters) first: if it yields the page, that page is exact (the
    first matches in order lie within the first users in order); else return None."""
    text = query_text(params)
    if not text or offset + limit > WALK // 10:
        return None
    from clerk_users.api.backend import user_filters

    others = order(user_filters.filter_users(queryset, params, query="skip"), params)
    first = others.values("pk")[:WALK]
    walked = order(queryset.filter(pk__in=first).filter(_per_row(text)), params)
    with _no_bitmap_scans():
        rows = list(walked[: offset + limit])
    return rows[offset:] if len(rows) == offset + limit else None


@contextmanager
def _no_bitmap_scans() -> Iterator[None]:
    """The walk tests its ``WALK`` users one by one, so it must not start from a trigram
    index: PostgreSQL reads GIN indexes only through bitmap scans, and it estimates a long
    ``LIKE '%a smith%'`` to match a hundred rows where 4,835 do, then rechecks 20,000 heap
    rows of the whole table (2.4 s at a million users) instead of probing 1,000 primary keys.
    ``SET LOCAL`` inside the search's transaction (``statement_timeout``); reset after."""
    if connection.vendor != "postgresql" or not connection.in_atomic_block:
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan = off")
    yield
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_bitmapscan TO DEFAULT")


def has_filters(params: Any) -> bool:
    """Whether a list/count request filters at all (then it runs under the timeout)."""
    return any(name not in ("limit", "offset", "order_by") for name in params)


@contextmanager
def statement_timeout(params: Any) -> Iterator[None]:
    """Run the filtered/searched queries of one request with PostgreSQL's
    ``statement_timeout`` set to ``SEARCH_STATEMENT_TIMEOUT_MS``; a statement cancelled by it
    becomes Clerk's 422 ``search_timeout`` (the official SDK parses 422 as ``ClerkErrors``
    for both ``users.list`` and ``users.count``), never a 500 or a worker held for minutes."""
    timeout = app_settings.SEARCH_STATEMENT_TIMEOUT_MS
    if connection.vendor != "postgresql" or timeout <= 0 or not has_filters(params):
        yield
        return
    nested = connection.in_atomic_block  # ATOMIC_REQUESTS, or a test's transaction
    try:
        with transaction.atomic():
            with connection.cursor() as cursor:
                # is_local: the setting ends with this transaction; inside an outer one it
                # is undone with the savepoint on error, and reset below otherwise.
                # Also: no JIT (its compile time, ~30 ms, exceeds a whole indexed search) and
                # room for the union's de-duplication in memory rather than on disk.
                cursor.execute(
                    "SELECT set_config('statement_timeout', %s, true), "
                    "set_config('jit', 'off', true), set_config('work_mem', '32MB', true)",
                    [str(timeout)],
                )
            yield
            if nested:
                with connection.cursor() as cursor:
                    cursor.execute(
                        "SET LOCAL statement_timeout TO DEFAULT; SET LOCAL jit TO DEFAULT; "
                        "SET LOCAL work_mem TO DEFAULT"
                    )
    except OperationalError as exc:
        if _sqlstate(exc) != QUERY_CANCELED:
            raise
        raise errors.ClerkError(
            "search_timeout",
            "search took too long",
            long_message=(
                f"The search did not complete within {timeout} ms. "
                "Narrow it down (a longer query or more filters)."
            ),
            param_name=next((p for p in TEXT_PARAMS if params.get(p)), None),
        ) from exc


def _sqlstate(exc: BaseException) -> str | None:
    cause = exc.__cause__
    return getattr(cause, "sqlstate", None) or getattr(cause, "pgcode", None)
