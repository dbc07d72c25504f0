"""Redirect URL checks: same origin as the request, or listed in ALLOWED_REDIRECT_ORIGINS."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from clerk_users.app_settings import app_settings


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` of an absolute http(s) URL, else None (tricks included)."""
    if not isinstance(url, str) or not url or any(c in url for c in "\\\r\n\t\x00 "):
        return None
    parts = urlsplit(url)
    if (
        parts.scheme not in ("http", "https")
        or not parts.hostname
        or not url.startswith(f"{parts.scheme}://")
    ):
        return None
    if parts.username or parts.password:
        return None
    try:
        port = f":{parts.port}" if parts.port else ""
    except ValueError:  # "http://host:3000.evil.example": not a port
        return None
    return f"{parts.scheme}://{parts.hostname.lower()}{port}"


def is_allowed_redirect(url: str, request: Any = None) -> bool:
    origin = origin_of(url)
    if origin is None:
        return False
    allowed = {o.rstrip("/").lower() for o in app_settings.ALLOWED_REDIRECT_ORIGINS}
    if request is not None:
        allowed.add(f"{request.scheme}://{request.get_host()}".lower())
    return origin in allowed
