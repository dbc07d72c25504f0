"""The site's publishable key, as ClerkJS needs it (contract §10).

A Clerk publishable key is ``pk_live_`` (or ``pk_test_``) followed by the base64 of
``"<frontend API host>$"``. With ``proxyUrl`` pointing at this site, ClerkJS never calls that
host, but it parses the key and refuses one whose decoded host has no dot. The key is
``CLERK_USERS["PUBLISHABLE_KEY"]`` when set (checked by the system check
``clerk_users.E070``), else derived from the request's host as ``clerk.<host>``, the form of
Clerk's own keys. ``python manage.py clerk_users_publishable_key`` prints it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.core.checks import Error, register
from django.http.request import split_domain_port

from clerk_users.app_settings import app_settings

PREFIXES = ("pk_live_", "pk_test_")


def encode(host: str, *, live: bool = True) -> str:
    """The publishable key for the frontend API ``host``."""
    raw = base64.b64encode(f"{host}$".encode()).decode()
    return f"{PREFIXES[0] if live else PREFIXES[1]}{raw}"


def decode(key: Any) -> str | None:
    """The frontend API host of ``key``, or None when it is not a valid publishable key."""
    if not isinstance(key, str) or not key.startswith(PREFIXES):
        return None
    body = key[len(PREFIXES[0]) :]
    try:
        text = base64.b64decode(body + "=" * (-len(body) % 4), validate=True).decode("ascii")
    except (binascii.Error, ValueError):
        return None
    if not text.endswith("$") or "$" in text[:-1]:
        return None
    host = text[:-1]
    if "." not in host or any(c.isspace() or c in "/?#@" for c in host):
        return None
    return host


def publishable_key(request: Any = None, host: str | None = None) -> str:
    """``CLERK_USERS["PUBLISHABLE_KEY"]``, else a ``pk_live_`` key for ``clerk.<host>``
    (``host`` or the request's, without its port)."""
    configured = app_settings.PUBLISHABLE_KEY
    if configured:
        return configured
    if host is None:
        host = request.get_host() if request is not None else "localhost"
    domain, _port = split_domain_port(host)
    return encode(f"clerk.{domain or 'localhost'}")


def instance_type(key: str) -> str:
    """Clerk's instance type for a key: ``development`` for ``pk_test_``."""
    return "development" if key.startswith("pk_test_") else "production"


@register()
def check_publishable_key(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """``CLERK_USERS["PUBLISHABLE_KEY"]``, when set, must be a key ClerkJS accepts."""
    configured = app_settings.PUBLISHABLE_KEY
    if configured is None or decode(configured) is not None:
        return []
    return [
        Error(
            "CLERK_USERS['PUBLISHABLE_KEY'] is not a publishable key ClerkJS accepts.",
            hint='Use "pk_live_" (or "pk_test_") + base64 of "<host with a dot>$", e.g. the '
            "output of `python manage.py clerk_users_publishable_key --host accounts.example.com`,"
            " or remove the setting to derive it from the request's host.",
            id="clerk_users.E070",
        )
    ]
