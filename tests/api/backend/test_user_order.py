"""``GET /users?order_by=email_address`` (``phone_number``, ``web3wallet``, either direction):
ordered by the user row's primary sort keys, exactly as a ``LEFT JOIN`` of each user's primary
ordered by its value would be (case-insensitive for addresses and wallets, users without a
primary last in both directions, ties by id); on PostgreSQL, read from migration 0013's
``(key, id)`` indexes without a sort."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.db.models.functions import Lower
from django.test.utils import CaptureQueriesContext

from clerk_users import identifiers
from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet

pytestmark = pytest.mark.django_db

# order_by name -> (identifier kind, index name part)
ORDERS = {
    "email_address": ("email_address", "email"),
    "phone_number": ("phone_number", "phone"),
    "web3wallet": ("web3_wallet", "wallet"),
}


def _reference(name: str, sign: str) -> list[str]:
    """The order from the identifier rows themselves (not the sort keys): the primary's value
    through a join, lowercased as the unique index compares it, NULLs last, then the id."""
    kind = ORDERS[name][0]
    value: Any = F(f"primary_{kind}__{kind}")
    if kind != "phone_number":
        value = Lower(value)
    if sign == "-":
        order = (value.desc(nulls_last=True), F("pk").desc())
    else:
        order = (value.asc(nulls_last=True), F("pk").asc())
    return list(User.objects.order_by(*order).values_list("pk", flat=True))


@pytest.fixture
def crowd(make_user: Any) -> None:
    """Mixed case (as typed, and as a legacy row stores it), secondary identifiers that sort
    before every primary, and users without a primary of some kind or of any."""
    make_user(
        email_address=["Zoe@Example.com", "aaa.secondary@example.com"],
        phone_number=["+14155550109", "+12025550100"],
        web3_wallet="0x" + "F0" * 20,
    )
    make_user(email_address="bob@EXAMPLE.com", web3_wallet="0x" + "0a" * 20)
    make_user(email_address="alice@example.com", phone_number="+14155550101")
    legacy = make_user(email_address="carl@example.com", phone_number="+14155550105")
    stored = EmailAddress.objects.create(
        user=legacy, email_address="Carla@Example.com", verification_status="verified"
    )
    identifiers.set_primary(legacy, stored)  # a mixed-case row: "carla" after "bob"
    for _ in range(3):
        make_user(email_address=None, username=None, phone_number=None)
    unverified = make_user(email_address=None)  # an unverified address is never primary
    identifiers.create_email_address(unverified, "aaaa@example.com")


@pytest.mark.parametrize("name", list(ORDERS))
@pytest.mark.parametrize("sign", ["+", "-"])
def test_order_by_a_primary_is_the_left_join_order(
    api: Any, crowd: None, name: str, sign: str
) -> None:
    expected = _reference(name, sign)
    assert len(expected) == 8
    everyone = api.get("/users", {"order_by": f"{sign}{name}", "limit": 100})
    assert [u["id"] for u in everyone.json()] == expected
    for offset in range(len(expected) + 1):
        for limit in (1, 3):
            page = api.get(
                "/users", {"order_by": f"{sign}{name}", "limit": limit, "offset": offset}
            )
            assert [u["id"] for u in page.json()] == expected[offset : offset + limit], offset


def test_mixed_case_and_missing_primaries_in_the_email_order(api: Any, crowd: None) -> None:
    """Spelled out once: case-insensitive, non-primary addresses ignored, no primary last."""
    emails = {
        u["id"]: next(
            (
                e["email_address"]
                for e in u["email_addresses"]
                if e["id"] == u["primary_email_address_id"]
            ),
            None,
        )
        for u in api.get("/users", {"limit": 100}).json()
    }
    for sign, head in (
        ("+", ["alice", "bob", "carla", "zoe"]),
        ("-", ["zoe", "carla", "bob", "alice"]),
    ):
        order = [u["id"] for u in api.get("/users", {"order_by": f"{sign}email_address"}).json()]
        shown = [emails[pk].split("@")[0].lower() if emails[pk] else None for pk in order]
        assert shown == head + [None] * 4
        no_primary = [pk for pk in order if emails[pk] is None]
        assert no_primary == sorted(no_primary, reverse=sign == "-")  # ties by id


# -- PostgreSQL: the page query reads the (key, id) index, no sort ---------------------------
def _users_with_primaries(count: int) -> None:
    """``count`` users, each with a primary email address, two in three a phone number, one
    in ten a wallet, one in twenty nothing; written in bulk, keys by ``primary_columns``."""
    users, rows = [], {EmailAddress: [], PhoneNumber: [], Web3Wallet: []}
    for n in range(count):
        user = User(username=f"bulk{n:06d}")
        users.append(user)
        if n % 20 == 0:
            continue
        values = {"email_address": f"Person{n * 7919 % count:06d}@example.com"}
        if n % 3:
            values["phone_number"] = f"+1415{n * 7919 % 10_000_000:07d}"
        if n % 10 == 1:
            values["web3_wallet"] = f"0x{n * 2654435761 % 16**40:040x}"
        for kind, value in values.items():
            model = identifiers.IDENTIFIER_MODELS[kind]
            identifier = model(user=user, verification_status="verified", **{kind: value})
            rows[model].append(identifier)
            for field, column in identifiers.primary_columns(kind, identifier).items():
                setattr(user, field, column)
    User.objects.bulk_create(users)
    for model, created in rows.items():
        model.objects.bulk_create(created)


def _nodes(plan: Any) -> list[dict[str, Any]]:
    found = [plan]
    for child in plan.get("Plans", []):
        found += _nodes(child)
    return found


@pytest.mark.postgres
@pytest.mark.parametrize("name", list(ORDERS))
@pytest.mark.parametrize(("sign", "direction"), [("+", "asc"), ("-", "desc")])
def test_the_page_query_reads_the_sort_key_index(
    api: Any, name: str, sign: str, direction: str
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    _users_with_primaries(3000)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    key = f"primary_{ORDERS[name][0]}_sort_key"
    with CaptureQueriesContext(connection) as captured:
        response = api.get("/users", {"order_by": f"{sign}{name}", "limit": 10, "offset": 20})
    assert response.status_code == 200 and len(response.json()) == 10
    (page,) = [
        q["sql"]
        for q in captured.captured_queries
        if f'ORDER BY "clerk_users_user"."{key}"' in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + page)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    nodes = _nodes(plan[0]["Plan"])
    index = f"cu_user_{ORDERS[name][1]}_key_{direction}"
    assert any(
        n["Node Type"] in ("Index Scan", "Index Only Scan") and n.get("Index Name") == index
        for n in nodes
    ), plan
    assert not [n for n in nodes if "Sort" in n["Node Type"]], plan
