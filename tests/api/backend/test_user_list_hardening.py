"""``GET /users`` and ``/users/count`` after review: the metadata filter applies for real, and
NUL characters, huge or non-ASCII integers and malformed ``order_by`` get Clerk's 422 (several
of these were 500s on PostgreSQL only). Other Backend lists and path ids refuse NUL too."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_users import metadata
from clerk_users.api.backend import user_filters

pytestmark = pytest.mark.django_db


def ids(response: Any) -> set[str]:
    assert response.status_code == 200, response.content
    return {u["id"] for u in response.json()}


def count(api: Any, params: dict[str, Any]) -> int:
    response = api.get("/users/count", params)
    assert response.status_code == 200, response.content
    return response.json()["total_count"]


def error(response: Any, status: int = 422) -> dict[str, Any]:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"errors", "clerk_trace_id"}, body
    return body["errors"][0]


@pytest.fixture
def members(make_user: Any) -> dict[str, Any]:
    admin = make_user()
    metadata.update_metadata(
        admin,
        {
            "public_metadata": {"role": "admin", "plan": {"tier": 2, "trial": True, "x": None}},
            "private_metadata": {"team": {"name": "core"}, "contains": "k"},
        },
        replace=True,  # a merge would drop the null
    )
    member = make_user()
    metadata.update_metadata(
        member,
        {"public_metadata": {"role": "member", "plan": {"tier": "2", "trial": "true"}, "n": 1.5}},
    )
    nobody = make_user()
    return {"admin": admin.pk, "member": member.pk, "nobody": nobody.pk}


@pytest.mark.parametrize(
    "params, expected",
    [
        ({"public_metadata.role": "admin"}, {"admin"}),
        ({"public_metadata.role": "member"}, {"member"}),
        ({"public_metadata.role": "nobody"}, set()),
        ({"public_metadata.role": ["admin", "member"]}, {"admin", "member"}),
        ({"public_metadata.plan.tier": "2"}, {"admin"}),  # the JSON number 2
        ({"public_metadata.plan.tier": "2.0"}, {"admin"}),
        ({"public_metadata.plan.tier": '"2"'}, set()),  # not JSON: the string '"2"'
        ({"public_metadata.plan.trial": "true"}, {"admin"}),  # JSON true, not "true"
        ({"public_metadata.plan.x": "null"}, {"admin"}),  # JSON null, not a missing key
        ({"public_metadata.n": "1.5"}, {"member"}),
        ({"public_metadata.plan": "x"}, set()),
        ({"public_metadata.role": "admin", "public_metadata.plan.tier": "2"}, {"admin"}),
        ({"public_metadata.role": "member", "public_metadata.plan.tier": "2"}, set()),
        ({"private_metadata.team.name": "core"}, {"admin"}),
        ({"private_metadata.contains": "k"}, {"admin"}),  # a key named like a lookup
        ({"public_metadata.team.name": "core"}, set()),  # private is not public
    ],
)
def test_metadata_filter_matches_json_values(api, members, params, expected):
    want = {members[name] for name in expected}
    assert ids(api.get("/users", params)) == want
    assert count(api, params) == len(want)


@pytest.mark.parametrize(
    "name",
    [
        "public_metadata.",
        "public_metadata..a",
        "public_metadata.a.",
        "private_metadata.a b",
        "public_metadata.a/b",
        "public_metadata.é",
        "public_metadata." + ".".join(["k"] * (user_filters.METADATA_MAX_DEPTH + 1)),
    ],
)
def test_bad_metadata_paths_are_refused(api, members, name):
    for path in ("/users", "/users/count"):
        err = error(api.get(path, {name: "1"}))
        assert err["code"] == "form_param_format_invalid"
        assert err["meta"]["param_name"] == name


def test_metadata_path_at_the_depth_cap_is_accepted(api, members):
    name = "public_metadata." + ".".join(["k"] * user_filters.METADATA_MAX_DEPTH)
    assert ids(api.get("/users", {name: "1"})) == set()


NUL_PARAMS = [
    "query",
    "email_address",
    "phone_number",
    "username",
    "web3_wallet",
    "user_id",
    "external_id",
    "name_query",
    "email_address_query",
    "phone_number_query",
    "username_query",
    "public_metadata.a",
    "order_by",
]


@pytest.mark.parametrize("name", NUL_PARAMS)
def test_nul_in_a_text_param_is_refused(api, members, name):
    for path in ("/users", "/users/count"):
        if path.endswith("count") and name == "order_by":
            continue
        err = error(api.get(f"{path}?{name}=a%00b"))
        assert err["code"] == "form_param_format_invalid"
        assert err["meta"]["param_name"] == name


@pytest.mark.parametrize(
    "url, status",
    [
        ("/sessions?user_id=%00", 422),
        ("/sessions?client_id=a%00", 422),
        ("/jwt_templates?x=%00", 422),
        ("/users/user_%00", 400),  # GetUser documents 400, not 422 (conformance)
        ("/users/user_%00/metadata", 422),
        ("/sessions/sess_%00", 400),  # GetSession documents 400, not 422
    ],
)
def test_nul_anywhere_in_other_backend_urls_is_refused(api, url, status):
    err = error(api.get(url), status)
    assert err["code"] == "form_param_format_invalid"


@pytest.mark.parametrize(
    "query, param",
    [
        ("offset=99999999999999999999", "offset"),
        ("offset=9223372036854775807", "offset"),
        (f"offset={user_filters.MAX_OFFSET + 1}", "offset"),
        ("limit=%D9%A3", "limit"),  # ARABIC-INDIC DIGIT THREE
        ("limit=%2B5", "limit"),
        ("limit=%205", "limit"),
        ("limit=5%20", "limit"),
        ("limit=5&limit=abc", "limit"),
        ("offset=1_0", "offset"),
        ("created_at_after=%2B1", "created_at_after"),
        ("order_by=--created_at", "order_by"),
        ("order_by=%2B-created_at", "order_by"),
        ("order_by=", "order_by"),
        ("order_by=-", "order_by"),
    ],
)
def test_malformed_paging_is_refused(api, members, query, param):
    err = error(api.get(f"/users?{query}"))
    assert err["code"] in ("form_param_format_invalid", "form_param_value_invalid")
    assert err["meta"]["param_name"] == param


@pytest.mark.parametrize(
    "query",
    [
        f"offset={user_filters.MAX_OFFSET}",
        "order_by=%2Bcreated_at",
        "order_by=-username",
        "limit=3",
    ],
)
def test_well_formed_paging_still_works(api, members, query):
    ids(api.get(f"/users?{query}"))


@pytest.mark.parametrize("value", ["%2B5", "%205", "%D9%A3", "1_0", "99999999999999999999"])
@pytest.mark.parametrize("param", ["limit", "offset"])
def test_session_list_integers_are_ascii_and_bounded(api, param, value):
    err = error(api.get(f"/sessions?user_id=user_x&{param}={value}"))
    assert err["code"] == "form_param_format_invalid"
    assert err["meta"]["param_name"] == param
