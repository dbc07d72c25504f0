"""Auth of the Frontend API: session cookie, CSRF, banned/locked users, envelope, errors."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clerk_users import passwords, users
from clerk_users.models import User
from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db

ROUTES = [
    ("get", "me"),
    ("patch", "me"),
    ("delete", "me"),
    ("patch", "me/metadata"),
    ("post", "me/change_password"),
    ("get", "me/email_addresses"),
    ("post", "me/email_addresses"),
    ("get", "me/email_addresses/idn_x"),
    ("delete", "me/email_addresses/idn_x"),
    ("post", "me/email_addresses/idn_x/prepare_verification"),
    ("post", "me/email_addresses/idn_x/attempt_verification"),
    ("get", "me/phone_numbers"),
    ("post", "me/phone_numbers"),
    ("post", "me/phone_numbers/idn_x/attempt_verification"),
    ("get", "me/web3_wallets"),
    ("post", "me/web3_wallets"),
    ("post", "me/web3_wallets/idn_x/prepare_verification"),
]


@pytest.mark.parametrize(("method", "path"), ROUTES)
def test_anonymous_gets_401_in_clerk_format(method, path):
    response = FrontendClient().call(method, path, {})
    assert response.status_code == 401
    assert error_code(response) == "authentication_invalid"


def test_envelope_wraps_the_user(api, user):
    response = api.get("me")
    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"response", "client"}
    assert body["client"] is None
    assert body["response"]["id"] == user.pk


def test_unsafe_method_without_csrf_token_is_a_clerk_403(api, user):
    response = api.patch("me", {"first_name": "Eve"}, csrf=False)
    assert response.status_code == 403
    assert error_code(response) == "csrf_token_invalid"
    user.refresh_from_db()
    assert user.first_name == "Grace"


def test_wrong_csrf_token_is_refused(api, user):
    api.csrf = "x" * 32
    response = api.post("me/email_addresses", {"email_address": "new@example.com"})
    assert response.status_code == 403
    assert error_code(response) == "csrf_token_invalid"
    assert not user.email_addresses.filter(email_address="new@example.com").exists()


def test_safe_method_needs_no_csrf_token(api):
    assert api.get("me", csrf=False).status_code == 200


@pytest.mark.parametrize(("method", "path"), [("get", "me"), ("patch", "me"), ("delete", "me")])
def test_banned_user_gets_403_user_banned_and_cannot_act(make_user, method, path):
    banned = make_user(first_name="Ban")
    client = FrontendClient(banned)
    # ``users.ban`` also ends the user's sessions (401); the flag alone must already refuse.
    User.objects.filter(pk=banned.pk).update(banned=True)
    response = client.call(method, path, {"first_name": "Changed"})
    assert response.status_code == 403
    assert error_code(response) == "user_banned"
    banned.refresh_from_db()
    assert banned.first_name == "Ban"


def test_locked_user_gets_403_user_locked_with_expiry(make_user):
    locked = make_user()
    client = FrontendClient(locked)
    passwords.lock(locked)
    response = client.post("me/email_addresses", {"email_address": "lock@example.com"})
    assert response.status_code == 403
    body = response.json()
    assert body["errors"][0]["code"] == "user_locked"
    assert 0 < body["errors"][0]["meta"]["lockout_expires_in_seconds"] <= 3600
    assert not locked.email_addresses.filter(email_address="lock@example.com").exists()


def test_expired_lockout_lets_the_user_back_in(make_user):
    locked = make_user()
    client = FrontendClient(locked)
    locked.locked_at = timezone.now() - timedelta(hours=2)
    locked.lockout_expires_at = timezone.now() - timedelta(hours=1)
    locked.save()
    assert client.get("me").status_code == 200


def test_session_ends_when_the_password_changes_elsewhere(api, user):
    passwords.set_password(user, "another fine password")
    response = api.get("me")
    assert response.status_code == 401


def test_deleted_user_session_is_401(api, user):
    users.delete_user(user)
    assert api.get("me").status_code == 401


def test_clerkjs_method_override(api, user):
    response = api.post("me?_method=PATCH", {"first_name": "Ada"}, body="form")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["first_name"] == "Ada"


def test_unknown_path_is_json_404(api):
    response = api.get("me/nothing/here")
    assert response.status_code == 404
    assert error_code(response) == "resource_not_found"


def test_wrong_method_is_json_405(api):
    response = api.call("put", "me/email_addresses", {})
    assert response.status_code == 405
    assert error_code(response) == "method_not_allowed"


def test_malformed_json_is_400(api):
    response = api.client.patch(
        "/api/frontend/v1/me",
        "{nope",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=api.csrf,
    )
    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


def test_json_body_that_is_not_an_object_is_400(api):
    response = api.client.patch(
        "/api/frontend/v1/me",
        "[1, 2]",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=api.csrf,
    )
    assert response.status_code == 400
    assert error_code(response) == "malformed_request"


def test_bearer_session_token_of_a_banned_or_locked_user_is_403(make_user, settings):
    """Whatever authentication class identified the user, the ban/lock check applies."""
    from django.test import Client

    from clerk_users.sessions import signing_keys, tokens
    from tests.sessions.helpers import make_session, pem

    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(0)]}
    signing_keys.clear_cache()
    person = make_user(first_name="Bearer")
    token = tokens.session_token(make_session(person))
    client = Client(enforce_csrf_checks=True)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    # Bearer requests need no CSRF token (no cookie involved)
    response = client.patch(
        "/api/frontend/v1/me",
        '{"first_name": "Via token"}',
        content_type="application/json",
        **auth,
    )
    assert response.status_code == 200, response.content
    User.objects.filter(pk=person.pk).update(banned=True)
    response = client.patch(
        "/api/frontend/v1/me", '{"first_name": "Banned"}', content_type="application/json", **auth
    )
    assert (response.status_code, error_code(response)) == (403, "user_banned")
    User.objects.filter(pk=person.pk).update(banned=False)
    passwords.lock(User.objects.get(pk=person.pk))
    response = client.get("/api/frontend/v1/me", **auth)
    assert (response.status_code, error_code(response)) == (403, "user_locked")
    person.refresh_from_db()
    assert person.first_name == "Via token"
    signing_keys.clear_cache()


def test_json_null_body_is_400(api):
    response = api.client.patch(
        "/api/frontend/v1/me",
        "null",
        content_type="application/json",
        HTTP_X_CSRFTOKEN=api.csrf,
    )
    assert (response.status_code, error_code(response)) == (400, "malformed_request")


def test_unknown_path_with_unsafe_method_is_json_404_not_a_csrf_page(api):
    response = api.client.post("/api/frontend/v1/me/nothing", {})
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert error_code(response) == "resource_not_found"
