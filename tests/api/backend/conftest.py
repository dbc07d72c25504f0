"""Fixtures of the Backend API tests: a secret key, a test client sending it, and Clerk's
official SDK pointed at pytest-django's live server."""

from __future__ import annotations

from typing import Any

import pytest

BASE = "/api/backend/v1"


@pytest.fixture
def secret_key(db: Any) -> str:
    from clerk_users import secret_keys

    return secret_keys.create_secret_key("tests")[1]


@pytest.fixture
def api(client: Any, secret_key: str) -> Any:
    """Django's test client with the Bearer key; paths are relative to the Backend API."""

    class BackendClient:
        def __init__(self) -> None:
            self.headers = {"Authorization": f"Bearer {secret_key}"}

        def request(self, method: str, path: str, data: Any = None, **kwargs: Any) -> Any:
            call = getattr(client, method.lower())
            if method.upper() in ("GET", "DELETE") and data is None:
                return call(BASE + path, headers=self.headers, **kwargs)
            if method.upper() == "GET":
                return call(BASE + path, data, headers=self.headers, **kwargs)
            return call(
                BASE + path, data, content_type="application/json", headers=self.headers, **kwargs
            )

        def get(self, path: str, data: Any = None, **kw: Any) -> Any:
            return self.request("GET", path, data, **kw)

        def post(self, path: str, data: Any = None, **kw: Any) -> Any:
            return self.request("POST", path, data if data is not None else {}, **kw)

        def patch(self, path: str, data: Any = None, **kw: Any) -> Any:
            return self.request("PATCH", path, data if data is not None else {}, **kw)

        def put(self, path: str, data: Any = None, **kw: Any) -> Any:
            return self.request("PUT", path, data if data is not None else {}, **kw)

        def delete(self, path: str, **kw: Any) -> Any:
            return self.request("DELETE", path, **kw)

    return BackendClient()


@pytest.fixture
def clerk(live_server: Any, secret_key: str) -> Any:
    from clerk_backend_api import Clerk

    with Clerk(bearer_auth=secret_key, server_url=live_server.url + BASE) as sdk:
        yield sdk


def error_code(exc: Any) -> str:
    """The first Clerk error code carried by the SDK's ``ClerkErrors`` (or, for statuses an
    operation's SDK method does not map to ``ClerkErrors``, by the ``SDKError`` body)."""
    if hasattr(exc, "data"):
        return exc.data.errors[0].code
    import json

    return json.loads(exc.body)["errors"][0]["code"]
