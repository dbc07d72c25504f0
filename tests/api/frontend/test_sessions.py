"""Frontend API: ``/me/sessions``, revoke, session tokens, Bearer session-JWT auth, JWKS."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from django.core.cache import cache
from django.test import Client

from clerk_users.api.authentication import SessionTokenAuthentication, verify_request_token
from clerk_users.models import JWTTemplate, Session
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys, tokens
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code, session_of
from tests.sessions.helpers import public_key, settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
SESSION_KEYS = {
    "object",
    "id",
    "user_id",
    "client_id",
    "status",
    "last_active_at",
    "expire_at",
    "abandon_at",
    "updated_at",
    "created_at",
    "actor",
    "last_active_organization_id",
    "latest_activity",
    "tasks",
}


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def bearer(token: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {token}", enforce_csrf_checks=True)


def test_list_sessions_with_latest_activity(user: Any, other_user: Any) -> None:
    first = FrontendClient(user)
    first.client.defaults["HTTP_USER_AGENT"] = "curl/8.4.0"
    second = FrontendClient(user)
    FrontendClient(other_user)
    first.get("me")  # records activity
    second_session = session_of(second)
    second_session.revoke()
    data = first.get("me/sessions").json()["response"]
    assert {s["id"] for s in data} == set(
        Session.objects.filter(user=user).values_list("id", flat=True)
    )
    assert all(set(s) == SESSION_KEYS for s in data)
    active = first.get("me/sessions/active").json()  # a bare array, as ClerkJS reads it
    assert [s["id"] for s in active] == [session_of(first).id]
    activity = active[0]["latest_activity"]
    assert activity["object"] == "session_activity"
    assert activity["browser_name"] == "curl" and activity["is_mobile"] is False
    assert activity["ip_address"] == "127.0.0.1"
    assert {s["status"] for s in data} == {"active", "revoked"}


def test_session_list_query_count_is_constant(
    user: Any, django_assert_max_num_queries: Any
) -> None:
    api = FrontendClient(user)
    api.get("me/sessions")
    for _ in range(10):
        FrontendClient(user)
    with django_assert_max_num_queries(8):
        response = api.get("me/sessions")
    assert len(response.json()["response"]) == 11


def test_revoke_another_of_my_sessions(user: Any) -> None:
    api, other = FrontendClient(user), FrontendClient(user)
    target = session_of(other)
    response = api.post(f"me/sessions/{target.id}/revoke")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["status"] == "revoked"
    assert other.get("me").status_code == 401
    assert api.get("me").status_code == 200


def test_revoke_my_current_session_signs_me_out(user: Any) -> None:
    api = FrontendClient(user)
    current = session_of(api)
    assert api.post(f"me/sessions/{current.id}/revoke").status_code == 200
    assert api.get("me").status_code == 401
    assert Session.objects.get(pk=current.pk).status == "revoked"


def test_cannot_revoke_or_mint_for_someone_elses_session(user: Any, other_user: Any) -> None:
    api, victim = FrontendClient(user), FrontendClient(other_user)
    target = session_of(victim)
    for path in (f"me/sessions/{target.id}/revoke", f"client/sessions/{target.id}/tokens"):
        response = api.post(path)
        assert response.status_code == 404 and error_code(response) == "resource_not_found"
    assert Session.objects.get(pk=target.pk).status == "active"
    assert api.post("me/sessions/sess_nope/revoke").status_code == 404


def test_mint_session_token(user: Any, settings: Any) -> None:
    settings.CSRF_TRUSTED_ORIGINS = ["http://localhost:3000"]  # a cross-origin SPA
    api = FrontendClient(user)
    session = session_of(api)
    response = api.client.post(
        PREFIX + f"client/sessions/{session.id}/tokens",
        HTTP_X_CSRFTOKEN=api.csrf,
        HTTP_ORIGIN="http://localhost:3000",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"object", "jwt"} and body["object"] == "token"
    claims = jwt.decode(body["jwt"], public_key(0), algorithms=["RS256"])
    assert (claims["sid"], claims["sub"], claims["azp"]) == (
        session.id,
        user.pk,
        "http://localhost:3000",
    )
    assert claims["iss"] == "http://testserver/api/frontend/v1"


def test_mint_from_template_and_services(user: Any) -> None:
    JWTTemplate.objects.create(
        name="supabase", claims={"role": "authenticated", "email": "{{user.primary_email_address}}"}
    )
    api = FrontendClient(user)
    session = session_of(api)
    token = api.post(f"client/sessions/{session.id}/tokens/supabase").json()["jwt"]
    claims = jwt.decode(token, public_key(0), algorithms=["RS256"])
    assert claims["role"] == "authenticated"
    assert claims["email"] == user.primary_email_address.email_address
    hasura = api.post(f"client/sessions/{session.id}/tokens/hasura").json()["jwt"]
    assert tokens.HASURA_NAMESPACE in jwt.decode(hasura, public_key(0), algorithms=["RS256"])
    response = api.post(f"client/sessions/{session.id}/tokens/missing")
    assert response.status_code == 404 and error_code(response) == "resource_not_found"


def test_revoked_session_mints_nothing_and_its_tokens_are_refused(user: Any) -> None:
    api, other = FrontendClient(user), FrontendClient(user)
    session = session_of(other)
    token = other.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    assert bearer(token).get(PREFIX + "me").status_code == 200
    # Another browser of the same user never mints for this session (not its client)...
    response = api.post(f"client/sessions/{session.id}/tokens")
    assert response.status_code == 404 and error_code(response) == "resource_not_found"
    api.post(f"me/sessions/{session.id}/revoke")
    # ...and once revoked, the session's own cookie mints nothing either.
    assert other.post(f"client/sessions/{session.id}/tokens").status_code == 401
    refused = bearer(token).get(PREFIX + "me")
    assert refused.status_code == 401 and error_code(refused) == "session_not_active"
    # A stateless verifier still accepts it until it expires (at most 60 s).
    assert tokens.verify_session_token(token)["sid"] == session.id


def test_bearer_token_authenticates_without_cookie_or_csrf(user: Any) -> None:
    api = FrontendClient(user)
    session = session_of(api)
    token = api.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    client = bearer(token)
    me = client.get(PREFIX + "me")
    assert me.status_code == 200 and me.json()["response"]["id"] == user.pk
    patched = client.patch(PREFIX + "me", {"first_name": "Bearer"}, content_type="application/json")
    assert patched.status_code == 200, patched.content
    # A session token authenticates requests but never mints its successor (issue 12).
    again = client.post(PREFIX + f"client/sessions/{session.id}/tokens")
    assert again.status_code == 401 and error_code(again) == "authentication_invalid"


@pytest.mark.parametrize("kind", ["expired", "garbage", "foreign"])
def test_bad_bearer_tokens_are_401(user: Any, kind: str) -> None:
    api = FrontendClient(user)
    session = session_of(api)
    now = int(time.time())
    key = signing_keys.active_key()
    if kind == "expired":
        claims = {
            **tokens.session_claims(session),
            "iat": now - 200,
            "nbf": now - 200,
            "exp": now - 100,
        }
        token = jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})
    elif kind == "garbage":
        token = "aaa.bbb.ccc"
    else:
        from tests.sessions.helpers import pem

        other = signing_keys.load_private_key(pem(1))
        token = jwt.encode(
            tokens.session_claims(session), other, algorithm="RS256", headers={"kid": key.kid}
        )
    response = bearer(token).get(PREFIX + "me")
    assert response.status_code == 401
    assert set(response.json()) == {"errors", "clerk_trace_id"}


def test_authentication_class_is_reusable(user: Any, rf: Any) -> None:
    from clerk_users.sessions import lifecycle as sessions

    session = sessions.create_session(user)
    token = session.get_token()
    request = rf.get("/", HTTP_AUTHORIZATION=f"Bearer {token}")
    found, claims = SessionTokenAuthentication().authenticate(request)
    assert found == user and claims["sid"] == session.id
    assert found._clerk_session_id == session.id
    assert verify_request_token(token)[0] == session
    assert SessionTokenAuthentication().authenticate(rf.get("/")) is None
    secret = rf.get("/", HTTP_AUTHORIZATION="Bearer sk_test_abc")
    assert SessionTokenAuthentication().authenticate(secret) is None


def test_jwks_is_public_and_cacheable(client: Any) -> None:
    response = client.get(PREFIX + ".well-known/jwks.json")
    assert response.status_code == 200
    assert response["Cache-Control"].startswith("public, max-age=")
    keys = response.json()["keys"]
    assert [k["kid"] for k in keys] == [signing_keys.active_key().kid]
    assert all("d" not in k and "p" not in k for k in keys)


def _revoke_by(path: str, user: Any, victim: FrontendClient, keeper: FrontendClient) -> None:
    """Revoke the victim's session through one of the documented paths."""
    from django.urls import reverse

    from clerk_users import secret_keys, users

    session = session_of(victim)
    if path == "frontend":
        assert keeper.post(f"me/sessions/{session.id}/revoke").status_code == 200
    elif path == "backend":
        key = secret_keys.create_secret_key("revoker")[1]
        response = Client().post(
            f"/api/backend/v1/sessions/{session.id}/revoke", HTTP_AUTHORIZATION=f"Bearer {key}"
        )
        assert response.status_code == 200
    elif path == "admin":
        from clerk_users.models import User

        admin = Client()
        admin.force_login(User.objects.create_user("revoker", is_staff=True, is_superuser=True))
        response = admin.post(
            reverse("admin:clerk_users_session_changelist"),
            {"action": "revoke_sessions", "_selected_action": [session.pk]},
        )
        assert response.status_code == 302
    elif path == "ban":
        users.ban(user)
    elif path == "password":
        response = keeper.post(
            "me/change_password",
            {
                "current_password": "correct horse battery",
                "new_password": "fresh stapler 4242",
                "sign_out_of_other_sessions": True,
            },
        )
        assert response.status_code == 200, response.content


