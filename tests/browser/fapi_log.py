"""Test-only middleware: records every Frontend API call the live server answers.

``tests/settings.py`` installs it; it records only while ``CALLS`` is a list (the browser
tests set it), so other tests pay one ``is None`` check. Each entry is
``(caller, method, path, status)``: ``caller`` is ``clerkjs`` for ClerkJS's own calls (they
all carry ``_clerk_js_version``) and ``other`` for the rest (images a page loads, requests the
tests make); the effective method (ClerkJS tunnels PATCH/DELETE through ``POST ?_method=``);
the path with ids replaced by ``{<prefix>_id}``.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from typing import Any

CALLS: list[tuple[str, str, str, int]] | None = None
_lock = threading.Lock()
PREFIX = "/api/frontend/"
ID = re.compile(r"/(sess|idn|eac|img|user|client|jtmp|totp|bcode|sia|sua)_[A-Za-z0-9]+")
TOKEN = re.compile(r"/(oauth/start|avatars)/.+$")


def template(path: str) -> str:
    path = ID.sub(lambda m: f"/{{{m.group(1)}_id}}", path)
    return TOKEN.sub(lambda m: f"/{m.group(1)}/...", path)


def record(request: Any, status: int) -> None:
    if CALLS is None or not request.path.startswith(PREFIX):
        return
    method = request.method
    override = request.GET.get("_method", "").upper()
    if method == "POST" and override in ("PATCH", "PUT", "DELETE"):
        method = override
    caller = "clerkjs" if "_clerk_js_version" in request.GET else "other"
    with _lock:
        CALLS.append((caller, method, template(request.path), status))


class FrontendCallLog:
    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        response = self.get_response(request)
        record(request, response.status_code)
        return response


_serial = threading.Lock()


class SerializeRequests:
    """During browser tests, the live server answers one request at a time: on SQLite the
    server threads share the test's single in-memory connection, and two overlapping page
    loads could interleave their transactions on it."""

    def __init__(self, get_response: Callable[[Any], Any]) -> None:
        self.get_response = get_response

    def __call__(self, request: Any) -> Any:
        if CALLS is None:
            return self.get_response(request)
        # Bounded: a request stuck in the server (a lock wait) fails the ones behind it
        # with a 503 the test reports, instead of stalling the browser without end.
        if not _serial.acquire(timeout=90):
            from django.http import HttpResponse

            return HttpResponse("the live server is stuck on an earlier request", status=503)
        try:
            return self.get_response(request)
        finally:
            _serial.release()
