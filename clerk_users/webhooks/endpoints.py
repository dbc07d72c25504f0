"""Endpoint rules (one place for the admin, the command and the Python API): the URL must
be http(s) and must not point back at this site (a loop: each delivery would be a request to
the site, which may emit more events), nor at an internal address (loopback, private,
link-local such as cloud metadata, unspecified: a staff user would read internal services
through the stored answer excerpts) unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``; the event
filter names known events, the secret is a fresh ``whsec_`` and a rotation keeps the old one
signing for 24 h, as Svix does. Host names are checked when delivering
(:func:`is_internal_address` on the connected peer, see ``delivery``)."""

from __future__ import annotations

import ipaddress
import socket
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.http.request import split_domain_port, validate_host
from django.urls import Resolver404, resolve
from django.utils import timezone

from clerk_users.app_settings import app_settings
from clerk_users.webhooks import events, signing

ROTATION_OVERLAP = timedelta(hours=24)
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1", "[::1]"}


def _points_at_this_site(url: str, site_host: str | None) -> bool:
    """A URL this site would serve: its host is one of the site's (the request's host, or a
    non-wildcard ``ALLOWED_HOSTS`` entry) and its path resolves in the site's URLconf."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if host in {h.lower() for h in app_settings.WEBHOOK_ALLOWED_HOSTS}:
        return False
    same_host = False
    if site_host:
        site_domain, site_port = split_domain_port(site_host.lower())
        url_port = str(parts.port or "") if parts.port else ""
        same_host = host == site_domain and (not site_port or url_port == site_port)
        if site_domain in LOOPBACK_NAMES and host in LOOPBACK_NAMES:
            same_host = same_host or (bool(site_port) and url_port == site_port)
    patterns = [h for h in settings.ALLOWED_HOSTS if h != "*"]
    if not same_host and not (patterns and validate_host(host, patterns)):
        return False
    try:
        resolve(parts.path or "/")
    except Resolver404:
        return False
    return True


def is_internal_address(address: str) -> bool:
    """Whether an IP address is one a webhook may not reach: anything not globally routable
    (loopback, private, link-local, unspecified, shared, reserved) or multicast, also in its
    IPv4-mapped IPv6 form (``::ffff:127.0.0.1``)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return True  # not an address we can judge: refuse
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return not ip.is_global or ip.is_multicast


def _literal_addresses(host: str) -> list[str] | None:
    """The addresses of ``host`` when it is a numeric literal (also the legacy forms such as
    ``2130706433`` or ``0x7f.1`` that the resolver accepts), without any DNS lookup; None for
    a name."""
    try:
        found = socket.getaddrinfo(host, None, flags=socket.AI_NUMERICHOST)
    except (socket.gaierror, UnicodeError, ValueError):
        return None
    return [str(info[4][0]) for info in found]


def _names_internal_host(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    addresses = _literal_addresses(host)
    return bool(addresses) and any(is_internal_address(a) for a in addresses or [])


def validate_url(url: Any, *, site_host: str | None = None) -> str:
    if not isinstance(url, str) or not url.strip():
        raise ValidationError("Enter the URL of the receiver.", code="url_required")
    url = url.strip()
    scheme = urlsplit(url).scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError("Only http:// and https:// URLs can receive webhooks.", code="scheme")
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError("Enter a valid http(s) URL.", code="invalid_url")
    if _points_at_this_site(url, site_host):
        raise ValidationError(
            "This URL points at this site itself: each delivery would call the site back "
            "(a loop). Use a receiver on another host or port.",
            code="loop",
        )
    if not app_settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES and _names_internal_host(url):
        raise ValidationError(
            "This URL names a loopback, private, link-local or unspecified address: webhooks "
            "go to public receivers only (set WEBHOOK_ALLOW_PRIVATE_ADDRESSES to allow it).",
            code="private_address",
        )
    return url


def validate_event_types(value: Any) -> list[str]:
    if value in (None, "", []):
        return []
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValidationError("Events must be a list of event names.", code="events")
    unknown = sorted(set(value) - set(events.EVENT_TYPES))
    if unknown:
        raise ValidationError(
            f"Unknown event(s): {', '.join(unknown)}. Known: {', '.join(events.EVENT_TYPES)}.",
            code="events",
        )
    return sorted(set(value), key=events.EVENT_TYPES.index)


def create_endpoint(
    url: str,
    *,
    event_types: Any = None,
    description: str = "",
    site_host: str | None = None,
) -> Any:
    from clerk_users.models import WebhookEndpoint

    endpoint = WebhookEndpoint(
        url=validate_url(url, site_host=site_host),
        event_types=validate_event_types(event_types),
        description=description,
        secret=signing.generate_secret(),
    )
    endpoint.save(force_insert=True)
    return endpoint


def rotate_secret(endpoint: Any) -> str:
    """A new secret; the old one keeps signing (second signature) for 24 hours."""
    with transaction.atomic():
        endpoint.previous_secret = endpoint.secret
        endpoint.previous_secret_expires_at = timezone.now() + ROTATION_OVERLAP
        endpoint.secret = signing.generate_secret()
        endpoint.save(
            update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"]
        )
    return str(endpoint.secret)


def signing_secrets(endpoint: Any, now: Any = None) -> list[str]:
    now = now or timezone.now()
    found = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        found.append(endpoint.previous_secret)
    return found


def set_enabled(endpoint: Any, enabled: bool, reason: str = "") -> None:
    endpoint.enabled = enabled
    endpoint.disabled_reason = "" if enabled else reason
    fields = ["enabled", "disabled_reason", "updated_at"]
    if enabled:
        endpoint.failing_since = None
        fields.append("failing_since")
    endpoint.save(update_fields=fields)
