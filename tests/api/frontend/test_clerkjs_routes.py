"""Routes ClerkJS calls that the Frontend API lacked (issue 11): ``POST /me/remove_password``,
``PATCH /me/phone_numbers/{id}``, ``setProfileImage`` with a string body and
``GET /me/sessions/active`` as a bare array."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.test import override_settings

from clerk_users.models import Image
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code
from tests.images import corpus

pytestmark = pytest.mark.django_db


def octet_stream(api: FrontendClient, body: bytes) -> Any:
    return api.client.post(
        PREFIX + "me/profile_image",
        body,
        content_type="application/octet-stream",
        HTTP_ORIGIN="http://testserver",
    )


@pytest.mark.parametrize("encode", ["base64", "data_url", "raw"])
def test_set_profile_image_from_a_string_body(api, user, settings, encode):
    corpus.fresh_storage(settings)
    image = corpus.png()
    body = {
        "base64": base64.b64encode(image),
        "data_url": b"data:image/png;base64," + base64.b64encode(image),
        "raw": image,
    }[encode]
    response = octet_stream(api, body)
    assert response.status_code == 200, response.content
    assert response.json()["response"]["object"] == "image"
    user.refresh_from_db()
    assert user.profile_image_id == response.json()["response"]["id"]
    assert response.json()["client"]["sessions"][0]["user"]["has_image"] is True


def test_a_string_body_that_is_no_image_is_422(api, user, settings):
    corpus.fresh_storage(settings)
    response = octet_stream(api, b"not base64 at all!")
    assert response.status_code == 422
    assert not Image.objects.exists()


def test_remove_password(api, user, settings):
    settings.ACCOUNT_SIGNUP_FIELDS = ["email*", "username*"]
    response = api.post("me/remove_password", {"current_password": "wrong"})
    assert (response.status_code, error_code(response)) == (422, "form_password_incorrect")
    no_reverification = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": None}
    with override_settings(CLERK_USERS=no_reverification):
        response = api.post("me/remove_password", {})
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    response = api.post("me/remove_password", {"current_password": "correct horse battery"})
    assert response.status_code == 200, response.content
    assert response.json()["response"]["password_enabled"] is False
    user.refresh_from_db()
    assert not user.has_usable_password()
    response = api.post("me/remove_password", {"current_password": "x"})
    assert (response.status_code, error_code(response)) == (422, "password_not_set")


def test_remove_password_is_refused_where_the_site_requires_one(api, user):
    response = api.post("me/remove_password", {"current_password": "correct horse battery"})
    assert (response.status_code, error_code(response)) == (403, "password_required")
    user.refresh_from_db()
    assert user.has_usable_password()


def test_phone_number_second_factor_flags(api, user, make_user):
    first = user.create_phone_number("+14155550101")
    second = user.create_phone_number("+14155550102")
    unverified = user.create_phone_number("+14155550103")
    from clerk_users import identifiers

    identifiers.verify(first, "admin")
    identifiers.verify(second, "admin")
    response = api.patch(f"me/phone_numbers/{first.id}", {"reserved_for_second_factor": True})
    assert response.status_code == 200, response.content
    assert response.json()["response"]["reserved_for_second_factor"] is True
    assert response.json()["response"]["default_second_factor"] is True
    response = api.call(
        "post",
        f"me/phone_numbers/{second.id}/?_method=PATCH",
        {"reserved_for_second_factor": "true", "default_second_factor": "true"},
        body="form",
    )
    assert response.status_code == 200, response.content
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.default_second_factor, second.default_second_factor) == (False, True)
    response = api.patch(f"me/phone_numbers/{unverified.id}", {"reserved_for_second_factor": True})
    assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")
    response = api.patch(f"me/phone_numbers/{first.id}", {"verified": True})
    assert (response.status_code, error_code(response)) == (422, "form_param_unknown")
    theirs = make_user(phone_number="+14155550199").phone_numbers.get()
    response = api.patch(f"me/phone_numbers/{theirs.id}", {"reserved_for_second_factor": True})
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.reserved_for_second_factor is False


def test_active_sessions_are_a_bare_array(api, user):
    body = api.get("me/sessions/active").json()
    assert isinstance(body, list) and len(body) == 1
    assert body[0]["object"] == "session" and body[0]["latest_activity"]["object"] == (
        "session_activity"
    )
