"""The browser's client: ``GET|DELETE /client``, ``DELETE /client/sessions``,
``POST /client/sessions/{id}/touch|end|remove`` and the client piggybacked on mutations."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from clerk_users.api.frontend import client as client_module
from clerk_users.models import Session
from clerk_users.sessions import tokens
from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db

SESSION_KEYS = {
    "object",
    "id",
    "status",
    "factor_verification_age",
    "expire_at",
    "abandon_at",
    "last_active_at",
    "last_active_token",
    "last_active_organization_id",
    "actor",
    "tasks",
    "user",
    "public_user_data",
    "created_at",
    "updated_at",
}


def only_session(user: Any) -> Session:
    return Session.objects.get(user=user)


def test_a_browser_that_never_signed_in_has_no_client():
    response = Client().get("/api/frontend/v1/client")
    assert response.status_code == 200
    assert response.json() == {"response": None, "client": None}


def test_signed_in_client_carries_the_session_user_and_a_token(api, user):
    response = api.get("client")
    assert response.status_code == 200
    client = response.json()["response"]
    session = only_session(user)
    assert client["object"] == "client"
    assert client["id"] == session.client_id
    assert client["last_active_session_id"] == session.id
    assert client["sign_in"] is None and client["sign_up"] is None
    (data,) = client["sessions"]
    assert SESSION_KEYS <= set(data)
    assert data["id"] == session.id and data["status"] == "active"
    assert data["user"]["id"] == user.pk
    assert "private_metadata" not in data["user"]
    assert data["public_user_data"]["identifier"] == user.primary_email_address.email_address
    assert data["public_user_data"]["first_name"] == "Grace"
    assert data["factor_verification_age"] == [0, -1]
    claims = tokens.verify_session_token(data["last_active_token"]["jwt"])
    assert (claims["sid"], claims["sub"]) == (session.id, user.pk)


def test_client_fields_can_be_registered_by_other_features(api, monkeypatch):
    monkeypatch.setitem(
        client_module.CLIENT_FIELDS, "sign_in", lambda request: {"object": "sign_in_attempt"}
    )
    assert api.get("client").json()["response"]["sign_in"] == {"object": "sign_in_attempt"}


def test_every_mutation_piggybacks_the_current_client(api, user):
    response = api.patch("me", {"first_name": "Ada"})
    body = response.json()
    assert body["client"]["sessions"][0]["user"]["first_name"] == "Ada"
    response = api.post("me/email_addresses", {"email_address": "new@example.com"})
    emails = response.json()["client"]["sessions"][0]["user"]["email_addresses"]
    assert "new@example.com" in {e["email_address"] for e in emails}
    # a read does not pay for the client (ClerkJS ignores it there)
    assert api.get("me").json()["client"] is None


def test_bearer_token_requests_get_no_client(user):
    """A session token authenticates requests but never mints its successor."""
    api = FrontendClient(user)
    jwt = api.get("client").json()["response"]["sessions"][0]["last_active_token"]["jwt"]
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {jwt}")
    response = bearer.patch(
        "/api/frontend/v1/me", '{"first_name": "B"}', content_type="application/json"
    )
    assert response.status_code == 200
    assert response.json()["client"] is None


def test_touch_answers_the_session_with_the_client(api, user):
    session = only_session(user)
    response = api.post(f"client/sessions/{session.id}/touch", {"active_organization_id": ""})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["response"]["id"] == session.id
    assert body["client"]["last_active_session_id"] == session.id


def test_touch_end_remove_refuse_a_session_of_another_browser(api, user, other_user):
    foreign = only_session(user)
    same_user_other_browser = FrontendClient(user)
    other_users_browser = FrontendClient(other_user)
    for browser in (same_user_other_browser, other_users_browser):
        for action in ("touch", "end", "remove"):
            response = browser.post(f"client/sessions/{foreign.id}/{action}")
            assert (response.status_code, error_code(response)) == (404, "resource_not_found")
    assert Session.objects.filter(status="active", user=user).count() == 2


@pytest.mark.parametrize("action,status", [("end", "ended"), ("remove", "removed")])
def test_end_and_remove_sign_the_browser_out(api, user, action, status):
    session = only_session(user)
    response = api.post(f"client/sessions/{session.id}/{action}")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["response"]["status"] == status
    assert body["client"]["sessions"] == []
    assert body["client"]["id"] == session.client_id
    session.refresh_from_db()
    assert session.status == status
    assert api.get("me").status_code == 401


def test_delete_client_sessions_is_sign_out_and_keeps_the_client(api, user):
    session = only_session(user)
    response = api.call("post", "client/sessions?_method=DELETE")
    assert response.status_code == 200, response.content
    assert response.json()["client"]["sessions"] == []
    session.refresh_from_db()
    assert session.status == "ended"
    after = api.get("client").json()["response"]
    assert after["id"] == session.client_id and after["sessions"] == []
    # signing in again in this browser keeps its client id
    api.client.force_login(user)
    new = Session.objects.filter(user=user, status="active").get()
    assert new.client_id == session.client_id


def test_delete_client_forgets_the_client(api, user):
    session = only_session(user)
    response = api.delete("client")
    assert response.status_code == 200
    session.refresh_from_db()
    assert session.status == "ended"
    assert api.get("client").json() == {"response": None, "client": None}


def test_deleting_a_client_never_signed_in_changes_nothing(frontend):
    response = frontend().delete("client")
    assert response.status_code == 200
    assert response.json() == {"response": None, "client": None}
