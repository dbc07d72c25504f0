"""``GET|PATCH|DELETE /me``, ``PATCH /me/metadata`` and ``POST /me/change_password``."""

from __future__ import annotations

import json

import pytest

from clerk_users import metadata
from clerk_users.api.serializers import FrontendUserSerializer
from clerk_users.models import User
from clerk_users.sessions import lifecycle as sessions
from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db


def row(user):
    """The user's row, minus the activity timestamp that any authenticated request bumps."""
    values = User.objects.filter(pk=user.pk).values().get()
    values.pop("last_active_at")
    return values


def _encode(body, data):
    """Form bodies carry JSON objects as strings, as ClerkJS sends them."""
    if body != "json":
        return {k: json.dumps(v) if isinstance(v, dict) else v for k, v in data.items()}
    return data


def test_get_me_is_the_frontend_user_without_private_metadata(api, user):
    user.private_metadata = {"secret": "s3cr3t"}
    user.public_metadata = {"plan": "pro"}
    user.save()
    data = api.get("me").json()["response"]
    assert data["object"] == "user"
    assert set(data) == set(FrontendUserSerializer().fields)
    assert "private_metadata" not in data
    assert "s3cr3t" not in json.dumps(data)
    assert data["public_metadata"] == {"plan": "pro"}
    assert data["email_addresses"][0]["email_address"] == user.primary_email_address.email_address


def test_patch_me_updates_profile_fields(api, user, body):
    response = api.patch(
        "me",
        _encode(
            body,
            {
                "first_name": "Ada",
                "last_name": "Lovelace",
                "username": "ada_l",
                "unsafe_metadata": {"theme": "dark"},
            },
        ),
        body=body,
    )
    assert response.status_code == 200, response.content
    data = response.json()["response"]
    assert (data["first_name"], data["last_name"], data["username"]) == ("Ada", "Lovelace", "ada_l")
    assert data["unsafe_metadata"] == {"theme": "dark"}
    user.refresh_from_db()
    assert user.first_name == "Ada" and user.unsafe_metadata == {"theme": "dark"}


def test_patch_me_multipart(api, user):
    response = api.patch("me", {"first_name": "Multi"}, body="multipart")
    assert response.status_code == 200, response.content
    assert response.json()["response"]["first_name"] == "Multi"


def test_patch_me_sets_a_verified_primary_email(api, user, body):
    other = user.create_email_address("second@example.com")
    from clerk_users import identifiers

    identifiers.verify(other)
    response = api.patch("me", {"primary_email_address_id": other.pk}, body=body)
    assert response.status_code == 200, response.content
    assert response.json()["response"]["primary_email_address_id"] == other.pk


def test_patch_me_refuses_an_unverified_primary(api, user, body):
    other = user.create_email_address("unverified@example.com")
    before = user.primary_email_address_id
    response = api.patch("me", {"primary_email_address_id": other.pk}, body=body)
    assert response.status_code == 422
    assert error_code(response) == "form_param_value_invalid"
    user.refresh_from_db()
    assert user.primary_email_address_id == before


def test_patch_me_refuses_another_users_identifier_as_primary(api, user, other_user, body):
    before = user.primary_email_address_id
    response = api.patch(
        "me", {"primary_email_address_id": other_user.primary_email_address_id}, body=body
    )
    assert response.status_code == 422
    user.refresh_from_db()
    assert user.primary_email_address_id == before


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("public_metadata", {"role": "admin"}),
        ("private_metadata", {"role": "admin"}),
        ("id", "user_hacked"),
        ("banned", False),
        ("locked", False),
        ("is_staff", True),
        ("is_superuser", True),
        ("delete_self_enabled", True),
        ("external_id", "x"),
        ("created_at", 1),
        ("updated_at", 1),
        ("last_sign_in_at", 1),
        ("password", "a brand new password"),
        ("password_digest", "$2b$10$abc"),
        ("skip_password_checks", True),
    ],
)
def test_patch_me_refuses_fields_the_user_may_not_set(api, user, body, param, value):
    before = row(user)
    payload = _encode(body, {"first_name": "Mallory", param: value})
    if body != "json" and isinstance(value, bool):
        payload[param] = str(value).lower()
    response = api.patch("me", payload, body=body)
    assert response.status_code == 422
    item = response.json()["errors"][0]
    assert item["code"] == "form_param_unknown"
    assert item["meta"]["param_name"] == param
    assert row(user) == before


