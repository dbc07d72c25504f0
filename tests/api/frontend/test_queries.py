"""Query budget of ``GET /me``: constant whatever the number of identifiers."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from eth_account import Account

from tests.api.frontend.conftest import FrontendClient

pytestmark = pytest.mark.django_db

BUDGET = 3  # 2 for authentication (Django session, Clerk session) + 1 for the user JSON


def count_get_me(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("me")
    assert response.status_code == 200
    return len(queries), response.json()["response"]


def test_get_me_query_count_is_constant(make_user, django_assert_max_num_queries):
    small = make_user(phone_number="+14155550100")
    big = make_user(
        email_address=[f"big{n}@example.com" for n in range(5)],
        phone_number=[f"+1415555011{n}" for n in range(5)],
        web3_wallet=[Account.create().address for _ in range(2)],
    )
    big.create_email_address("pending@example.com").prepare_verification("email_code")
    small_count, _ = count_get_me(FrontendClient(small))
    big_count, data = count_get_me(FrontendClient(big))
    assert (
        len(data["email_addresses"]),
        len(data["phone_numbers"]),
        len(data["web3_wallets"]),
    ) == (6, 5, 2)
    assert big_count == small_count
    client = FrontendClient(big)
    client.get("me")  # the first request of a session records its activity (writes)
    with django_assert_max_num_queries(BUDGET):
        assert client.get("me").status_code == 200


def test_writes_answer_with_a_bounded_number_of_queries(make_user, django_assert_max_num_queries):
    big = make_user(
        email_address=[f"w{n}@example.com" for n in range(5)],
        phone_number=[f"+1415555012{n}" for n in range(5)],
    )
    client = FrontendClient(big)
    # The first token ever minted generates the development signing key (once per site).
    assert client.patch("me", {"first_name": "P"}).status_code == 200
    with django_assert_max_num_queries(BUDGET + 6):
        response = client.patch("me", {"first_name": "Q"})
    assert response.status_code == 200
    # the piggybacked client carries the session with the updated user and a session token
    session = response.json()["client"]["sessions"][0]
    assert session["user"]["first_name"] == "Q"
    assert session["last_active_token"]["jwt"].count(".") == 2


def test_get_me_loads_the_user_in_three_queries_plus_authentication(make_user):
    """Authentication reads the Django session and the Clerk session (with its user); the
    user JSON then costs three: the user row (profile image, MFA flags), the identifiers'
    UNION ALL and the external accounts."""
    from allauth.mfa.models import Authenticator

    user = make_user(
        email_address=["q1@example.com", "q2@example.com", "q3@example.com"],
        phone_number=["+14155550131", "+14155550132"],
        web3_wallet=Account.create().address,
    )
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    client = FrontendClient(user)
    client.get("me")
    with CaptureQueriesContext(connection) as queries:
        response = client.get("me")
    assert response.status_code == 200
    assert response.json()["response"]["totp_enabled"] is True
    sqls = [q["sql"] for q in queries.captured_queries]
    sources = ('FROM "django_session"', 'FROM "clerk_users_session"')
    auth = [s for s in sqls if any(source in s for source in sources)]
    assert len(auth) == 2, sqls
    assert len(sqls) - len(auth) <= 3, sqls