@pytest.mark.parametrize("path", ["frontend", "backend", "admin", "ban", "password"])
def test_each_revocation_path_stops_cookie_minting_and_tokens(user: Any, path: str) -> None:
    keeper, victim = FrontendClient(user), FrontendClient(user)
    session = session_of(victim)
    token = victim.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    assert bearer(token).get(PREFIX + "me").status_code == 200
    _revoke_by(path, user, victim, keeper)
    assert Session.objects.get(pk=session.pk).status == "revoked"
    assert victim.get("me").status_code == 401  # the cookie is anonymous at once
    assert bearer(token).get(PREFIX + "me").status_code == 401  # its token is refused
    with pytest.raises(Exception) as info:
        Session.objects.get(pk=session.pk).get_token()
    assert getattr(info.value, "clerk_code", None) == "session_not_active"
    if path != "ban":
        assert keeper.get("me").status_code == 200  # the other session lives on


# -- only session tokens authenticate ------------------------------------------------------
@pytest.mark.parametrize("template", ["thirdparty", "hasura"])
def test_template_and_service_tokens_are_refused_by_bearer_auth(user: Any, template: str) -> None:
    """A ten-year template token (same key, ``sub``) must not act on /me nor mint tokens."""
    session = session_of(FrontendClient(user))
    JWTTemplate.objects.create(name="thirdparty", claims={"role": "x"}, lifetime=315_360_000)
    client = bearer(session.get_token(template=template))
    assert client.get(PREFIX + "me").status_code == 401
    patched = client.patch(
        PREFIX + "me", '{"first_name": "Pwned"}', content_type="application/json"
    )
    assert patched.status_code == 401
    assert client.post(PREFIX + f"client/sessions/{session.id}/tokens").status_code == 401
    user.refresh_from_db()
    assert user.first_name != "Pwned"
    assert bearer(session.get_token()).get(PREFIX + "me").status_code == 200


