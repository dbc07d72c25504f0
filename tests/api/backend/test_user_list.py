"""``GET /users`` and ``GET /users/count``: every filter, ordering, pagination, validation, and
the query budget (constant whatever the page size)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from clerk_users.models import ExternalAccount, User

pytestmark = pytest.mark.django_db


def ids(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    body = response.json()
    assert isinstance(body, list)
    return [u["id"] for u in body]


@pytest.fixture
def people(make_user: Any) -> dict[str, Any]:
    now = timezone.now()
    ann = make_user(
        username="ann_smith",
        email_address=["ann@example.com", "ann.work@corp.test"],
        phone_number="+14155550111",
        first_name="Ann",
        last_name="Smith",
        external_id="ext-ann",
        web3_wallet="0x" + "a" * 40,
    )
    bob = make_user(
        username="bob_jones",
        email_address="BOB@example.com",
        first_name="Bob",
        last_name="Jones",
        phone_number="+442071838750",
    )
    cid = make_user(
        username="cid_zed", email_address="cid@other.test", first_name="Cid", external_id="ext-cid"
    )
    User.objects.filter(pk=ann.pk).update(
        created_at=now - timedelta(days=3),
        last_active_at=now - timedelta(hours=1),
        last_login=now - timedelta(days=2),
    )
    User.objects.filter(pk=bob.pk).update(
        created_at=now - timedelta(days=2), banned=True, last_active_at=now - timedelta(days=5)
    )
    User.objects.filter(pk=cid.pk).update(
        created_at=now - timedelta(days=1), last_login=now - timedelta(hours=2)
    )
    ExternalAccount.objects.create(user=bob, provider="oauth_github", provider_user_id="gh-42")
    return {"ann": ann.pk, "bob": bob.pk, "cid": cid.pk, "now": now}


def ms(moment: Any) -> int:
    return int(moment.timestamp() * 1000)


def test_default_order_is_newest_first_and_limit_offset(api: Any, people: dict) -> None:
    assert ids(api.get("/users")) == [people["cid"], people["bob"], people["ann"]]
    assert ids(api.get("/users", {"limit": 1, "offset": 1})) == [people["bob"]]
    assert ids(api.get("/users", {"offset": 5})) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"email_address": ["ANN@example.com", "bob@example.com"]}, ["ann", "bob"]),
        ({"email_address": "ann.work@corp.test"}, ["ann"]),
        ({"phone_number": "+1 415-555-0111"}, ["ann"]),
        ({"external_id": ["ext-ann", "ext-cid"]}, ["ann", "cid"]),
        ({"external_id": "-ext-ann"}, ["bob", "cid"]),
        ({"username": ["ANN_SMITH", "cid_zed"]}, ["ann", "cid"]),
        ({"web3_wallet": "0x" + "A" * 40}, ["ann"]),
        ({"query": "JONES"}, ["bob"]),
        ({"query": "corp.test"}, ["ann"]),
        ({"query": "5550111"}, ["ann"]),
        ({"query": "aaaaaaaa"}, ["ann"]),
        ({"email_address_query": "EXAMPLE"}, ["ann", "bob"]),
        ({"phone_number_query": "2071"}, ["bob"]),
        ({"username_query": "ZED"}, ["cid"]),
        ({"name_query": "ann smi"}, ["ann"]),
        ({"banned": "true"}, ["bob"]),
        ({"banned": "false"}, ["ann", "cid"]),
        ({"provider": "oauth_github", "provider_user_id": "gh-42"}, ["bob"]),
        ({"provider": "oauth_google", "provider_user_id": "gh-42"}, []),
        ({"organization_id": "org_1"}, []),
    ],
)
def test_filters(api: Any, people: dict, params: dict, expected: list[str]) -> None:
    want = sorted(people[name] for name in expected)
    assert sorted(ids(api.get("/users", params))) == want
    count = api.get("/users/count", params)
    assert count.json() == {"object": "total_count", "total_count": len(expected)}


def test_user_id_include_and_exclude(api: Any, people: dict) -> None:
    assert sorted(ids(api.get("/users", {"user_id": [people["ann"], people["cid"]]}))) == sorted(
        [people["ann"], people["cid"]]
    )
    assert ids(api.get("/users", {"user_id": f"-{people['ann']}"})) == [
        people["cid"],
        people["bob"],
    ]
    assert ids(api.get("/users", {"user_id": f"+{people['bob']}"})) == [people["bob"]]


def test_time_filters(api: Any, people: dict) -> None:
    now = people["now"]
    cut = ms(now - timedelta(days=2, hours=12))
    assert sorted(ids(api.get("/users", {"created_at_after": cut}))) == sorted(
        [people["bob"], people["cid"]]
    )
    assert ids(api.get("/users", {"created_at_before": cut})) == [people["ann"]]
    day = ms(now - timedelta(days=1))
    assert ids(api.get("/users", {"last_active_at_after": day})) == [people["ann"]]
    assert ids(api.get("/users", {"last_active_at_before": day})) == [people["bob"]]
    assert ids(api.get("/users", {"last_sign_in_at_after": day})) == [people["cid"]]
    assert ids(api.get("/users", {"last_sign_in_at_before": day})) == [people["ann"]]


@pytest.mark.parametrize(
    ("order_by", "expected"),
    [
        ("created_at", ["ann", "bob", "cid"]),
        ("+created_at", ["ann", "bob", "cid"]),
        ("-created_at", ["cid", "bob", "ann"]),
        ("first_name", ["ann", "bob", "cid"]),
        ("-last_name", ["ann", "bob", "cid"]),
        ("email_address", ["ann", "bob", "cid"]),
        ("-username", ["cid", "bob", "ann"]),
        ("phone_number", ["ann", "bob", "cid"]),
        ("-last_sign_in_at", ["cid", "ann", "bob"]),
        ("last_active_at", ["bob", "ann", "cid"]),
        ("web3wallet", ["ann"]),  # then bob and cid (no wallet: tie broken by id)
        ("updated_at", None),
    ],
)
def test_order_by(api: Any, people: dict, order_by: str, expected: Any) -> None:
    got = ids(api.get("/users", {"order_by": [order_by, "-username"]}))
    if expected is not None:
        assert got[: len(expected)] == [people[name] for name in expected]
        assert len(got) == 3
    else:
        assert sorted(got) == sorted(people[n] for n in ("ann", "bob", "cid"))


@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        ({"limit": 0}, "form_param_value_invalid", "limit"),
        ({"limit": 501}, "form_param_value_invalid", "limit"),
        ({"limit": "ten"}, "form_param_format_invalid", "limit"),
        ({"offset": -1}, "form_param_value_invalid", "offset"),
        ({"order_by": "password"}, "form_param_value_invalid", "order_by"),
        ({"banned": "perhaps"}, "form_param_format_invalid", "banned"),
        ({"created_at_after": "yesterday"}, "form_param_format_invalid", "created_at_after"),
        ({"provider": "oauth_github"}, "form_param_missing", "provider_user_id"),
        ({"provider_user_id": "1"}, "form_param_missing", "provider"),
        ({"email_adress": "typo@example.com"}, "form_param_unknown", "email_adress"),
        ({"user_id": [f"user_{i}" for i in range(101)]}, "form_param_value_invalid", "user_id"),
    ],
)
def test_bad_parameters_are_422(
    api: Any, people: dict, params: dict, code: str, param: str
) -> None:
    response = api.get("/users", params)
    assert response.status_code == 422, response.content
    error = response.json()["errors"][0]
    assert error["code"] == code and error["meta"]["param_name"] == param


def test_limit_500_is_accepted(api: Any, people: dict) -> None:
    assert len(ids(api.get("/users", {"limit": 500}))) == 3


def test_sdk_list_with_filters(clerk: Any, people: dict) -> None:
    users = clerk.users.list(
        request={"email_address_query": "example", "order_by": "-created_at", "limit": 1}
    )
    assert [u.id for u in users] == [people["bob"]]
    assert clerk.users.count(request={"banned": True}).total_count == 1
    got = clerk.users.list(request={"provider": "oauth_github", "provider_user_id": ["gh-42"]})
    assert [u.id for u in got] == [people["bob"]]
    assert got[0].external_accounts[0].provider == "oauth_github"


# -- query budget ----------------------------------------------------------------------------
def _populate(count: int) -> None:
    from clerk_users import identifiers

    for n in range(count):
        user = User.objects.create_user(
            f"budget{n:04d}",
            email_address=[f"b{n}@example.com", f"b{n}.2@example.com", f"b{n}.3@example.com"],
            phone_number=[f"+1415555{n:04d}", f"+1628555{n:04d}"],
            web3_wallet=f"0x{n:040x}",
        )
        if n % 2:
            ExternalAccount.objects.create(
                user=user, provider="oauth_github", provider_user_id=f"gh{n}"
            )
        identifiers  # noqa: B018  (created through the Python API above)


@pytest.mark.parametrize("limit", [10, 100, 500])
def test_list_query_count_is_constant(
    api: Any, limit: int, django_assert_max_num_queries: Any, django_assert_num_queries: Any
) -> None:
    _populate(min(limit, 120))
    api.get("/users", {"limit": 1})  # warm up (first use of the key writes last_used_at)
    with django_assert_max_num_queries(8) as captured:
        response = api.get("/users", {"limit": limit})
    assert len(response.json()) == min(limit, 120)
    first = response.json()[0]
    assert len(first["email_addresses"]) == 3 and len(first["phone_numbers"]) == 2
    assert len(first["web3_wallets"]) == 1
    baseline = len(captured.captured_queries)
    with django_assert_num_queries(baseline):
        api.get("/users", {"limit": 10})
