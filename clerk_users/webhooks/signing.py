"""Signing as Svix signs (and Standard Webhooks, the same scheme under ``webhook-*`` names).

The secret is ``whsec_`` + base64 of random bytes; the HMAC key is the decoded bytes. The
signature is ``v1,`` + base64 of HMAC-SHA256 over ``"{msg_id}.{timestamp}.{body}"``;
several signatures are separated by spaces (after a rotation, the old secret signs too, so
receivers still holding it keep verifying). ``svix.webhooks.Webhook(secret).verify`` and
``@clerk/backend``'s ``verifyWebhook`` accept these headers unchanged (tests prove both).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Iterable

PREFIX = "whsec_"
SECRET_BYTES = 24  # what Svix generates


def generate_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a ``whsec_`` secret (a secret without the prefix is accepted too)."""
    raw = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    return base64.b64decode(raw)


def is_valid_secret(secret: str) -> bool:
    try:
        return secret.startswith(PREFIX) and len(secret_key(secret)) >= 16
    except ValueError:
        return False


def sign(secret: str, msg_id: str, timestamp: int, body: str) -> str:
    """One ``v1,<base64>`` signature."""
    content = f"{msg_id}.{timestamp}.{body}".encode()
    digest = hmac.new(secret_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    secrets_: Iterable[str], msg_id: str, body: str, timestamp: int | None = None
) -> dict[str, str]:
    """The request headers of one attempt: Svix's and Standard Webhooks' names, one
    signature per secret (current first)."""
    ts = int(time.time()) if timestamp is None else timestamp
    signature = " ".join(sign(s, msg_id, ts, body) for s in secrets_ if s)
    return {
        "svix-id": msg_id,
        "svix-timestamp": str(ts),
        "svix-signature": signature,
        "webhook-id": msg_id,
        "webhook-timestamp": str(ts),
        "webhook-signature": signature,
    }