@pytest.mark.parametrize(
    ("payload", "code"),
    [
        ({"username": "x"}, "form_param_format_invalid"),
        ({"username": "bad name!"}, "form_param_format_invalid"),
        ({"unsafe_metadata": "not json"}, "form_param_format_invalid"),
        ({"unsafe_metadata": "[1, 2]"}, "form_param_format_invalid"),
        ({"first_name": "x" * 300}, "form_param_format_invalid"),
    ],
)
def test_patch_me_bad_values_change_nothing(api, user, body, payload, code):
    before = row(user)
    response = api.patch("me", payload, body=body)
    assert response.status_code == 422, response.content
    assert error_code(response) == code
    assert row(user) == before


def test_patch_me_taken_username(api, user, other_user, body):
    response = api.patch("me", {"username": other_user.username}, body=body)
    assert response.status_code == 422
    assert error_code(response) == "form_identifier_exists"


def test_delete_me(api, user):
    response = api.delete("me")
    assert response.status_code == 200
    assert response.json()["response"] == {"object": "user", "id": user.pk, "deleted": True}
    assert not User.objects.filter(pk=user.pk).exists()
    assert api.get("me").status_code == 401


def test_delete_me_refused_when_self_delete_is_disabled(api, user):
    User.objects.filter(pk=user.pk).update(delete_self_enabled=False)
    response = api.delete("me")
    assert response.status_code == 403
    assert error_code(response) == "delete_self_not_enabled"
    assert User.objects.filter(pk=user.pk).exists()


# -- metadata ---------------------------------------------------------------------------------
def test_metadata_deep_merges_unsafe_metadata(api, user, body):
    metadata.update_metadata(user, {"unsafe_metadata": {"a": {"b": 1, "c": 2}, "gone": 1}})
    response = api.patch(
        "me/metadata",
        _encode(body, {"unsafe_metadata": {"a": {"c": 3, "d": 4}, "gone": None}}),
        body=body,
    )
    assert response.status_code == 200, response.content
    assert response.json()["response"]["unsafe_metadata"] == {"a": {"b": 1, "c": 3, "d": 4}}
    user.refresh_from_db()
    assert user.unsafe_metadata == {"a": {"b": 1, "c": 3, "d": 4}}


@pytest.mark.parametrize("param", ["public_metadata", "private_metadata", "first_name"])
def test_metadata_refuses_other_fields(api, user, body, param):
    response = api.patch("me/metadata", _encode(body, {param: {"x": 1}}), body=body)
    assert response.status_code == 422
    assert error_code(response) == "form_param_unknown"
    user.refresh_from_db()
    assert user.public_metadata == {} and user.private_metadata == {}


def test_metadata_requires_unsafe_metadata(api, body):
    response = api.patch("me/metadata", {}, body=body)
    assert response.status_code == 422
    assert error_code(response) == "form_param_missing"


def test_metadata_over_the_size_limit_changes_nothing(api, user, body, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "METADATA_MAX_BYTES": 100}
    response = api.patch(
        "me/metadata", _encode(body, {"unsafe_metadata": {"big": "x" * 200}}), body=body
    )
    assert response.status_code == 422
    assert error_code(response) == "form_metadata_too_large"
    user.refresh_from_db()
    assert user.unsafe_metadata == {}


