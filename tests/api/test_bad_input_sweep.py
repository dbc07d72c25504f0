"""Attack finding F4: bad input under either API is a Clerk-format 4xx, never a 500 or HTML.

A NUL character reached PostgreSQL (``DataError``: text cannot contain NUL) through a
request body (``POST /sessions``, a sign-up's ``first_name``) or a path id the OAuth views
read outside DRF, and a JSON list as a sign-up ``strategy`` raised ``TypeError``. Each case
of ``test_bad_input_is_a_clerk_4xx`` answered 500 on the code before the fix (the NUL ones
on PostgreSQL; the list-typed strategy on both databases).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from clerk_users import secret_keys
from clerk_users.models import SignUpAttempt, User
from tests.api.frontend.conftest import PREFIX

pytestmark = pytest.mark.django_db
BACKEND = "/api/backend/v1/"
ORIGIN = "http://testserver"


def browser() -> Client:
    """A browser running ClerkJS that holds a client id (it has started a sign-up)."""
    client = Client(HTTP_ORIGIN=ORIGIN)
    started = client.post(
        PREFIX + "client/sign_ups", {"username": "browser0"}, content_type="application/json"
    )
    assert started.status_code == 200, started.content
    return client


def assert_clerk_4xx(response: Any, codes: set[str]) -> None:
    assert 400 <= response.status_code < 500, (response.status_code, response.content[:300])
    assert response["Content-Type"].startswith("application/json"), response["Content-Type"]
    body = response.json()
    assert set(body) == {"errors", "clerk_trace_id"}, body
    assert body["errors"][0]["code"] in codes, body


FORMAT = {"form_param_format_invalid", "form_param_value_invalid"}


@pytest.mark.parametrize(
    "api,method,path,body",
    [
        ("backend", "post", "sessions", {"user_id": "\x00"}),
        ("backend", "post", "sessions", {"user_id": "user_\x00abc"}),
        ("backend", "post", "users", {"first_name": "a\x00b", "username": "nulname"}),
        ("frontend", "post", "client/sign_ups", {"first_name": "\x00\x00", "username": "nul2"}),
        ("frontend", "post", "client/sign_ups", {"username": "nul\x00"}),
        ("frontend", "post", "client/sign_ups", {"strategy": ["oauth_github"]}),
        ("frontend", "post", "client/sign_ups", {"strategy": {"x": 1}}),
        ("frontend", "post", "client/sign_ups", {"unsafe_metadata": {"k\x00": "v"}}),
        ("frontend", "post", "client/sign_ins", {"identifier": "a\x00@example.com"}),
        ("frontend", "post", "client/sign_ins", {"strategy": ["password"]}),
    ],
)
def test_bad_input_is_a_clerk_4xx(api: str, method: str, path: str, body: Any) -> None:
    if api == "backend":
        key = secret_keys.create_secret_key("tests")[1]
        client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")
        url = BACKEND + path
    else:
        client = Client(HTTP_ORIGIN=ORIGIN)
        url = PREFIX + path
    users, attempts = User.objects.count(), SignUpAttempt.objects.count()
    response = getattr(client, method)(url, json.dumps(body), content_type="application/json")
    assert_clerk_4xx(response, FORMAT)
    assert (User.objects.count(), SignUpAttempt.objects.count()) == (users, attempts)


def test_a_nul_in_a_form_body_is_a_clerk_4xx() -> None:
    client = Client(HTTP_ORIGIN=ORIGIN)
    response = client.post(
        PREFIX + "client/sign_ups",
        "first_name=%00%00&username=nulltest2",
        content_type="application/x-www-form-urlencoded",
    )
    assert_clerk_4xx(response, FORMAT)


@pytest.mark.parametrize("step", ["start", "return"])
@pytest.mark.parametrize("attempt_id", ["%00", "sia_%00", "sua_a%00b", "nope"])
def test_oauth_attempt_views_refuse_a_bad_id_in_clerk_json(step: str, attempt_id: str) -> None:
    client = browser()
    response = client.get(PREFIX + f"oauth/attempt/{attempt_id}/{step}")
    assert_clerk_4xx(response, {"resource_not_found"})
