"""Backend API secret keys: create (raw key returned once), verify, revoke.

Raw keys are ``sk_test_`` or ``sk_live_`` followed by 43 base62 characters (256 bits from the
CSPRNG). Because they carry that much entropy a plain SHA-256 digest is a safe thing to store
and look up by (no salt or slow hash needed, and unlike an HMAC with ``SECRET_KEY`` it survives
a rotation of the Django secret). ``last_used_at`` is written at most once per
``LAST_USED_RESOLUTION`` seconds per key, by a conditional UPDATE, so busy keys do not cost a
write on every request.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone

from clerk_users import errors
from clerk_users.ids import ALPHABET
from clerk_users.models import SecretKey
from clerk_users.models.prepared import PreparedQuery

KEY_PREFIXES = {"test": "sk_test_", "live": "sk_live_"}
RANDOM_LENGTH = 43
VISIBLE_RANDOM_CHARS = 4
LAST_USED_RESOLUTION = 60


def digest(raw_key: str) -> str:
    return hashlib.sha256(raw_key.encode("utf-8", "surrogatepass")).hexdigest()


def looks_like_key(raw_key: Any) -> bool:
    return isinstance(raw_key, str) and raw_key.startswith(tuple(KEY_PREFIXES.values()))


def create_secret_key(name: str, environment: str = "test") -> tuple[SecretKey, str]:
    """Create a key named ``name``; return ``(key, raw_key)``. The raw key is not kept."""
    if not isinstance(name, str) or not name.strip():
        raise errors.param_missing("name")
    if environment not in KEY_PREFIXES:
        raise errors.format_invalid("environment", "environment must be 'test' or 'live'.")
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    raw_key = KEY_PREFIXES[environment] + body
    key = SecretKey.objects.create(
        name=name.strip()[:255],
        environment=environment,
        digest=digest(raw_key),
        visible_prefix=KEY_PREFIXES[environment] + body[:VISIBLE_RANDOM_CHARS],
    )
    return key, raw_key


def _active_by_digest(digest: str) -> Any:
    # ``[:1]`` without ORDER BY: the digest is unique.
    return SecretKey.objects.filter(digest=digest, revoked_at__isnull=True).order_by()[:1]


# Every Backend API request runs it: SQL compiled once, not per request (``PreparedQuery``).
_ACTIVE_BY_DIGEST = PreparedQuery(_active_by_digest, SecretKey, digest="digest")


def verify(raw_key: Any) -> SecretKey | None:
    """The active key matching ``raw_key``, or None (unknown, malformed or revoked)."""
    if not looks_like_key(raw_key) or len(raw_key) > 128:
        return None
    found = _ACTIVE_BY_DIGEST(digest=digest(raw_key))
    key = found[0] if found else None
    if key is not None:
        touch(key)
    return key


def touch(key: SecretKey) -> None:
    """Record a use, writing only when the stored time is older than the resolution."""
    now = timezone.now()
    if key.last_used_at is not None and now - key.last_used_at < timedelta(
        seconds=LAST_USED_RESOLUTION
    ):
        return
    threshold = now - timedelta(seconds=LAST_USED_RESOLUTION)
    SecretKey.objects.filter(pk=key.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=threshold)
    ).update(last_used_at=now)
    key.last_used_at = now


def revoke(key: SecretKey) -> SecretKey:
    """Revoke ``key``: every later request with it is 401. Revoking twice keeps the first time."""
    now = timezone.now()
    SecretKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(revoked_at=now)
    key.refresh_from_db(fields=["revoked_at"])
    return key
