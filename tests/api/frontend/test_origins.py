"""CSRF without a token (contract §10): a cookie-authenticated unsafe request is accepted
only from the site's own or an allowed origin; anything cross-site is 403 and changes nothing."""

from __future__ import annotations

import pytest

from clerk_users.models import Session
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code

pytestmark = pytest.mark.django_db


def patch_name(api: FrontendClient, name: str, *, token: bool = False, **headers):
    if token:
        headers["HTTP_X_CSRFTOKEN"] = api.csrf
    return api.client.post(
        f"{PREFIX}me?_method=PATCH",
        f"first_name={name}",
        content_type="application/x-www-form-urlencoded",
        **headers,
    )


def name_of(user):
    user.refresh_from_db()
    return user.first_name


def test_same_origin_needs_no_token(api, user):
    response = patch_name(api, "Same", HTTP_ORIGIN="http://testserver")
    assert response.status_code == 200, response.content
    assert name_of(user) == "Same"


def test_sec_fetch_site_same_origin_without_origin_needs_no_token(api, user):
    response = patch_name(api, "Fetch", HTTP_SEC_FETCH_SITE="same-origin")
    assert response.status_code == 200
    assert name_of(user) == "Fetch"


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_ORIGIN": "https://evil.example"},
        {"HTTP_ORIGIN": "null"},
        {"HTTP_ORIGIN": "http://testserver.evil.example"},
        {"HTTP_ORIGIN": "https://testserver"},  # another scheme is another origin
        {"HTTP_SEC_FETCH_SITE": "cross-site"},
        {"HTTP_SEC_FETCH_SITE": "same-site"},
    ],
)
def test_cross_site_is_refused_even_with_a_valid_token(api, user, headers):
    for token in (False, True):
        response = patch_name(api, "Mallory", token=token, **headers)
        assert (response.status_code, error_code(response)) == (403, "csrf_token_invalid")
    assert name_of(user) == "Grace"


def test_without_origin_or_fetch_metadata_the_csrf_token_is_required(api, user):
    response = patch_name(api, "NoToken")
    assert (response.status_code, error_code(response)) == (403, "csrf_token_invalid")
    assert patch_name(api, "Token", token=True).status_code == 200
    assert name_of(user) == "Token"


def test_allowed_origins_are_accepted(api, user, settings):
    settings.CSRF_TRUSTED_ORIGINS = ["https://*.trusted.example"]
    settings.CLERK_USERS = {**settings.CLERK_USERS, "ALLOWED_ORIGINS": ["https://app.example"]}
    assert patch_name(api, "A", HTTP_ORIGIN="https://app.example").status_code == 200
    assert patch_name(api, "B", HTTP_ORIGIN="https://www.trusted.example").status_code == 200
    response = patch_name(api, "C", HTTP_ORIGIN="https://trusted.example.evil")
    assert response.status_code == 403
    assert name_of(user) == "B"


def test_cross_site_sign_out_is_refused(api, user):
    session = Session.objects.get(user=user)
    for path in ("client?_method=DELETE", "client/sessions?_method=DELETE"):
        response = api.client.post(PREFIX + path, HTTP_ORIGIN="https://evil.example")
        assert (response.status_code, error_code(response)) == (403, "csrf_token_invalid")
    response = api.client.post(
        f"{PREFIX}client/sessions/{session.id}/end", HTTP_SEC_FETCH_SITE="cross-site"
    )
    assert response.status_code == 403
    session.refresh_from_db()
    assert session.status == "active"
    assert api.get("me").status_code == 200


def test_cross_site_token_minting_is_refused(api, user):
    session = Session.objects.get(user=user)
    response = api.client.post(
        f"{PREFIX}client/sessions/{session.id}/tokens", HTTP_ORIGIN="https://evil.example"
    )
    assert response.status_code == 403


def test_text_plain_from_the_site_is_still_refused(api, user):
    response = api.client.post(
        f"{PREFIX}me?_method=PATCH",
        "first_name=Plain",
        content_type="text/plain",
        HTTP_ORIGIN="http://testserver",
    )
    assert response.status_code == 415
    assert name_of(user) == "Grace"


def test_bearer_requests_ignore_the_origin(user):
    from django.test import Client

    jwt = FrontendClient(user).get("client").json()["response"]["sessions"][0]
    client = Client(HTTP_AUTHORIZATION=f"Bearer {jwt['last_active_token']['jwt']}")
    response = client.post(
        f"{PREFIX}me?_method=PATCH",
        "first_name=Native",
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN="https://elsewhere.example",
    )
    assert response.status_code == 200
    assert name_of(user) == "Native"


def test_allowed_origins_get_cors_headers_and_preflights(api, user, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "ALLOWED_ORIGINS": ["https://app.example"]}
    response = api.client.get(f"{PREFIX}me", HTTP_ORIGIN="https://app.example")
    assert response["Access-Control-Allow-Origin"] == "https://app.example"
    assert response["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response["Vary"]
    preflight = api.client.options(
        f"{PREFIX}me/profile_image",
        HTTP_ORIGIN="https://app.example",
        HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST",
        HTTP_ACCESS_CONTROL_REQUEST_HEADERS="content-type",
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "https://app.example"
    assert "POST" in preflight["Access-Control-Allow-Methods"]
    # another origin, or the site itself, gets no CORS headers
    for origin in ("https://evil.example", "http://testserver"):
        response = api.client.get(f"{PREFIX}me", HTTP_ORIGIN=origin)
        assert "Access-Control-Allow-Origin" not in response
        preflight = api.client.options(
            f"{PREFIX}me", HTTP_ORIGIN=origin, HTTP_ACCESS_CONTROL_REQUEST_METHOD="POST"
        )
        assert "Access-Control-Allow-Origin" not in preflight
