"""Backend API: sessions (list/get/revoke/tokens/refresh) and the JWKS, through the test
client and through Clerk's official SDK (and @clerk/backend's verifyToken with our /jwks)."""

from __future__ import annotations

import time
from typing import Any

import jwt
import pytest
from django.test import Client

from clerk_users.models import JWTTemplate, Session
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys, tokens
from tests.api.backend.conftest import BASE
from tests.sessions.helpers import public_key, settings_keys
from tests.sessions.test_tokens import node_verify

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def error_code(response: Any) -> str:
    return response.json()["errors"][0]["code"]


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_list_filters_by_user_and_status(api: Any, user: Any, other_user: Any) -> None:
    login(user), login(user), login(other_user)
    revoked = Session.objects.filter(user=user).first()
    revoked.revoke()
    mine = api.get("/sessions", {"user_id": user.pk}).json()
    assert {s["user_id"] for s in mine} == {user.pk} and len(mine) == 2
    active = api.get("/sessions", {"user_id": user.pk, "status": "active"}).json()
    assert [s["status"] for s in active] == ["active"]
    gone = api.get("/sessions", {"user_id": user.pk, "status": "revoked"}).json()
    assert [s["id"] for s in gone] == [revoked.id]
    limited = api.get("/sessions", {"user_id": user.pk, "limit": 1, "offset": 1}).json()
    assert len(limited) == 1 and limited[0]["id"] == mine[1]["id"]
    bad = api.get("/sessions", {"user_id": user.pk, "status": "sleeping"})
    assert bad.status_code == 422 and error_code(bad) == "form_param_format_invalid"
    assert api.get("/sessions", {"user_id": user.pk, "limit": 0}).status_code == 422


def test_get_and_revoke(api: Any, user: Any) -> None:
    client = login(user)
    session = Session.objects.get(user=user)
    data = api.get(f"/sessions/{session.id}").json()
    assert data["object"] == "session" and data["status"] == "active"
    assert data["latest_activity"]["object"] == "session_activity"
    revoked = api.post(f"/sessions/{session.id}/revoke")
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert client.get("/api/frontend/v1/me").status_code == 401
    minted = api.post(f"/sessions/{session.id}/tokens")
    assert minted.status_code == 404 and error_code(minted) == "session_not_active"
    missing = api.get("/sessions/sess_doesnotexist")
    assert missing.status_code == 404 and error_code(missing) == "resource_not_found"
    assert api.post("/sessions/sess_doesnotexist/revoke").status_code == 404


