"""``GET /users/{id}`` and ``GET /users?limit=100`` load the user JSON in two queries
(``with_identifiers()``) plus the secret key's authentication."""

from __future__ import annotations

from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clerk_users.models import ExternalAccount

pytestmark = pytest.mark.django_db


def _users(make_user: Any, count: int) -> list[Any]:
    users = []
    for n in range(count):
        user = make_user(
            email_address=[f"qb{n}@example.com", f"qb{n}.b@example.com", f"qb{n}.c@example.com"],
            phone_number=[f"+1415555{n:04d}", f"+1628555{n:04d}"],
            web3_wallet=f"0x{n + 3:040x}",
        )
        ExternalAccount.objects.create(user=user, provider="oauth_github", provider_user_id=f"q{n}")
        Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
        users.append(user)
    return users


def _auth_cost(api: Any) -> int:
    """Queries of a request that authenticates and then reads one missing user (1 query)."""
    api.get("/users", {"limit": 1})  # the key's first use writes last_used_at
    with CaptureQueriesContext(connection) as captured:
        assert api.get("/users/user_missing").status_code == 404
    return len(captured) - 1


def test_get_user_in_two_queries_plus_auth(
    make_user: Any, api: Any, django_assert_max_num_queries: Any
) -> None:
    users = _users(make_user, 2)
    auth = _auth_cost(api)
    assert auth <= 1
    with django_assert_max_num_queries(2 + auth):
        response = api.get(f"/users/{users[0].pk}")
    body = response.json()
    assert (len(body["email_addresses"]), len(body["phone_numbers"])) == (3, 2)
    assert body["external_accounts"] and body["totp_enabled"] is True


@pytest.mark.parametrize("limit", [10, 100])
def test_list_in_two_queries_plus_auth(
    make_user: Any, api: Any, limit: int, django_assert_max_num_queries: Any
) -> None:
    _users(make_user, 12)
    auth = _auth_cost(api)
    with django_assert_max_num_queries(2 + auth):
        response = api.get("/users", {"limit": limit})
    assert len(response.json()) == min(limit, 12)
    assert all(len(u["email_addresses"]) == 3 for u in response.json())
