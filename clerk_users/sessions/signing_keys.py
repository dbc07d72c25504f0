"""RS256 signing keys for session tokens and the public JWKS (contract §8).

Production keys come from ``CLERK_USERS["SIGNING_KEYS"]``: a list of PEM private keys (or
``{"private_key": PEM, "retired_at": <unix seconds or ISO date>}`` dicts), the first one
active, the others retired but still published so tokens they signed keep verifying. Without
settings keys (development), a key is generated and stored in the database on first use, and
a system check warns when ``DEBUG`` is off. The ``kid`` of every key is its RFC 7638 JWK
thumbprint, so verifiers can pin it and two sites never collide by accident.

Loaded keys are cached in the process (parsing a PEM costs more than signing a token); the
cache is keyed by the settings value and cleared by ``rotate()``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from django.core.checks import Error, Warning, register
from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from jwt.algorithms import RSAAlgorithm

from clerk_users.app_settings import app_settings

ALGORITHM = "RS256"
# How long the process trusts its cached view of database keys (another process may rotate).
DB_CACHE_SECONDS = 30.0


@dataclass(frozen=True)
class LoadedKey:
    kid: str
    private_key: Any  # cryptography RSAPrivateKey, loaded once
    public_jwk: dict[str, Any]
    retired_at: float | None  # Unix seconds; None = active (or retired without a date)
    active: bool

    def published(self, now: float) -> bool:
        if self.active or self.retired_at is None:
            return True
        return now - self.retired_at < app_settings.SIGNING_KEY_RETIRED_PUBLISH_FOR


def thumbprint(jwk: dict[str, Any]) -> str:
    """RFC 7638 thumbprint: SHA-256 of the required members in lexicographic order."""
    members = {k: jwk[k] for k in ("e", "kty", "n")}
    canonical = json.dumps(members, separators=(",", ":"), sort_keys=True).encode()
    return base64.urlsafe_b64encode(hashlib.sha256(canonical).digest()).rstrip(b"=").decode()


def public_jwk_of(private_key: Any) -> dict[str, Any]:
    jwk = RSAAlgorithm.to_jwk(private_key.public_key(), as_dict=True)
    jwk = {"kty": "RSA", "n": jwk["n"], "e": jwk["e"]}
    return {"use": "sig", "kty": "RSA", "kid": thumbprint(jwk), "alg": ALGORITHM, **jwk}


def load_private_key(pem: str | bytes) -> Any:
    """Parse a PEM RSA private key (ValueError when it is not one of at least 2048 bits)."""
    data = pem.encode() if isinstance(pem, str) else pem
    key = serialization.load_pem_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey):
        raise ValueError("signing keys must be RSA private keys (RS256)")
    if key.key_size < 2048:
        raise ValueError("signing keys must have at least 2048 bits")
    return key


def generate_private_key_pem() -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def _retired_seconds(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, datetime):
        return value.timestamp()
    parsed = parse_datetime(str(value))
    if parsed is None:
        raise ValueError(f"retired_at {value!r} is not a date")
    return parsed.timestamp()


def _from_settings(entries: list[Any]) -> list[LoadedKey]:
    keys = []
    for index, entry in enumerate(entries):
        pem, retired = (
            (entry, None)
            if not isinstance(entry, dict)
            else (
                entry.get("private_key"),
                _retired_seconds(entry.get("retired_at")),
            )
        )
        private = load_private_key(pem or "")
        jwk = public_jwk_of(private)
        keys.append(LoadedKey(jwk["kid"], private, jwk, retired, active=index == 0))
    return keys


_lock = threading.Lock()
_cache: dict[str, Any] = {"settings": None, "keys": None, "db_loaded_at": 0.0}


def clear_cache() -> None:
    with _lock:
        _cache.update(settings=None, keys=None, db_loaded_at=0.0)


def _from_database() -> list[LoadedKey]:
    from clerk_users.models import SigningKey

    rows = list(SigningKey.objects.order_by("-created_at"))
    active = [r for r in rows if r.retired_at is None]
    if not active:
        with transaction.atomic():
            _create_db_key()
        rows = list(SigningKey.objects.order_by("-created_at"))
        active = [r for r in rows if r.retired_at is None]
    keys = []
    for row in rows:
        is_active = row is active[0]
        retired = None if is_active else (row.retired_at or timezone.now()).timestamp()
        keys.append(
            LoadedKey(
                row.kid, load_private_key(row.private_key), row.public_jwk, retired, is_active
            )
        )
    return keys


def _create_db_key() -> Any:
    from clerk_users.models import SigningKey

    pem = generate_private_key_pem()
    jwk = public_jwk_of(load_private_key(pem))
    return SigningKey.objects.create(kid=jwk["kid"], private_key=pem, public_jwk=jwk)


def all_keys() -> list[LoadedKey]:
    """Every known key, the active one first (cached in the process)."""
    entries = app_settings.SIGNING_KEYS
    marker = repr(entries)
    now = time.monotonic()
    cached = _cache["keys"]
    if cached is not None and _cache["settings"] == marker:
        if entries or now - _cache["db_loaded_at"] < DB_CACHE_SECONDS:
            return cached
    with _lock:
        keys = _from_settings(entries) if entries else _from_database()
        _cache.update(settings=marker, keys=keys, db_loaded_at=now)
    return keys


def active_key() -> LoadedKey:
    return all_keys()[0]


def published_keys() -> list[LoadedKey]:
    now = time.time()
    return [key for key in all_keys() if key.published(now)]


def jwks() -> dict[str, Any]:
    """The public JWKS: the active key and the recently retired ones, never a private part."""
    return {"keys": [dict(key.public_jwk) for key in published_keys()]}


def find_published(kid: str) -> LoadedKey | None:
    for key in published_keys():
        if key.kid == kid:
            return key
    return None


def rotate() -> tuple[str, str | None]:
    """Retire the active database key and create a new one; returns (new kid, old kid).

    Only for database keys: with ``SIGNING_KEYS`` configured, rotation is a settings change
    (put a new PEM first), see the ``clerk_users_rotate_signing_key`` command.
    """
    from clerk_users.models import SigningKey

    with transaction.atomic():
        current = list(SigningKey.objects.select_for_update().filter(retired_at__isnull=True))
        SigningKey.objects.filter(pk__in=[k.pk for k in current]).update(retired_at=timezone.now())
        new = _create_db_key()
    clear_cache()
    return new.kid, (current[0].kid if current else None)


@register()
def check_signing_keys(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from django.conf import settings

    entries = app_settings.get("SIGNING_KEYS")
    if not isinstance(entries, list | tuple):
        return [
            Error(
                'CLERK_USERS["SIGNING_KEYS"] must be a list of PEM private keys.',
                hint="The first key signs; keep retired keys after it for rotation.",
                id="clerk_users.E101",
            )
        ]
    if not entries:
        if settings.DEBUG:
            return []
        return [
            Warning(
                'CLERK_USERS["SIGNING_KEYS"] is empty: session tokens are signed with a key '
                "generated and stored in the database.",
                hint="Generate an RSA key (openssl genpkey -algorithm RSA -pkeyopt "
                'rsa_keygen_bits:2048) and put its PEM in CLERK_USERS["SIGNING_KEYS"].',
                id="clerk_users.W101",
            )
        ]
    try:
        _from_settings(list(entries))
    except (ValueError, TypeError) as exc:
        return [
            Error(
                f'CLERK_USERS["SIGNING_KEYS"] holds an unusable key: {exc}.',
                hint="Give PEM RSA private keys (2048 bits or more), unencrypted.",
                id="clerk_users.E102",
            )
        ]
    return []


@register()
def check_session_settings(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    """The other session/token settings: numbers in range, origins, the Firebase key shape,
    and the activity middleware (without it revocation relies on the session store alone)."""
    from django.conf import settings

    from clerk_users.internal.urls import origin_of

    problems: list[Any] = []
    ranges = {
        "ACTIVITY_THROTTLE": (0, 86400),
        "SESSION_ABANDON_AFTER": (1, 10 * 365 * 86400),
        "SIGNING_KEY_RETIRED_PUBLISH_FOR": (0, 365 * 86400),
        "JWKS_CACHE_MAX_AGE": (0, 86400),
        "TOKEN_CLOCK_SKEW": (0, 300),
        "TRUSTED_PROXY_COUNT": (1, 10),
    }
    for name, (low, high) in ranges.items():
        value = app_settings.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            problems.append(
                Error(
                    f'CLERK_USERS["{name}"] must be an integer from {low} to {high}, '
                    f"not {value!r}.",
                    hint="See the Settings table in the README.",
                    id="clerk_users.E103",
                )
            )
    for origin in app_settings.get("AUTHORIZED_PARTIES") or []:
        if origin_of(origin) is None:
            problems.append(
                Error(
                    f'CLERK_USERS["AUTHORIZED_PARTIES"] has {origin!r}, not an origin.',
                    hint='Give origins such as "https://app.example.com".',
                    id="clerk_users.E104",
                )
            )
    account = app_settings.FIREBASE_SERVICE_ACCOUNT
    if isinstance(account, dict) and not {"client_email", "private_key"} <= set(account):
        problems.append(
            Error(
                'CLERK_USERS["FIREBASE_SERVICE_ACCOUNT"] lacks client_email or private_key.',
                hint="Use the JSON key file of a Firebase service account (or its path).",
                id="clerk_users.E105",
            )
        )
    if "clerk_users.sessions.middleware.SessionActivityMiddleware" not in settings.MIDDLEWARE:
        problems.append(
            Warning(
                "SessionActivityMiddleware is not in MIDDLEWARE: session activity is not "
                "recorded and revocation relies on the session store alone.",
                hint='Add "clerk_users.sessions.middleware.SessionActivityMiddleware" after '
                "AuthenticationMiddleware.",
                id="clerk_users.W102",
            )
        )
    return problems
