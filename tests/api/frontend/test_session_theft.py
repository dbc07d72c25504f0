"""Issue 12, finding 1: a stolen session token must not outlive the password or renew itself.

Each test here failed on the code before the fix: a Bearer session JWT minted its own
successor, and a password change or reset left the Clerk ``Session`` row active (so its
tokens kept acting on ``/me``) although Django's cookie session had died with the password.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse

from clerk_users.models import Session
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code, session_of
from tests.sessions.helpers import settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def mint(client: FrontendClient) -> str:
    response = client.post(f"client/sessions/{session_of(client).id}/tokens")
    assert response.status_code == 200, response.content
    return response.json()["jwt"]


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", enforce_csrf_checks=True)


def add_email(token: str) -> Any:
    return bearer(token).post(
        PREFIX + "me/email_addresses",
        {"email_address": "attacker@evil.test"},
        content_type="application/json",
    )


def test_a_session_token_never_mints_its_successor(user: Any) -> None:
    owner = FrontendClient(user)
    session = session_of(owner)
    token = mint(owner)
    response = bearer(token).post(PREFIX + f"client/sessions/{session.id}/tokens")
    assert response.status_code == 401 and error_code(response) == "authentication_invalid"
    templated = bearer(token).post(PREFIX + f"client/sessions/{session.id}/tokens/hasura")
    assert templated.status_code == 401
    # The token still authenticates requests; the cookie (the client) still mints.
    assert bearer(token).get(PREFIX + "me").status_code == 200
    assert mint(owner)


def test_a_cookie_mints_only_for_its_own_session(user: Any) -> None:
    first, second = FrontendClient(user), FrontendClient(user)
    response = first.post(f"client/sessions/{session_of(second).id}/tokens")
    assert response.status_code == 404 and error_code(response) == "resource_not_found"


def test_cookie_and_bearer_together_mint_through_the_cookie(user: Any) -> None:
    owner = FrontendClient(user)
    token = mint(owner)
    owner.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert mint(owner)


def test_password_change_ends_the_other_sessions_and_their_tokens(user: Any) -> None:
    owner, thief = FrontendClient(user), FrontendClient(user)
    stolen = session_of(thief)
    token = mint(thief)
    response = owner.post(
        "me/change_password",
        {"current_password": PASSWORD, "new_password": "a brand new phrase"},
    )
    assert response.status_code == 200, response.content
    assert Session.objects.get(pk=stolen.pk).status == "revoked"
    refused = add_email(token)
    assert refused.status_code == 401 and error_code(refused) == "session_not_active"
    # The session that changed the password stays signed in and keeps minting.
    assert session_of(owner).status == "active"
    assert owner.get("me").status_code == 200
    assert mint(owner)


def test_password_change_by_bearer_keeps_only_its_own_session(user: Any) -> None:
    owner, other = FrontendClient(user), FrontendClient(user)
    token = mint(owner)
    response = bearer(token).post(
        PREFIX + "me/change_password",
        {
            "current_password": PASSWORD,
            "new_password": "a brand new phrase",
            "sign_out_of_other_sessions": True,
        },
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert session_of(other).status == "revoked"
    assert Session.objects.get(pk=session_of(owner).pk).status == "active"


def test_password_set_from_python_ends_every_session(user: Any, make_user: Any) -> None:
    bystander = make_user()
    FrontendClient(bystander)
    clients = [FrontendClient(user) for _ in range(2)]
    fresh = type(user).objects.get(pk=user.pk)  # no session acts on this object
    fresh.set_password("a brand new phrase")
    fresh.save()
    assert not Session.objects.filter(user=user, status="active").exists()
    assert all(c.get("me").status_code == 401 for c in clients)
    assert Session.objects.get(user=bystander).status == "active"


def test_allauth_password_reset_ends_every_session(client: Any, user: Any) -> None:
    sessions = [FrontendClient(user) for _ in range(2)]
    token = mint(sessions[0])
    email = user.primary_email_address.email_address
    assert client.post(reverse("account_reset_password"), {"email": email}).status_code == 302
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    assert link is not None
    page = client.get(link.group(1), follow=True)
    target = page.redirect_chain[-1][0] if page.redirect_chain else link.group(1)
    done = client.post(target, {"password1": "a new pass phrase", "password2": "a new pass phrase"})
    assert done.status_code == 302
    assert not Session.objects.filter(user=user, status="active").exists()
    refused = add_email(token)
    assert refused.status_code == 401 and error_code(refused) == "session_not_active"
    assert all(s.get("me").status_code == 401 for s in sessions)


def test_a_hash_upgrade_on_sign_in_ends_nothing(user: Any, settings: Any) -> None:
    """Checking a password may rehash it (a new hasher): that is no password change."""
    owner = FrontendClient(user)
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
    fresh = type(user).objects.get(pk=user.pk)
    assert fresh.check_password(PASSWORD)
    assert type(user).objects.get(pk=user.pk).password.startswith("pbkdf2_sha256$")
    assert session_of(owner).status == "active"


# -- finding 6: a token of another site (same keys, other iss/azp) is refused ---------------
@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "https://other.example/api/frontend/v1"), ("azp", "https://evil.example")],
)
def test_bearer_refuses_another_sites_iss_or_azp(user: Any, claim: str, value: str) -> None:
    """Failed before: only the signature, the kid and the session were checked."""
    from clerk_users.sessions import tokens

    owner = FrontendClient(user)
    session = session_of(owner)
    good = tokens.sign(tokens.session_claims(session))
    assert bearer(good).get(PREFIX + "me").status_code == 200
    forged = tokens.sign({**tokens.session_claims(session), claim: value})
    response = bearer(forged).get(PREFIX + "me")
    assert response.status_code == 401 and error_code(response) == "authentication_invalid"


def test_bearer_accepts_an_allowed_azp(user: Any) -> None:
    from clerk_users.sessions import tokens

    session = session_of(FrontendClient(user))
    token = tokens.sign({**tokens.session_claims(session), "azp": "http://localhost:3000"})
    assert bearer(token).get(PREFIX + "me").status_code == 200


def test_password_change_by_bearer_keeps_its_own_cookie_signed_in(user: Any) -> None:
    """The session that changed the password (through its token) keeps its browser cookie:
    its stored Django session is re-hashed, as update_session_auth_hash does for a cookie."""
    owner = FrontendClient(user)
    token = mint(owner)
    response = bearer(token).post(
        PREFIX + "me/change_password",
        {"current_password": PASSWORD, "new_password": "a brand new phrase"},
        content_type="application/json",
    )
    assert response.status_code == 200, response.content
    assert owner.get("me").status_code == 200
    assert mint(owner)
