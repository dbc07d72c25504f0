"""Clerk-style identifiers: a prefix, an underscore and 27 base62 characters.

The 27 characters encode a KSUID: 4 bytes of seconds since the KSUID epoch followed by 16
random bytes. Base62 of a fixed-width big-endian number keeps lexicographic order equal to
numeric order, so IDs sort by creation time (to the second) as Clerk's do, and they carry no
guessable sequence.
"""

from __future__ import annotations

import secrets
import time

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
KSUID_EPOCH = 1_400_000_000
ENCODED_LENGTH = 27

PREFIXES = {
    "user": "user",
    "identification": "idn",
    "external_account": "eac",
    "session": "sess",
    "session_activity": "sess_activity",
    "image": "img",
    "jwt_template": "jtmp",
    "secret_key": "sk",
    "client": "client",
    "sign_in": "sia",
    "sign_up": "sua",
}


def _encode(number: int) -> str:
    chars = []
    for _ in range(ENCODED_LENGTH):
        number, rem = divmod(number, 62)
        chars.append(ALPHABET[rem])
    return "".join(reversed(chars))


def ksuid(timestamp: float | None = None) -> str:
    """Return a 27-character base62 KSUID for ``timestamp`` (default: now)."""
    seconds = int(time.time() if timestamp is None else timestamp) - KSUID_EPOCH
    payload = secrets.token_bytes(16)
    number = int.from_bytes(seconds.to_bytes(4, "big") + payload, "big")
    return _encode(number)


def generate_id(prefix: str, timestamp: float | None = None) -> str:
    """Return ``<prefix>_<ksuid>``, e.g. ``user_2pWJyXhUeBv7BmXxVAnT0gW1Rr5``."""
    return f"{prefix}_{ksuid(timestamp)}"


def timestamp_of(value: str) -> int:
    """Return the Unix seconds encoded in a prefixed ID (raises ValueError when malformed)."""
    body = value.rsplit("_", 1)[-1]
    if len(body) != ENCODED_LENGTH:
        raise ValueError("not a Clerk-style id")
    number = 0
    for char in body:
        number = number * 62 + ALPHABET.index(char)
    return (number >> 128) + KSUID_EPOCH


def is_valid(value: object, prefix: str) -> bool:
    """Whether ``value`` looks like an ID with ``prefix`` (cheap check before a DB lookup)."""
    if not isinstance(value, str) or not value.startswith(prefix + "_"):
        return False
    body = value[len(prefix) + 1 :]
    return len(body) == ENCODED_LENGTH and all(c in ALPHABET for c in body)
