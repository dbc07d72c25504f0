"""Fixtures of the Frontend API tests: a session-cookie client that sends the CSRF header."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.cache import cache
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart

PREFIX = "/api/frontend/v1/"


class FrontendClient:
    """A browser-like client: Django session cookie, CSRF enforced, JSON/form/multipart."""

    def __init__(self, user: Any = None) -> None:
        self.client = Client(enforce_csrf_checks=True)
        if user is not None:
            self.client.force_login(user)
        self.csrf = _get_new_csrf_string()
        self.client.cookies["csrftoken"] = self.csrf

    def call(
        self,
        method: str,
        path: str,
        data: dict[str, Any] | None = None,
        *,
        body: str = "json",
        csrf: bool = True,
    ) -> Any:
        url = PREFIX + path.lstrip("/")
        headers = {"HTTP_X_CSRFTOKEN": self.csrf} if csrf else {}
        if method == "get":
            return self.client.get(url, data or {}, **headers)
        data = data or {}
        if body == "json":
            content: Any = json.dumps(data)
            content_type = "application/json"
        elif body == "form":
            content = urlencode(data, doseq=True)
            content_type = "application/x-www-form-urlencoded"
        else:  # Client.post encodes multipart itself; other methods take the raw body
            content = data if method == "post" else encode_multipart(BOUNDARY, data)
            content_type = MULTIPART_CONTENT
        return getattr(self.client, method)(url, content, content_type=content_type, **headers)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.call("get", path, **kwargs)

    def post(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("post", path, data, **kwargs)

    def patch(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("patch", path, data, **kwargs)

    def delete(self, path: str, data: Any = None, **kwargs: Any) -> Any:
        return self.call("delete", path, data, **kwargs)


def error_code(response: Any) -> str:
    body = response.json()
    assert set(body) == {"errors", "clerk_trace_id"}, body
    return body["errors"][0]["code"]


@pytest.fixture(autouse=True)
def _generous_rates(settings: Any) -> Any:
    """Functional tests make many writes per user; the rate-limit tests set Clerk's rates."""
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "FRONTEND_UPDATE_RATE": "10000/10s",
        "FRONTEND_VERIFICATION_RATE": "10000/10s",
    }
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def frontend() -> Callable[..., FrontendClient]:
    return FrontendClient


@pytest.fixture
def api(user: Any) -> FrontendClient:
    return FrontendClient(user)


@pytest.fixture(params=["json", "form", "multipart"])
def body(request: Any) -> str:
    return request.param


def clerk_js_browser(user: Any = None) -> FrontendClient:
    """A browser running ClerkJS: every request names the page's origin (no CSRF token
    needed; Django's token would be rotated by the login anyway)."""
    browser = FrontendClient(user)
    browser.client.defaults["HTTP_ORIGIN"] = "http://testserver"
    return browser


@pytest.fixture
def browser() -> FrontendClient:
    return clerk_js_browser()


def code_from(message: Any) -> str:
    """The six-digit code of an email or SMS message."""
    return re.search(r"\b(\d{6})\b", message.body).group(1)  # type: ignore[union-attr]


def session_of(client: FrontendClient) -> Any:
    """The Clerk ``Session`` behind ``client``'s cookie."""
    from clerk_users.models import Session

    return Session.objects.get(session_key=client.client.session.session_key)
