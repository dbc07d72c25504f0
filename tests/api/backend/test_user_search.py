"""``query`` and the ``*_query`` filters of ``GET /users`` as Clerk defines them, checked against
a plain-Python reading of the same rules; the search statement timeout; and, on PostgreSQL,
that the planner can serve the searches, sorts and metadata filter from migration 0007's
indexes."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.http import QueryDict
from django.test import override_settings

from clerk_users.api.backend import user_filters, user_search
from clerk_users.models import User

pytestmark = pytest.mark.django_db


@pytest.fixture
def crowd(make_user: Any) -> dict[str, Any]:
    people = {
        "john": make_user(
            username="johnny",
            email_address="john.doe@example.com",
            phone_number="+14155550111",
            first_name="John",
            last_name="Doe",
        ),
        "ones": make_user(
            username="ones",
            email_address="a.b@mail.test",
            phone_number=["+12125551111", "+16175550100"],
            first_name="Ada",
            last_name="Lovelace",
            external_id="EXT-77",
        ),
        "pct": make_user(
            username="per_cent",
            email_address="100%real@odd.test",
            first_name="Zoë",
            last_name="O'Brien",
            web3_wallet="0x" + "ab" * 20,
        ),
        "bare": make_user(username=None, email_address="bare@example.com"),
    }
    return people


def reference(users: list[Any], text: str) -> set[str]:
    """Clerk's ``query``, read plainly: a case-insensitive part of an email address, username,
    wallet or full name; the digits of a phone-like text in a phone number; a part of the id
    as written; the external id exactly."""
    text = text.strip()
    low = text.lower()
    digits = user_search.phone_digits(text)
    matched = set()
    for user in users:
        fields = [e.email_address.lower() for e in user.email_addresses.all()]
        fields += [w.web3_wallet.lower() for w in user.web3_wallets.all()]
        fields += [(user.username or "").lower(), f"{user.first_name} {user.last_name}".lower()]
        hit = any(low in f for f in fields) or text in user.pk or user.external_id == text
        if digits:
            hit = hit or any(digits in p.phone_number for p in user.phone_numbers.all())
        if hit:
            matched.add(user.pk)
    return matched


QUERIES = [
    "john1",  # was: every phone number with a 1
    "JOHN",
    "jo",
    "n d",  # across first and last name
    "ada love",
    "+1 (415) 555-0111",
    "555",
    "1",
    "11",
    "%",
    "_",
    "100%",
    "per_",
    "'",
    "zoë",
    "ABAB",
    "EXT-77",
    "ext-77",
    "user_",
    "xqzv9",
    "@example.com",
    "0xABab",  # wallets: case-insensitive, with or without 0x
    "xaba",
]


@pytest.mark.parametrize("text", QUERIES)
def test_query_matches_what_clerk_describes(api: Any, crowd: dict, text: str) -> None:
    users = list(User.objects.with_identifiers())
    expected = reference(users, text)
    response = api.get("/users", {"query": text, "limit": 500})
    assert response.status_code == 200, response.content
    assert {u["id"] for u in response.json()} == expected
    count = api.get("/users/count", {"query": text}).json()["total_count"]
    assert count == len(expected)


@pytest.mark.parametrize("text", QUERIES)
def test_many_matches_are_joined_in_one_statement_with_the_same_answers(
    api: Any, crowd: dict, text: str, monkeypatch: Any
) -> None:
    """Past ``FEW`` matches (here: past none) the ids are not listed first: a page comes
    from per-row tests walked in its order, a count from ``COUNT`` of the union (``query``
    alone) or ``id IN (UNION ...)`` (with another filter): the same users."""
    monkeypatch.setattr(user_search, "FEW", 0)
    users = list(User.objects.with_identifiers())
    expected = reference(users, text)
    response = api.get("/users", {"query": text, "limit": 500})
    assert {u["id"] for u in response.json()} == expected
    assert api.get("/users/count", {"query": text}).json()["total_count"] == len(expected)
    both = api.get("/users/count", {"query": text, "banned": "false"}).json()["total_count"]
    assert both == len(expected)


def test_few_matches_are_read_as_ids_then_joined_by_primary_key(api: Any, crowd: dict) -> None:
    """The page statement names the matching ids, so the planner joins exactly those rows
    (with ``id IN (UNION ...)`` it guessed the union's size and, at a million users, scanned
    every user for 1,379 matches); a count of ``query`` alone is the length of that list."""
    from django.test.utils import CaptureQueriesContext

    params = {"query": "example.com", "limit": 10, "offset": 200}  # past the walk
    with CaptureQueriesContext(connection) as captured:
        found = api.get("/users", params).json()
    assert found == []
    page = [q["sql"] for q in captured.captured_queries if "ORDER BY" in q["sql"]]
    assert page and all("UNION" not in sql for sql in page), page
    assert any(crowd["john"].pk in sql for sql in page), page
    with CaptureQueriesContext(connection) as captured:
        count = api.get("/users/count", {"query": "example.com"}).json()["total_count"]
    assert count == 2
    statements = [q["sql"] for q in captured.captured_queries if "clerk_users_user" in q["sql"]]
    assert not any("COUNT(" in sql for sql in statements), statements


def test_john1_does_not_match_phone_numbers_with_a_1(api: Any, crowd: dict) -> None:
    found = {u["id"] for u in api.get("/users", {"query": "john1"}).json()}
    assert found == set()  # before: "ones" (and every user with a 1 in a phone number)


def test_user_id_fragment_is_matched_case_sensitively(api: Any, crowd: dict) -> None:
    user_id = crowd["ones"].pk
    fragment = user_id[8:20]
    assert crowd["ones"].pk in {u["id"] for u in api.get("/users", {"query": fragment}).json()}
    swapped = fragment.swapcase()
    if swapped != fragment:
        hits = {u["id"] for u in api.get("/users", {"query": swapped}).json()}
        assert user_id not in hits


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email_address_query": "EXAMPLE.COM"}, {"john", "bare"}),
        ({"email_address_query": "100%"}, {"pct"}),
        ({"phone_number_query": "555-0111"}, {"john"}),
        ({"phone_number_query": "john"}, set()),
        ({"username_query": "NN"}, {"john"}),
        ({"username_query": "r_c"}, {"pct"}),
        ({"name_query": "doe JO"}, {"john"}),
        ({"name_query": "o'b"}, {"pct"}),
    ],
)
def test_field_queries(api: Any, crowd: dict, params: dict, expected: set[str]) -> None:
    found = {u["id"] for u in api.get("/users", {**params, "limit": 500}).json()}
    assert found == {crowd[name].pk for name in expected}


def test_timeout_is_a_no_op_off_postgresql(api: Any, crowd: dict) -> None:
    if connection.vendor == "postgresql":
        pytest.skip("covered by the PostgreSQL tests below")
    with override_settings(CLERK_USERS={"SEARCH_STATEMENT_TIMEOUT_MS": 1}):
        assert api.get("/users", {"query": "jo"}).status_code == 200


# -- PostgreSQL: the timeout and the plans --------------------------------------------------
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")


def _many_users(count: int) -> None:
    User.objects.bulk_create(
        User(username=f"bulk{n:06d}", first_name="Bulk", last_name=f"N{n}") for n in range(count)
    )


@pytest.mark.postgres
def test_search_past_the_statement_timeout_is_a_clerk_422(api: Any, settings: Any) -> None:
    _postgres_only()
    _many_users(30_000)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SEARCH_STATEMENT_TIMEOUT_MS": 1}
    for path, params in (("/users", {"query": "q~"}), ("/users/count", {"query": "q~"})):
        response = api.get(path, params)
        assert response.status_code == 422, response.content
        error = response.json()["errors"][0]
        assert error["code"] == "search_timeout"
        assert error["meta"] == {"param_name": "query"}
    # The connection is usable afterwards and the limit did not outlive the request.
    with connection.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "0"
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SEARCH_STATEMENT_TIMEOUT_MS": 60_000}
    assert api.get("/users/count", {"query": "q~"}).json()["total_count"] == 0


@pytest.mark.postgres
def test_sdk_parses_the_timeout_as_clerk_errors(clerk: Any, settings: Any) -> None:
    _postgres_only()
    from clerk_backend_api import models

    _many_users(30_000)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SEARCH_STATEMENT_TIMEOUT_MS": 1}
    with pytest.raises(models.ClerkErrors) as raised:
        clerk.users.list(request={"query": "q~"})
    assert raised.value.data.errors[0].code == "search_timeout"


def _plan(queryset: Any, *, index_scans: bool = True) -> str:
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        if not index_scans:  # a full walk of some other index is no proof: bitmap scans only
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_indexonlyscan = off")
    return str(queryset.explain())


@pytest.fixture
def analyzed(make_user: Any) -> None:
    make_user(email_address="smith42@example.com", phone_number="+14155550142")
    _many_users(3000)  # enough rows for real statistics
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("match", "index"),
    [
        (lambda: user_search.email_match("Smith42"), "cu_email_trgm"),
        (lambda: user_search.phone_match("+1 415 555"), "cu_phone_trgm"),
        (lambda: user_search.wallet_match("0xABC"), "cu_wallet_trgm"),
        (lambda: user_search.username_match("SMITH"), "cu_user_username_trgm"),
        (lambda: user_search.name_match("ada love"), "cu_user_name_trgm"),
        (lambda: user_search.id_match("3MqAb"), "cu_user_id_trgm"),
    ],
)
def test_each_partial_match_can_use_its_trigram_index(
    analyzed: None, match: Any, index: str
) -> None:
    _postgres_only()
    plan = _plan(match().user_ids(), index_scans=False)
    assert f"Bitmap Index Scan on {index}" in plan, plan
    assert "Index Cond" in plan, plan


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("query", "index"),
    [
        ("public_metadata.plan=pro", "cu_user_pubmeta_gin"),
        ("private_metadata.billing.tier=2", "cu_user_privmeta_gin"),
        ("email_address=A%40b.test", "clerk_users_email_lower_idx"),
        ("web3_wallet=0xAB", "clerk_users_wallet_lower_idx"),
        ("order_by=-created_at", "cu_user_created"),
        ("order_by=%2Bupdated_at", "cu_user_updated"),
        ("order_by=-last_sign_in_at", "cu_user_signin_desc"),
        ("order_by=%2Blast_sign_in_at", "cu_user_signin_asc"),
        ("order_by=-last_active_at", "cu_user_active_desc"),
        ("order_by=%2Blast_active_at", "cu_user_active_asc"),
        ("order_by=-username", "cu_user_uname_desc"),
        ("order_by=%2Busername", "cu_user_uname_asc"),
        ("order_by=-first_name", "cu_user_first"),
        ("order_by=%2Blast_name", "cu_user_last"),
    ],
)
def test_filters_and_orders_can_use_their_indexes(analyzed: None, query: str, index: str) -> None:
    _postgres_only()
    params = QueryDict(query)
    if "order_by" in params:
        queryset = user_filters.order_users(User.objects.all(), params)[:10]
        plan = _plan(queryset)
        assert "Sort" not in plan, plan
    else:
        plan = _plan(user_filters.filter_users(User.objects.order_by(), params), index_scans=False)
    assert index in plan, plan


@pytest.mark.parametrize("text", QUERIES)
def test_small_pages_of_a_query_are_the_same_walked_or_unioned(
    api: Any, crowd: dict, make_user: Any, text: str
) -> None:
    for n in range(4):  # more users matching "example.com", "john", "555"...
        make_user(email_address=f"john{n}@example.com", phone_number=f"+1415555{n:04d}")
    users = list(User.objects.with_identifiers().order_by("-created_at", "-id"))
    expected = [u.pk for u in users if u.pk in reference(users, text)]
    for offset in range(len(expected) + 1):
        page = api.get("/users", {"query": text, "limit": 2, "offset": offset})
        assert [u["id"] for u in page.json()] == expected[offset : offset + 2], offset


def test_deep_offsets_read_ids_first_and_keep_the_order(
    api: Any, make_user: Any, monkeypatch: Any
) -> None:
    for _ in range(7):
        make_user()
    monkeypatch.setattr(user_filters, "DEEP_OFFSET", 2)
    everyone = [u["id"] for u in api.get("/users", {"limit": 100}).json()]
    for order in ("-created_at", "+username", "-last_sign_in_at"):
        full = [u["id"] for u in api.get("/users", {"limit": 100, "order_by": order}).json()]
        assert sorted(full) == sorted(everyone)
        for offset in (2, 3, 6):
            page = api.get("/users", {"limit": 3, "offset": offset, "order_by": order})
            assert [u["id"] for u in page.json()] == full[offset : offset + 3]


@pytest.mark.postgres
def test_the_walk_runs_without_bitmap_scans_then_restores_them(
    api: Any, crowd: dict, monkeypatch: Any
) -> None:
    """The walk's statement may not start from a trigram (GIN) index, which PostgreSQL reads
    only through bitmap scans: at a million users it misjudged ``a smith`` and rechecked
    20,000 rows of the whole table (2.4 s) instead of probing the 1,000 walked users."""
    _postgres_only()
    seen = []
    real = user_search._no_bitmap_scans

    def spy() -> Any:
        with real():
            with connection.cursor() as cursor:
                cursor.execute("SHOW enable_bitmapscan")
                seen.append(cursor.fetchone()[0])
            yield

    from contextlib import contextmanager

    monkeypatch.setattr(user_search, "_no_bitmap_scans", contextmanager(spy))
    found = api.get("/users", {"query": "john", "limit": 1}).json()
    assert [u["id"] for u in found] == [crowd["john"].pk]
    assert seen == ["off"]
    with connection.cursor() as cursor:
        cursor.execute("SHOW enable_bitmapscan")
        assert cursor.fetchone()[0] == "on"