def test_tokens_and_templates(api: Any, user: Any) -> None:
    session = sessions.create_session(user)
    body = api.post(f"/sessions/{session.id}/tokens").json()
    assert body["object"] == "token"
    claims = jwt.decode(body["jwt"], public_key(0), algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 60 and claims["sid"] == session.id
    longer = api.post(f"/sessions/{session.id}/tokens", {"expires_in_seconds": 600}).json()
    claims = jwt.decode(longer["jwt"], public_key(0), algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 600
    bad = api.post(f"/sessions/{session.id}/tokens", {"expires_in_seconds": "soon"})
    assert bad.status_code == 422
    unknown = api.post(f"/sessions/{session.id}/tokens", {"nope": 1})
    assert unknown.status_code == 422 and error_code(unknown) == "form_param_unknown"
    JWTTemplate.objects.create(name="api", claims={"uid": "{{user.id}}"}, lifetime=300)
    templated = api.post(f"/sessions/{session.id}/tokens/api").json()["jwt"]
    claims = jwt.decode(templated, public_key(0), algorithms=["RS256"])
    assert claims["uid"] == user.pk and claims["exp"] - claims["iat"] == 300
    assert api.post(f"/sessions/{session.id}/tokens/none_such").status_code == 404
    bad = api.post(f"/sessions/{session.id}/tokens/api", {"expires_in_seconds": "soon"})
    assert bad.status_code == 422 and error_code(bad) == "form_param_format_invalid"
    longer = api.post(f"/sessions/{session.id}/tokens/api", {"expires_in_seconds": 900}).json()
    claims = jwt.decode(longer["jwt"], public_key(0), algorithms=["RS256"])
    assert claims["exp"] - claims["iat"] == 900


def test_refresh_from_an_expired_token(api: Any, user: Any) -> None:
    session = sessions.create_session(user)
    key = signing_keys.active_key()
    now = int(time.time())
    old = jwt.encode(
        {**tokens.session_claims(session), "iat": now - 120, "nbf": now - 120, "exp": now - 60},
        key.private_key,
        algorithm="RS256",
        headers={"kid": key.kid},
    )
    body = {"expired_token": old, "refresh_token": "r", "request_origin": "http://localhost:3000"}
    fresh = api.post(f"/sessions/{session.id}/refresh", body)
    assert fresh.status_code == 200, fresh.content
    assert tokens.verify_session_token(fresh.json()["jwt"])["sid"] == session.id
    other = sessions.create_session(user)
    wrong = api.post(f"/sessions/{other.id}/refresh", body)
    assert wrong.status_code == 400  # RefreshSession documents 400, not 422
    assert api.post(f"/sessions/{session.id}/refresh", {"refresh_token": "r"}).status_code == 400


def test_jwks_needs_the_secret_key(api: Any, client: Any) -> None:
    response = api.get("/jwks")
    assert response.status_code == 200
    assert response.json()["keys"][0]["kid"] == signing_keys.active_key().kid
    assert client.get(BASE + "/jwks").status_code == 401


# -- the official SDKs -------------------------------------------------------------------
@pytest.mark.django_db(transaction=True)
def test_sdk_parses_sessions_tokens_and_jwks(clerk: Any, make_user: Any) -> None:
    from clerk_backend_api import models

    user = make_user()
    session = sessions.create_session(user)
    listed = clerk.sessions.list(user_id=user.pk, status=models.QueryParamStatus.ACTIVE)
    assert [s.id for s in listed] == [session.id]
    assert listed[0].latest_activity.object == "session_activity"
    fetched = clerk.sessions.get(session_id=session.id)
    assert fetched.status == models.Status.ACTIVE and fetched.user_id == user.pk
    token = clerk.sessions.create_token(session_id=session.id, expires_in_seconds=120)
    # A longer-lived token minted by the Backend API verifies only when the caller accepts
    # its lifetime: by default only session-token lifetimes pass (the Frontend API's Bearer).
    assert tokens.verify_session_token(token.jwt, max_lifetime=120)["sid"] == session.id
    with pytest.raises(tokens.TokenError):
        tokens.verify_session_token(token.jwt)
    JWTTemplate.objects.create(name="sdk", claims={"k": "v"})
    templated = clerk.sessions.create_token_from_template(
        session_id=session.id, template_name="sdk"
    )
    assert jwt.decode(templated.jwt, public_key(0), algorithms=["RS256"])["k"] == "v"
    jwks = clerk.jwks.get_jwks()
    assert jwks.keys[0].kid == signing_keys.active_key().kid and jwks.keys[0].kty == "RSA"
    refreshed = clerk.sessions.refresh(
        session_id=session.id,
        expired_token=token.jwt,
        refresh_token="r",
        request_origin="http://localhost:3000",
    )
    assert refreshed.object == "token"
    revoked = clerk.sessions.revoke(session_id=session.id)
    assert revoked.status == models.Status.REVOKED
    from clerk_backend_api import models as m

    with pytest.raises(m.ClerkErrors):
        clerk.sessions.create_token(session_id=session.id)


@pytest.mark.django_db(transaction=True)
def test_clerk_node_sdk_verifies_with_our_backend_jwks(
    live_server: Any, secret_key: str, make_user: Any
) -> None:
    session = sessions.create_session(make_user())
    token = session.get_token()
    result = node_verify(
        token,
        {
            "secretKey": secret_key,
            "apiUrl": live_server.url + "/api/backend",
            "apiVersion": "v1",
        },
    )
    assert result["ok"], result
    assert result["payload"]["sid"] == session.id


def test_session_list_is_constant_query(
    api: Any, make_user: Any, django_assert_max_num_queries: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    user = make_user()
    for _ in range(2):
        sessions.create_session(user)
    query = {"user_id": user.pk, "limit": 100, "paginated": "true"}
    api.get("/sessions", query)
    with CaptureQueriesContext(connection) as small:
        assert len(api.get("/sessions", query).json()["data"]) == 2
    for _ in range(8):
        sessions.create_session(user)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get("/sessions", query).json()["total_count"] == 10
