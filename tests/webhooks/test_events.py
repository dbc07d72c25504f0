"""Each event from each path (Python API, Backend API, Frontend API, allauth pages, admin),
received by a real HTTP receiver and verified with the svix library."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.core import mail
from django.urls import reverse
from svix.webhooks import Webhook

from clerk_users import identifiers, users
from clerk_users.models import Session, User
from clerk_users.sessions import lifecycle

from .conftest import deliver

PASSWORD = "a long enough pass phrase"


@pytest.fixture
def received(endpoint: Any, receiver: Any) -> Any:
    """Deliver what is due; return the events received so far, each signature verified."""

    def get() -> list[dict[str, Any]]:
        deliver()
        found = []
        for request in receiver.requests:
            svix = {k: v for k, v in request["headers"].items() if k.startswith("svix-")}
            Webhook(endpoint.secret).verify(request["body"], svix)
            found.append(json.loads(request["body"]))
        return found

    return get


def of_type(found: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    return [e for e in found if e["type"] == event_type]


# -- Python API ----------------------------------------------------------------------------
def test_python_api_user_lifecycle(received: Any) -> None:
    user = User.objects.create_user(username="pyuser", email_address="py@example.com")
    users.update_user(user, {"first_name": "Py"})
    users.ban(user)
    users.delete_user(user)
    found = received()
    assert [e["type"] for e in found] == [
        "user.created",
        "user.updated",
        "user.updated",
        "user.deleted",
    ]
    assert found[0]["data"]["email_addresses"][0]["email_address"] == "py@example.com"
    assert found[1]["data"]["first_name"] == "Py"
    assert found[2]["data"]["banned"] is True
    assert found[3]["data"] == {"object": "user", "id": user.pk, "deleted": True}


def test_python_api_sessions(received: Any, user: Any, rf: Any) -> None:
    created = lifecycle.create_session(user)
    lifecycle.revoke_session(created)
    ended = lifecycle.create_session(user)
    lifecycle.end_session(ended, status="ended")
    removed = lifecycle.create_session(user)
    lifecycle.end_session(removed, status="removed")
    found = [e for e in received() if e["type"].startswith("session.")]
    assert [(e["type"], e["data"]["id"]) for e in found] == [
        ("session.created", created.pk),
        ("session.revoked", created.pk),
        ("session.created", ended.pk),
        ("session.ended", ended.pk),
        ("session.created", removed.pk),
        ("session.removed", removed.pk),
    ]
    revoked = found[1]["data"]
    assert revoked["object"] == "session" and revoked["status"] == "revoked"
    assert revoked["user_id"] == user.pk and revoked["user"]["id"] == user.pk  # with its user


def test_identifier_changes_are_user_updated(received: Any, user: Any) -> None:
    email = identifiers.create_email_address(user, "second@example.com", verified=True)
    identifiers.delete_identifier(email)
    found = received()
    assert [e["type"] for e in found] == ["user.created", "user.updated", "user.updated"]
    assert len(found[1]["data"]["email_addresses"]) == 2
    assert len(found[2]["data"]["email_addresses"]) == 1


# -- Backend API ---------------------------------------------------------------------------
def test_backend_api(received: Any, client: Any, user: Any) -> None:
    from clerk_users import secret_keys

    headers = {"Authorization": f"Bearer {secret_keys.create_secret_key('t')[1]}"}
    base = "/api/backend/v1/"

    def call(method: str, path: str, data: Any = None) -> Any:
        response = getattr(client, method)(
            base + path, json.dumps(data or {}), content_type="application/json", headers=headers
        )
        assert response.status_code == 200, response.content
        return response.json()

    created = call("post", "users", {"email_address": ["api@example.com"], "username": "apiuser"})
    call("patch", f"users/{created['id']}", {"first_name": "Api"})
    call("patch", f"users/{created['id']}/metadata", {"public_metadata": {"plan": "pro"}})
    session_id = call("post", "sessions", {"user_id": user.pk})["id"]
    call("post", f"sessions/{session_id}/revoke")
    call("delete", f"users/{created['id']}")
    everything = received()
    found = [e for e in everything if e["data"].get("id") == created["id"]]
    assert [e["type"] for e in found] == [
        "user.created",
        "user.updated",
        "user.updated",
        "user.deleted",
    ]
    assert found[0]["data"]["email_addresses"] == created["email_addresses"]
    assert found[2]["data"]["public_metadata"] == {"plan": "pro"}
    assert {e["event_attributes"]["http_request"]["client_ip"] for e in found} == {"127.0.0.1"}
    of_session = [e for e in everything if e["data"].get("id") == session_id]
    assert [e["type"] for e in of_session] == ["session.created", "session.revoked"]
    assert of_session[0]["data"]["user"]["id"] == user.pk
    assert of_session[1]["data"]["status"] == "revoked"
    assert {e["event_attributes"]["http_request"]["client_ip"] for e in of_session} == {"127.0.0.1"}


# -- Frontend API --------------------------------------------------------------------------
def test_frontend_api(received: Any, user: Any, sms_outbox: Any) -> None:
    from tests.api.frontend.conftest import FrontendClient

    api = FrontendClient(user)
    assert api.patch("me", {"first_name": "Front"}).status_code == 200
    email = api.post("me/email_addresses", {"email_address": "front@example.com"}).json()
    email_id = email["response"]["id"]
    prepare = f"me/email_addresses/{email_id}/prepare_verification"
    assert api.post(prepare, {"strategy": "email_code"}).status_code == 200
    code = re.search(r"\d{6}", mail.outbox[-1].subject).group(0)
    attempt = f"me/email_addresses/{email_id}/attempt_verification"
    assert api.post(attempt, {"code": code}).status_code == 200
    phone = api.post("me/phone_numbers", {"phone_number": "+14155550123"}).json()
    phone_id = phone["response"]["id"]
    prepare = f"me/phone_numbers/{phone_id}/prepare_verification"
    assert api.post(prepare, {"strategy": "phone_code"}).status_code == 200
    other = lifecycle.create_session(user)
    assert api.post(f"me/sessions/{other.pk}/revoke").status_code == 200
    found = received()
    types = [e["type"] for e in found]
    assert types.count("user.updated") == 4  # name, email added, verified, phone added
    [email_event] = of_type(found, "email.created")
    data = email_event["data"]
    assert data["object"] == "email" and data["id"].startswith("ema_")
    assert data["to_email_address"] == "front@example.com"
    assert data["email_address_id"] == email_id and data["user_id"] == user.pk
    assert data["slug"] == "verification_code" and data["data"]["otp_code"] == code
    assert data["subject"] == mail.outbox[-1].subject and data["body_plain"] == mail.outbox[-1].body
    [sms_event] = of_type(found, "sms.created")
    data = sms_event["data"]
    assert data["object"] == "sms_message" and data["id"].startswith("sms_")
    assert data["to_phone_number"] == "+14155550123" and data["phone_number_id"] == phone_id
    assert data["message"] == sms_outbox[-1].body and data["user_id"] == user.pk
    [revoked] = of_type(found, "session.revoked")
    assert revoked["data"]["id"] == other.pk


# -- allauth pages -------------------------------------------------------------------------
def test_allauth_pages(received: Any, client: Any, user: Any) -> None:
    response = client.post(
        reverse("account_signup"),
        {
            "email": "page@example.com",
            "username": "pageuser",
            "password1": PASSWORD,
            "password2": PASSWORD,
        },
    )
    assert response.status_code == 302
    client.logout()
    response = client.post(
        reverse("account_login"), {"login": user.username, "password": "correct horse battery"}
    )
    assert response.status_code == 302
    session_id = Session.objects.filter(user=user).latest("created_at").pk
    client.post(reverse("account_logout"))
    client.post(reverse("account_reset_password"), {"email": user.primary_email_address.value})
    found = received()
    new_user = User.objects.get(username="pageuser")
    # allauth saves the user, then its email, then signals the sign-up (three transactions):
    # one user.created with the email, nothing before it.
    [signup] = [e for e in found if e["data"].get("id") == new_user.pk]
    assert signup["type"] == "user.created"
    assert signup["data"]["email_addresses"][0]["email_address"] == "page@example.com"
    emails = of_type(found, "email.created")
    slugs = [e["data"]["slug"] for e in emails]
    assert "password_reset_key" in slugs
    assert [e["data"]["to_email_address"] for e in emails] == [m.to[0] for m in mail.outbox]
    reset = emails[slugs.index("password_reset_key")]["data"]
    assert reset["user_id"] == user.pk and "password_reset_url" in reset["data"]
    sessions = [(e["type"], e["data"]["id"]) for e in found if e["data"].get("user_id") == user.pk]
    assert ("session.created", session_id) in sessions
    assert ("session.ended", session_id) in sessions


# -- admin ---------------------------------------------------------------------------------
def test_admin(received: Any, client: Any, user: Any) -> None:
    from tests.admin.helpers import change_data, change_url, form_errors

    admin = User.objects.create_superuser("boss", "a good admin password")
    client.force_login(admin)
    response = client.post(change_url(user), change_data(client, user, first_name="Adm"))
    assert response.status_code == 302, form_errors(response)
    delete_url = reverse("admin:clerk_users_user_delete", args=[quote(user.pk)])
    assert client.post(delete_url, {"post": "yes"}).status_code == 302
    found = [e for e in received() if e["data"].get("id") == user.pk]
    assert [e["type"] for e in found] == ["user.created", "user.updated", "user.deleted"]
    assert found[1]["data"]["first_name"] == "Adm"


def test_external_account_changes_are_user_updated(received: Any, user: Any) -> None:
    from tests.api.frontend.conftest import FrontendClient

    api = FrontendClient(user)
    response = api.post(
        "me/external_accounts",
        {"strategy": "oauth_github", "redirect_url": "http://localhost:3000/done"},
    )
    assert response.status_code == 200, response.content
    account_id = response.json()["response"]["id"]
    assert api.delete(f"me/external_accounts/{account_id}").status_code == 200
    found = [e for e in received() if e["type"] == "user.updated"]
    assert [len(e["data"]["external_accounts"]) for e in found] == [1, 0]
    assert found[0]["data"]["external_accounts"][0]["id"] == account_id


def test_a_user_saved_plainly_in_a_request_is_announced_when_it_ends(
    received: Any, wsgi_in_test_transaction: Any
) -> None:
    from django.core.signals import request_finished, request_started

    environ = {"REMOTE_ADDR": "198.51.100.7", "HTTP_USER_AGENT": "plain-ua"}
    request_started.send(sender=None, environ=environ)
    user = User(username="plainsave")
    user.save()  # no rule announced it
    identifiers.create_email_address(user, "plain@example.com", verified=True)
    request_finished.send(sender=None)
    found = [e for e in received() if e["data"].get("id") == user.pk]
    assert [e["type"] for e in found] == ["user.created"]
    assert found[0]["data"]["email_addresses"][0]["email_address"] == "plain@example.com"
    assert found[0]["event_attributes"]["http_request"] == {
        "client_ip": "198.51.100.7",
        "user_agent": "plain-ua",
    }
