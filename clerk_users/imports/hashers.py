"""Verifiers for the password digests Clerk imports (``password_hasher`` of ``POST /users``).

Clerk's list (its OpenAPI ``PasswordHasher``): ``bcrypt``, ``bcrypt_sha256_django``, ``md5``,
``pbkdf2_sha1``, ``pbkdf2_sha256``, ``pbkdf2_sha256_django``, ``pbkdf2_sha512``,
``pbkdf2_sha512_hex``, ``phpass``, ``md5_phpass``, ``scrypt_firebase``, ``scrypt_werkzeug``,
``sha256``, ``ldap_ssha``, ``argon2i``, ``argon2id`` (and ``sha512_symfony``, whose digest
layout Clerk does not publish: refused, see README "Leaving Clerk").

An imported digest is stored as ``clerk_<hasher>$<digest>`` in ``User.password``. Only
``clerk_users.passwords.check_password`` (which ``User.check_password`` calls, so the admin,
allauth and both APIs) reads it: on the first successful check the password is re-hashed with
the site's first ``PASSWORD_HASHERS`` entry. Nothing here ever makes a new digest. The
primitives are the standard library's (``hashlib.pbkdf2_hmac``, ``hashlib.scrypt``), the
``bcrypt`` and ``argon2-cffi`` packages and ``cryptography`` (AES for Firebase's scrypt).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable

PREFIX = "clerk_"

_B64 = r"[A-Za-z0-9+/]+={0,2}"
_B64_URL = r"[A-Za-z0-9+/_-]+={0,2}"
_HEX = r"[0-9a-fA-F]+"
_ITOA64 = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"

# hasher -> (the digest's shape, how Clerk documents it)
FORMATS: dict[str, tuple[re.Pattern[str], str]] = {
    "bcrypt": (
        re.compile(r"\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}"),
        "$2a$|$2b$|$2y$, a two-digit cost, then 53 characters of salt and hash",
    ),
    "bcrypt_sha256_django": (
        re.compile(r"bcrypt_sha256\$\$2[aby]\$[0-9]{2}\$[./A-Za-z0-9]{53}"),
        "bcrypt_sha256$$2b$<cost>$<salt and hash> (as exported from Django)",
    ),
    "md5": (re.compile(r"[0-9a-fA-F]{32}"), "32 hexadecimal characters"),
    "sha256": (re.compile(r"[0-9a-fA-F]{64}"), "64 hexadecimal characters"),
    "pbkdf2_sha256": (
        re.compile(rf"pbkdf2_sha256\$[0-9]{{1,9}}\${_B64}\${_B64}"),
        "pbkdf2_sha256$<iterations>$<base64 salt>$<base64 hash>",
    ),
    "pbkdf2_sha256_django": (
        re.compile(rf"pbkdf2_sha256\$[0-9]{{1,9}}\$[^$]+\${_B64}"),
        "pbkdf2_sha256$<iterations>$<salt>$<base64 hash> (as exported from Django)",
    ),
    "pbkdf2_sha1": (
        re.compile(rf"pbkdf2_sha1\$[0-9]{{1,9}}\$[^$]+\${_HEX}"),
        "pbkdf2_sha1$<iterations>$<salt>$<hex hash>",
    ),
    "pbkdf2_sha512": (
        re.compile(rf"pbkdf2_sha512\$[0-9]{{1,9}}\${_B64}\${_B64}"),
        "pbkdf2_sha512$<iterations>$<base64 salt>$<base64 hash>",
    ),
    "pbkdf2_sha512_hex": (
        re.compile(rf"pbkdf2_sha512\$[0-9]{{1,9}}\${_HEX}\${_HEX}"),
        "pbkdf2_sha512$<iterations>$<hex salt>$<hex hash>",
    ),
    "phpass": (
        re.compile(r"\$[PH]\$[./0-9A-Za-z]{31}"),
        "$P$ or $H$, a cost character, 8 characters of salt, 22 of hash (34 in all)",
    ),
    "md5_phpass": (
        re.compile(r"\$[PH]\$[./0-9A-Za-z]{31}"),
        "the MD5 portable hash of phpass: $P$ or $H$ and 31 characters",
    ),
    "scrypt_firebase": (
        re.compile(rf"{_B64_URL}\${_B64_URL}\${_B64_URL}\${_B64_URL}\$[0-9]{{1,2}}\$[0-9]{{1,2}}"),
        "<hash>$<salt>$<signer key>$<salt separator>$<rounds>$<memory cost>",
    ),
    "scrypt_werkzeug": (
        re.compile(r"scrypt:[0-9]{1,9}:[0-9]{1,3}:[0-9]{1,3}\$[^$]+\$[0-9a-f]+"),
        "scrypt:<n>:<r>:<p>$<salt>$<hex hash> (as werkzeug's generate_password_hash)",
    ),
    "ldap_ssha": (
        re.compile(r"\{SSHA\}[A-Za-z0-9+/]+={0,2}"),
        "{SSHA} then base64 of SHA-1 digest and salt",
    ),
    "argon2i": (
        re.compile(
            r"\$argon2i\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
        ),
        "$argon2i$v=19$m=<memory>,t=<time>,p=<parallelism>$<salt>$<hash>",
    ),
    "argon2id": (
        re.compile(
            r"\$argon2id\$v=[0-9]+\$m=[0-9]+,t=[0-9]+,p=[0-9]+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+"
        ),
        "$argon2id$v=19$m=<memory>,t=<time>,p=<parallelism>$<salt>$<hash>",
    ),
}
SUPPORTED = tuple(FORMATS)

# Bounds that keep one verification cheap enough for a sign-in (and refuse absurd imports).
MAX_PBKDF2_ITERATIONS = 10_000_000
MAX_SCRYPT_N = 2**20


class MalformedDigest(ValueError):
    """The digest does not have the layout its hasher needs (message says which)."""


def _b64(value: str) -> bytes:
    value = value.replace("-", "+").replace("_", "/")
    return base64.b64decode(value + "=" * (-len(value) % 4), validate=True)


def validate(hasher: str, digest: str) -> None:
    """Raise ``MalformedDigest`` unless ``digest`` can be checked with ``hasher``."""
    pattern, description = FORMATS[hasher]
    if not pattern.fullmatch(digest):
        raise MalformedDigest(f"password_digest is not a {hasher} digest ({description}).")
    try:
        _parameters_ok(hasher, digest)
    except (ValueError, binascii.Error) as exc:
        raise MalformedDigest(f"password_digest is not a valid {hasher} digest: {exc}") from None


def _parameters_ok(hasher: str, digest: str) -> None:
    if hasher.startswith("pbkdf2"):
        iterations = int(digest.split("$")[1])
        if not 1 <= iterations <= MAX_PBKDF2_ITERATIONS:
            raise ValueError(f"iterations must be between 1 and {MAX_PBKDF2_ITERATIONS}")
        if hasher in ("pbkdf2_sha256", "pbkdf2_sha512"):
            _b64(digest.split("$")[2]), _b64(digest.split("$")[3])
        if hasher == "pbkdf2_sha512_hex":
            bytes.fromhex(digest.split("$")[2]), bytes.fromhex(digest.split("$")[3])
    elif hasher == "scrypt_firebase":
        parts = digest.split("$")
        for part in parts[:4]:
            _b64(part)
        rounds, memory_cost = int(parts[4]), int(parts[5])
        if not (1 <= rounds <= 32 and 1 <= memory_cost <= 20):
            raise ValueError("rounds must be 1..32 and memory cost 1..20")
    elif hasher == "scrypt_werkzeug":
        n, r, p = (int(x) for x in digest.split("$")[0].split(":")[1:])
        if n < 2 or n & (n - 1) or n > MAX_SCRYPT_N or not (1 <= r <= 64 and 1 <= p <= 16):
            raise ValueError("n must be a power of two up to 2**20, r 1..64, p 1..16")
    elif hasher == "ldap_ssha":
        if len(_b64(digest[6:])) <= 20:
            raise ValueError("no salt after the SHA-1 digest")
    elif hasher in ("phpass", "md5_phpass"):
        if not 7 <= _ITOA64.index(digest[3]) <= 30:
            raise ValueError("the cost character is out of range")


def encoded(hasher: str, digest: str) -> str:
    """The ``User.password`` value for an imported digest (after ``validate``)."""
    return f"{PREFIX}{hasher}${digest}"


def split(stored: str) -> tuple[str, str] | None:
    """``(hasher, digest)`` of a stored imported digest, or None for anything else."""
    if not stored.startswith(PREFIX):
        return None
    hasher, sep, digest = stored[len(PREFIX) :].partition("$")
    return (hasher, digest) if sep and hasher in FORMATS else None


def verify(password: str, stored: str) -> bool:
    """Whether ``password`` matches the imported digest ``stored`` (``clerk_<hasher>$...``)."""
    parts = split(stored)
    if parts is None:
        return False
    hasher, digest = parts
    try:
        validate(hasher, digest)
        return VERIFIERS[hasher](password.encode(), digest)
    except (MalformedDigest, ValueError, binascii.Error):
        return False


def _eq(a: bytes | str, b: bytes | str) -> bool:
    if isinstance(a, str):
        a = a.encode()
    if isinstance(b, str):
        b = b.encode()
    return hmac.compare_digest(a, b)


def _bcrypt(password: bytes, digest: str) -> bool:
    import bcrypt

    if len(password) > 72:  # bcrypt >= 5 refuses; Clerk's bcrypt ignores bytes past 72
        password = password[:72]
    return bcrypt.checkpw(password, digest.encode())


def _bcrypt_sha256_django(password: bytes, digest: str) -> bool:
    # Django's BCryptSHA256PasswordHasher: bcrypt of the hex SHA-256 of the password.
    return _bcrypt(hashlib.sha256(password).hexdigest().encode(), digest[len("bcrypt_sha256$") :])


def _pbkdf2(name: str, salt_decode: Callable[[str], bytes], hash_decode: Callable[[str], bytes]):  # type: ignore[no-untyped-def]
    def check(password: bytes, digest: str) -> bool:
        _, iterations, salt, expected = digest.split("$")
        want = hash_decode(expected)
        got = hashlib.pbkdf2_hmac(name, password, salt_decode(salt), int(iterations), len(want))
        return _eq(got, want)

    return check


def _phpass(password: bytes, digest: str) -> bool:
    count = 1 << _ITOA64.index(digest[3])
    salt = digest[4:12].encode()
    value = hashlib.md5(salt + password).digest()
    for _ in range(count):
        value = hashlib.md5(value + password).digest()
    return _eq(digest[:12] + _phpass_encode64(value), digest)


def _phpass_encode64(data: bytes) -> str:
    out, i, count = [], 0, len(data)
    while i < count:
        value = data[i]
        i += 1
        out.append(_ITOA64[value & 0x3F])
        if i < count:
            value |= data[i] << 8
        out.append(_ITOA64[(value >> 6) & 0x3F])
        if i >= count:
            break
        i += 1
        if i < count:
            value |= data[i] << 16
        out.append(_ITOA64[(value >> 12) & 0x3F])
        if i >= count:
            break
        i += 1
        out.append(_ITOA64[(value >> 18) & 0x3F])
    return "".join(out)


def _scrypt_firebase(password: bytes, digest: str) -> bool:
    from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

    hash_b64, salt, signer_key, separator, rounds, memory_cost = digest.split("$")
    key = hashlib.scrypt(
        password,
        salt=_b64(salt) + _b64(separator),
        n=1 << int(memory_cost),
        r=int(rounds),
        p=1,
        dklen=32,
        maxmem=256 * 1024 * 1024,
    )
    encryptor = Cipher(algorithms.AES(key), modes.CTR(b"\x00" * 16)).encryptor()
    signed = encryptor.update(_b64(signer_key)) + encryptor.finalize()
    return _eq(signed, _b64(hash_b64))


def _scrypt_werkzeug(password: bytes, digest: str) -> bool:
    method, salt, expected = digest.split("$")
    n, r, p = (int(x) for x in method.split(":")[1:])
    got = hashlib.scrypt(
        password, salt=salt.encode(), n=n, r=r, p=p, maxmem=132 * n * r * p, dklen=64
    )
    return _eq(got.hex(), expected)


def _ldap_ssha(password: bytes, digest: str) -> bool:
    raw = _b64(digest[6:])
    return _eq(hashlib.sha1(password + raw[20:]).digest(), raw[:20])


def _argon2(password: bytes, digest: str) -> bool:
    import argon2

    try:
        return bool(argon2.PasswordHasher().verify(digest, password))
    except argon2.exceptions.VerificationError:
        return False
    except argon2.exceptions.InvalidHashError as exc:
        raise ValueError(str(exc)) from None


VERIFIERS: dict[str, Callable[[bytes, str], bool]] = {
    "bcrypt": _bcrypt,
    "bcrypt_sha256_django": _bcrypt_sha256_django,
    "md5": lambda pw, d: _eq(hashlib.md5(pw).hexdigest(), d.lower()),
    "sha256": lambda pw, d: _eq(hashlib.sha256(pw).hexdigest(), d.lower()),
    "pbkdf2_sha256": _pbkdf2("sha256", _b64, _b64),
    "pbkdf2_sha256_django": _pbkdf2("sha256", str.encode, _b64),
    "pbkdf2_sha1": _pbkdf2("sha1", str.encode, bytes.fromhex),
    "pbkdf2_sha512": _pbkdf2("sha512", _b64, _b64),
    "pbkdf2_sha512_hex": _pbkdf2("sha512", bytes.fromhex, bytes.fromhex),
    "phpass": _phpass,
    "md5_phpass": _phpass,
    "scrypt_firebase": _scrypt_firebase,
    "scrypt_werkzeug": _scrypt_werkzeug,
    "ldap_ssha": _ldap_ssha,
    "argon2i": _argon2,
    "argon2id": _argon2,
}
