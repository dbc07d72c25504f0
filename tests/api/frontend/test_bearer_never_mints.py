"""Attack finding F5: a stolen 60-second session JWT must not renew itself.

Every Frontend answer that carries a ``SessionJSON`` (the reverification routes, the
client piggybacked on mutations) minted ``session.last_active_token`` even for a request
authenticated by the Bearer JWT alone, so a token leaked once renewed itself forever.
``test_a_bearer_only_request_never_gets_a_token`` failed on the code before the fix (the
``/verify*`` answers carried a fresh JWT).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from tests.api.frontend.conftest import PREFIX, FrontendClient, session_of
from tests.sessions.helpers import settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def minted(data: Any) -> list[Any]:
    """Every session token found anywhere in an answer (``last_active_token`` or a ``jwt``)."""
    found: list[Any] = []
    if isinstance(data, dict):
        for key, value in data.items():
            if key in ("last_active_token", "jwt") and value:
                found.append(value)
            else:
                found.extend(minted(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(minted(item))
    return found


def routes(session_id: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body) of every Frontend route answering a client or session JSON."""
    verify = f"client/sessions/{session_id}/verify"
    return [
        ("get", "client", {}),
        ("get", "me", {}),
        ("patch", "me", {"first_name": "Ada"}),
        ("post", "me/email_addresses", {"email_address": "more@example.com"}),
        ("post", f"client/sessions/{session_id}/touch", {}),
        ("post", verify, {"level": "first_factor"}),
        ("post", f"{verify}/prepare_first_factor", {"strategy": "password"}),
        ("post", f"{verify}/attempt_first_factor", {"strategy": "password", "password": PASSWORD}),
        ("post", verify, {"level": "second_factor"}),
        ("get", "me/sessions", {}),
        ("get", "me/sessions/active", {}),
    ]


def call(client: Client, method: str, path: str, data: dict[str, Any]) -> Any:
    url = PREFIX + path
    if method == "get":
        return client.get(url)
    if method == "patch":
        return client.post(url + "?_method=PATCH", data, content_type="application/json")
    return client.post(url, data, content_type="application/json")


def test_a_bearer_only_request_never_gets_a_token(user: Any) -> None:
    owner = FrontendClient(user)
    session = session_of(owner)
    stolen = owner.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    thief = Client(HTTP_AUTHORIZATION=f"Bearer {stolen}", enforce_csrf_checks=True)
    answered = 0
    for method, path, data in routes(session.id):
        response = call(thief, method, path, data)
        assert response.status_code < 500, (path, response.content)
        if response.status_code == 200:
            answered += 1
        assert minted(response.json()) == [], (method, path, response.json())
    # The verify routes and the /me mutations answered (the thief is authenticated), so the
    # test looked at session JSON, not only at refusals.
    assert answered >= 8


def test_the_cookie_still_gets_its_token(user: Any) -> None:
    """The client (the cookie) mints, as Clerk's does: same routes, tokens present."""
    owner = FrontendClient(user)
    session = session_of(owner)
    verify = owner.post(f"client/sessions/{session.id}/verify", {"level": "first_factor"})
    assert verify.json()["response"]["session"]["last_active_token"]["jwt"]
    touch = owner.post(f"client/sessions/{session.id}/touch")
    assert touch.json()["response"]["last_active_token"]["jwt"]
    patched = owner.patch("me", {"first_name": "Ada"})
    assert patched.json()["client"]["sessions"][0]["last_active_token"]["jwt"]


def test_a_bearer_with_another_sessions_cookie_gets_no_token(user: Any) -> None:
    """A stolen JWT sent from a browser signed in to another session of the same user does
    not mint for the stolen session (the cookie mints only its own session)."""
    victim = FrontendClient(user)
    session = session_of(victim)
    stolen = victim.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    thief = FrontendClient(user)  # a second session of the same user
    assert session_of(thief).id != session.id
    thief.client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {stolen}"
    response = thief.post(f"client/sessions/{session.id}/verify", {"level": "first_factor"})
    assert response.status_code == 200, response.content
    assert response.json()["response"]["session"]["last_active_token"] is None
    # the thief's own (cookie) session may ride in the client, but not the stolen one's
    for item in response.json()["client"]["sessions"]:
        assert item["id"] != session.id