# -- revocation holds for cookie sessions ----------------------------------------------------
def test_session_revoked_after_a_password_change_is_signed_out(user: Any) -> None:
    """change_password cycles the Django session key; revoking must still end the session,
    even in a process whose cache never saw the revocation marker."""
    api = FrontendClient(user)
    session_id = api.client.session[sessions.SESSION_ID_KEY]
    changed = api.post(
        "me/change_password",
        {"current_password": "correct horse battery", "new_password": "another good passphrase"},
    )
    assert changed.status_code == 200, changed.content
    cookie_key = api.client.cookies["sessionid"].value
    assert Session.objects.get(pk=session_id).session_key == cookie_key
    assert api.get("me").status_code == 200
    sessions.revoke_session(session_id)
    cache.delete(sessions.revoked_cache_key(session_id))  # another worker's cache
    assert api.get("me").status_code == 401
    assert api.patch("me", {"first_name": "StillHere"}).status_code == 401
    user.refresh_from_db()
    assert user.first_name != "StillHere"


def test_cookie_auth_refuses_a_session_not_active_in_the_database(user: Any) -> None:
    """Defence in depth: the Django session survives (e.g. a stale stored key) and the
    shared cache has no marker, yet the Frontend API refuses the revoked Clerk session."""
    api = FrontendClient(user)
    session = session_of(api)
    assert api.get("me").status_code == 200
    Session.objects.filter(pk=session.pk).update(status="revoked")
    cache.delete(sessions.revoked_cache_key(session.pk))
    assert api.get("me").status_code == 401
    assert api.patch("me", {"first_name": "StillHere"}).status_code == 401
    user.refresh_from_db()
    assert user.first_name != "StillHere"
