"""CSRF protection without a token, for ClerkJS (contract §10).

ClerkJS sends no CSRF token: it posts form bodies with the session cookie
(``credentials: "include"``). A browser always names the page that sent such a request, in
``Origin`` (every cross-origin request and every same-origin POST) and in
``Sec-Fetch-Site``. So a cookie-authenticated unsafe request is accepted when:

- its ``Origin`` is the site's own origin, one of ``CSRF_TRUSTED_ORIGINS`` or one of
  ``CLERK_USERS["ALLOWED_ORIGINS"]``; any other ``Origin`` (``null`` included) is refused,
  even with a valid CSRF token;
- it has no ``Origin`` and ``Sec-Fetch-Site: same-origin``;
- it has neither header (not a browser's fetch: a script, a test client): then Django's
  CSRF token is required, as before.

A refusal is Clerk's 403 ``csrf_token_invalid`` before any view code runs, so nothing changes.

Pages on an origin of ``CLERK_USERS["ALLOWED_ORIGINS"]`` (another host of the same site) also
get CORS headers with credentials, so ClerkJS there can read the answers; preflights (sent for
``setProfileImage`` with a string body) are answered before authentication.
"""

from __future__ import annotations

import fnmatch
from typing import Any

from django.conf import settings
from django.http import HttpResponse
from rest_framework import exceptions
from rest_framework.authentication import CSRFCheck

from clerk_users.app_settings import app_settings
from clerk_users.internal.urls import origin_of


class CSRFFailed(exceptions.PermissionDenied):
    """A Clerk-format 403 for a cookie-authenticated request from a foreign page."""

    clerk_code = "csrf_token_invalid"


def site_origin(request: Any) -> str:
    return f"{request.scheme}://{request.get_host()}".lower()


def _matches(origin: str, patterns: list[Any]) -> bool:
    for pattern in patterns:
        pattern = str(pattern).rstrip("/").lower()
        if origin == pattern or ("*" in pattern and fnmatch.fnmatchcase(origin, pattern)):
            return True
    return False


def allowed_origin(origin: str, request: Any) -> bool:
    """Whether a page of ``origin`` may act with the user's cookie."""
    normalized = origin_of(origin)
    if normalized is None:
        return False
    if normalized == site_origin(request):
        return True
    patterns = [*getattr(settings, "CSRF_TRUSTED_ORIGINS", []), *app_settings.ALLOWED_ORIGINS]
    return _matches(normalized, patterns)


def cors_origin(request: Any) -> str | None:
    """The request's ``Origin`` when it is one of ``ALLOWED_ORIGINS`` (not the site itself)."""
    raw = getattr(request, "_request", request)
    origin = raw.META.get("HTTP_ORIGIN")
    normalized = origin_of(origin) if origin else None
    if normalized is None or normalized == site_origin(raw):
        return None
    return origin if _matches(normalized, app_settings.ALLOWED_ORIGINS) else None


def add_cors_headers(request: Any, response: Any) -> Any:
    origin = cors_origin(request)
    if origin:
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Credentials"] = "true"
    if app_settings.ALLOWED_ORIGINS:
        response["Vary"] = ", ".join(filter(None, [response.get("Vary"), "Origin"]))
    return response


def is_preflight(request: Any) -> bool:
    return request.method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in request.META


def preflight_response(request: Any) -> HttpResponse:
    """204 to a CORS preflight; the CORS headers only for an allowed origin."""
    response = HttpResponse(status=204)
    if cors_origin(request):
        response["Access-Control-Allow-Methods"] = "GET, POST, PATCH, PUT, DELETE"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "600"
    return add_cors_headers(request, response)


def _django_csrf(request: Any) -> None:
    """Django's CSRF token check, as DRF's ``SessionAuthentication.enforce_csrf`` runs it."""

    def dummy_get_response(request: Any) -> Any:  # pragma: no cover
        return None

    check = CSRFCheck(dummy_get_response)
    check.process_request(request)
    reason = check.process_view(request, dummy_get_response, (), {})
    if reason:
        raise CSRFFailed(f"CSRF Failed: {reason}")


def check_origin(request: Any) -> None:
    """Refuse (403) an unsafe cookie request that a foreign page sent; see the module doc."""
    raw = getattr(request, "_request", request)
    if raw.method in ("GET", "HEAD", "OPTIONS", "TRACE"):
        return
    origin = raw.META.get("HTTP_ORIGIN")
    if origin is not None:
        if allowed_origin(origin, raw):
            return
        raise CSRFFailed(f"Requests from the origin {origin[:100]!r} are not allowed.")
    fetch_site = raw.META.get("HTTP_SEC_FETCH_SITE")
    if fetch_site == "same-origin":
        return
    if fetch_site is not None and fetch_site != "none":
        raise CSRFFailed("Cross-site requests are not allowed.")
    _django_csrf(raw)
