"""ClerkJS's request conventions on every Frontend path (contract §10): ``_method``, form
bodies with JSON values as strings, its query parameters, ``_clerk_session_id`` and
trailing slashes."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from clerk_users.models import Session
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code

pytestmark = pytest.mark.django_db

CLERKJS_QUERY = "__clerk_api_version=2025-11-10&_clerk_js_version=6.40.0"


def clerkjs_post(api: FrontendClient, path: str, data: dict, query: str = "") -> object:
    """A request exactly as ClerkJS's fapiClient sends it: POST, form body, query string."""
    url = f"{PREFIX}{path}?{CLERKJS_QUERY}" + (f"&{query}" if query else "")
    return api.client.post(
        url,
        urlencode(data),
        content_type="application/x-www-form-urlencoded",
        HTTP_ORIGIN="http://testserver",
    )


def session_of(user):
    return Session.objects.get(user=user)


def test_method_override_form_body_with_json_strings(api, user):
    sid = session_of(user).id
    response = clerkjs_post(
        api,
        "me",
        {"first_name": "Ada", "unsafe_metadata": '{"theme": {"dark": true}}'},
        f"_method=PATCH&_clerk_session_id={sid}",
    )
    assert response.status_code == 200, response.content
    user.refresh_from_db()
    assert user.first_name == "Ada"
    assert user.unsafe_metadata == {"theme": {"dark": True}}


def test_retry_and_debug_parameters_are_ignored(api, user):
    response = api.client.get(
        f"{PREFIX}me?{CLERKJS_QUERY}&_clerk_retry_attempt=2&debug=true"
        f"&_clerk_session_id={session_of(user).id}"
    )
    assert response.status_code == 200
    assert response.json()["response"]["id"] == user.pk


@pytest.mark.parametrize(
    "path",
    ["me/email_addresses/", "me/phone_numbers/", "me/web3_wallets/", "me/sessions/active/"],
)
def test_trailing_slash_on_collections(api, path):
    response = api.get(path)
    assert response.status_code == 200, response.content


def test_create_email_address_with_a_trailing_slash(api, user):
    response = clerkjs_post(api, "me/email_addresses/", {"email_address": "slash@example.com"})
    assert response.status_code == 200, response.content
    assert user.email_addresses.filter(email_address="slash@example.com").exists()


def test_unknown_paths_with_a_slash_stay_json_404(api):
    for path in ("nothing/", "me/nothing/", "me//"):
        response = api.get(path)
        assert (response.status_code, error_code(response)) == (404, "resource_not_found")


def test_method_override_on_get_is_ignored(api, user):
    email = user.email_addresses.get()
    response = api.client.get(f"{PREFIX}me/email_addresses/{email.id}?_method=DELETE")
    assert response.status_code == 200
    assert user.email_addresses.filter(pk=email.pk).exists()


def test_clerk_session_id_of_another_user_is_refused(api, user, other_user):
    theirs = FrontendClient(other_user)
    their_session = session_of(other_user).id
    del theirs
    response = clerkjs_post(
        api, "me", {"first_name": "Mallory"}, f"_method=PATCH&_clerk_session_id={their_session}"
    )
    assert (response.status_code, error_code(response)) == (401, "authentication_invalid")
    user.refresh_from_db()
    assert user.first_name == "Grace"


def test_clerk_session_id_of_an_ended_session_is_refused(api, user):
    old = session_of(user)
    second = FrontendClient(user)
    old.revoke()
    response = clerkjs_post(
        second, "me", {"first_name": "Stale"}, f"_method=PATCH&_clerk_session_id={old.id}"
    )
    assert (response.status_code, error_code(response)) == (401, "authentication_invalid")
    user.refresh_from_db()
    assert user.first_name == "Grace"


def test_clerk_session_id_must_match_a_bearer_token_too(user, make_user):
    from django.test import Client

    api = FrontendClient(user)
    jwt = api.get("client").json()["response"]["sessions"][0]["last_active_token"]["jwt"]
    bearer = Client(HTTP_AUTHORIZATION=f"Bearer {jwt}")
    sid = session_of(user).id
    assert bearer.get(f"{PREFIX}me?_clerk_session_id={sid}").status_code == 200
    response = bearer.get(f"{PREFIX}me?_clerk_session_id=sess_2abcdefghijklmnopqrstuvwxyz")
    assert response.status_code == 401
