"""Shared helpers of the session/token tests: RSA keys generated once per test run."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from functools import lru_cache
from typing import Any

import pytest

from clerk_users.sessions import signing_keys


@lru_cache(maxsize=4)
def pem(index: int = 0) -> str:
    """A 2048-bit RSA private key in PEM (one per index, generated once)."""
    return signing_keys.generate_private_key_pem()


def public_key(index: int = 0) -> Any:
    return signing_keys.load_private_key(pem(index)).public_key()


def public_pem(index: int = 0) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return public_key(index).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header: dict[str, Any], claims: dict[str, Any], secret: bytes = b"") -> str:
    """A JWT with any header, HMAC-SHA256-signed with ``secret`` (or unsigned when empty)."""
    head = b64(json.dumps(header).encode())
    body = b64(json.dumps(claims).encode())
    signing_input = f"{head}.{body}".encode()
    if not secret:
        return f"{head}.{body}."
    signature = hmac.new(secret, signing_input, hashlib.sha256).digest()
    return f"{head}.{body}.{b64(signature)}"


@pytest.fixture
def settings_keys(settings: Any) -> list[str]:
    """Sign with a settings key (fast: no key generation per test)."""
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": [pem(0)]}
    signing_keys.clear_cache()
    yield settings.CLERK_USERS["SIGNING_KEYS"]
    signing_keys.clear_cache()


def make_session(user: Any, **fields: Any) -> Any:
    from clerk_users.sessions import lifecycle as sessions

    session = sessions.create_session(user)
    for name, value in fields.items():
        setattr(session, name, value)
    if fields:
        session.save()
    return session