# -- change_password --------------------------------------------------------------------------
def test_change_password_keeps_this_session(api, user, body):
    response = api.post(
        "me/change_password",
        {"current_password": "correct horse battery", "new_password": "a new long passphrase"},
        body=body,
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")
    assert api.get("me").status_code == 200


def test_change_password_signs_out_other_sessions(api, user, body, monkeypatch):
    calls = []
    monkeypatch.setattr(
        sessions,
        "revoke_other_sessions",
        lambda u, keep_session_key=None: calls.append((u.pk, keep_session_key)) or 1,
    )
    other_browser = FrontendClient(user)
    response = api.post(
        "me/change_password",
        {
            "current_password": "correct horse battery",
            "new_password": "a new long passphrase",
            "sign_out_of_other_sessions": "true" if body != "json" else True,
        },
        body=body,
    )
    assert response.status_code == 200, response.content
    assert calls == [(user.pk, api.client.session.session_key)]
    assert other_browser.get("me").status_code == 401
    assert api.get("me").status_code == 200


def test_change_password_wrong_current_password(api, user, body):
    response = api.post(
        "me/change_password",
        {"current_password": "wrong password", "new_password": "a new long passphrase"},
        body=body,
    )
    assert response.status_code == 422
    assert error_code(response) == "form_password_incorrect"
    user.refresh_from_db()
    assert user.failed_verification_attempts == 1
    assert user.check_password("correct horse battery")


def test_current_password_is_required_only_without_reverification(api, user, settings):
    """With reverification on (the default), the decorator already required a fresh first
    factor, as Clerk's instances do: ClerkJS's password form then sends no current password."""
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": None}
    response = api.post("me/change_password", {"new_password": "a new long passphrase"})
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    assert response.json()["errors"][0]["meta"]["param_name"] == "current_password"
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": 600}
    response = api.post("me/change_password", {"new_password": "a new long passphrase"})
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")
    response = api.post(
        "me/change_password", {"current_password": "wrong", "new_password": "x" * 20}
    )
    assert (response.status_code, error_code(response)) == (422, "form_password_incorrect")


def test_change_password_wrong_current_password_locks_after_the_limit(api, user, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "LOCKOUT_MAX_ATTEMPTS": 2}
    for _ in range(2):
        api.post("me/change_password", {"current_password": "no", "new_password": "x" * 12})
    response = api.get("me")
    assert response.status_code == 403
    assert error_code(response) == "user_locked"


def test_change_password_needs_the_current_one_only_without_reverification(api, user, settings):
    """ClerkJS sends no current password when the environment announces reverification: the
    session's fresh verification stands for it. With reverification off it is required."""
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": None}
    response = api.post("me/change_password", {"new_password": "a new long passphrase"})
    assert response.status_code == 422
    assert error_code(response) == "form_param_missing"
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": 600}
    response = api.post("me/change_password", {"new_password": "a new long passphrase"})
    assert response.status_code == 200
    user.refresh_from_db()
    assert user.check_password("a new long passphrase")


@pytest.mark.parametrize(
    ("payload", "code", "param"),
    [
        ({"current_password": "correct horse battery"}, "form_param_missing", "new_password"),
        (
            {"current_password": "correct horse battery", "new_password": "short"},
            "form_password_length_too_short",
            "new_password",
        ),
        (
            {"current_password": "correct horse battery", "new_password": "password123"},
            "form_password_pwned",
            "new_password",
        ),
        (
            {
                "current_password": "correct horse battery",
                "new_password": "a new long passphrase",
                "sign_out_of_other_sessions": "maybe",
            },
            "form_param_format_invalid",
            "sign_out_of_other_sessions",
        ),
        (
            {
                "current_password": "correct horse battery",
                "new_password": "a new long passphrase",
                "password": "x",
            },
            "form_param_unknown",
            "password",
        ),
    ],
)
def test_change_password_errors(api, user, body, payload, code, param):
    response = api.post("me/change_password", payload, body=body)
    assert response.status_code == 422, response.content
    item = response.json()["errors"][0]
    assert (item["code"], item["meta"].get("param_name")) == (code, param)
    user.refresh_from_db()
    assert user.check_password("correct horse battery")


def test_change_password_without_a_current_password_sets_the_first_one(make_user, body):
    passwordless = make_user(password=None)
    client = FrontendClient(passwordless)
    response = client.post(
        "me/change_password", {"new_password": "first real passphrase"}, body=body
    )
    assert response.status_code == 200, response.content
    assert response.json()["response"]["password_enabled"] is True
    passwordless.refresh_from_db()
    assert passwordless.check_password("first real passphrase")


def test_change_password_with_real_session_revocation_keeps_this_session(api, user):
    other_browser = FrontendClient(user)
    response = api.post(
        "me/change_password",
        {
            "current_password": "correct horse battery",
            "new_password": "a new long passphrase",
            "sign_out_of_other_sessions": True,
        },
    )
    assert response.status_code == 200, response.content
    assert api.get("me").status_code == 200
    assert api.patch("me", {"first_name": "Still here"}).status_code == 200
    assert other_browser.get("me").status_code == 401


def test_a_self_update_never_writes_back_stale_flags(user):
    """A ban (or a Backend metadata write) landing while a PATCH /me runs must survive it."""
    from clerk_users import users

    stale = User.objects.get(pk=user.pk)
    User.objects.filter(pk=user.pk).update(banned=True, public_metadata={"plan": "pro"})
    users.update_user(stale, {"first_name": "Late"}, allowed=users.SELF_UPDATABLE)
    fresh = User.objects.get(pk=user.pk)
    assert fresh.first_name == "Late"
    assert fresh.banned is True
    assert fresh.public_metadata == {"plan": "pro"}


def test_get_me_has_the_shape_of_the_reference_frontend_user(api, user):
    """Same keys as the contract's ``frontend-me.json``, at the top and in each identifier."""
    from pathlib import Path

    reference = json.loads(
        (Path(__file__).resolve().parents[2] / "data" / "frontend-me.json").read_text()
    )
    user.create_phone_number("+14155550123")
    body = api.get("me").json()
    assert set(body) == set(reference)
    data, expected = body["response"], reference["response"]
    assert set(data) == set(expected)
    for field in ("email_addresses", "phone_numbers"):
        assert set(data[field][0]) == set(expected[field][0]), field
        verification = data[field][0]["verification"]
        if verification is not None:
            assert set(verification) == set(expected[field][0]["verification"])


def _deep(depth):
    return '{"a":' * depth + "1" + "}" * depth


@pytest.mark.parametrize(
    "value",
    [
        {"a": "x\x00"},
        {"a\x00": 1},
        {"a": "\ud800"},
        json.loads(_deep(metadata.MAX_DEPTH + 1)),
    ],
)
def test_me_metadata_refuses_unstorable_values_and_changes_nothing(api, user, value):
    before = row(user)
    response = api.patch("me/metadata", {"unsafe_metadata": value})
    assert response.status_code == 422, response.content
    assert error_code(response) == "form_param_format_invalid"
    assert response.json()["errors"][0]["meta"]["param_name"] == "unsafe_metadata"
    assert row(user) == before


def test_me_metadata_too_deep_to_parse_is_a_clerk_error(api, user):
    before = row(user)
    url = "/api/frontend/v1/me/metadata"
    body = '{"unsafe_metadata":' + _deep(3000) + "}"
    response = api.client.patch(
        url, body, content_type="application/json", HTTP_X_CSRFTOKEN=api.csrf
    )
    # 400 at the recursion limit; 422 (depth cap) if the run raised it (hypothesis does).
    assert response.status_code in (400, 422), response.content
    assert set(response.json()) == {"errors", "clerk_trace_id"}
    # A form body carries metadata as a JSON string, parsed by the metadata module.
    response = api.client.patch(
        url,
        "unsafe_metadata=" + _deep(3000),
        content_type="application/x-www-form-urlencoded",
        HTTP_X_CSRFTOKEN=api.csrf,
    )
    assert response.status_code == 422, response.content
    assert row(user) == before


@pytest.mark.parametrize("field", ["first_name", "last_name", "username"])
def test_me_nul_in_a_text_field_is_a_422(api, user, field):
    before = row(user)
    response = api.patch("me", {field: "abc\x00def"})
    assert response.status_code == 422, response.content
    assert row(user) == before


def test_nul_in_a_frontend_query_param_is_a_422(api):
    response = api.client.get("/api/frontend/v1/me?x=%00")
    assert response.status_code == 422, response.content
    assert error_code(response) == "form_param_format_invalid"
