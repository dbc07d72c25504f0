"""Password digests of every supported ``password_hasher``, each made by an implementation
other than ours (Django's own hashers, werkzeug, argon2-cffi, bcrypt) or published with its
algorithm (phpass's test vector, Firebase's scrypt README), or written from the documented
layout with ``hashlib``."""

from __future__ import annotations

import base64
import hashlib
import os

PASSWORD = "correct horse battery staple"
FIREBASE = (
    "user1password",
    "lSrfV15cpx95/sZS2W9c9Kp6i/LVgQNDNC/qzrCnh1SAyZvqmZqAjTdn3aoItz+VHjoZilo78198JAdRuid5lQ=="
    "$42xEC+ixf3L2lw=="
    "$jxspr8Ki0RYycVU8zykbdLGjFQ3McFUH0uiiTvC8pVMXAn210wjLNmdZJzxUECKbm0QsEmYUSDzZvpjeJ9WmXA=="
    "$Bw==$8$14",
)
PHPASS = ("test12345", "$P$9IQRaTwmfeRo7ud9Fh4E2PdI0S3r.L0")  # phpass's own test.php


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def digests(password: str = PASSWORD) -> dict[str, tuple[str, str]]:
    """hasher -> (password, digest)."""
    import argon2
    import bcrypt
    from django.contrib.auth.hashers import BCryptSHA256PasswordHasher, PBKDF2PasswordHasher
    from werkzeug.security import generate_password_hash

    raw = password.encode()
    salt = os.urandom(12)
    pbkdf2 = hashlib.pbkdf2_hmac
    return {
        "bcrypt": (password, bcrypt.hashpw(raw, bcrypt.gensalt(4)).decode()),
        "bcrypt_sha256_django": (
            password,
            BCryptSHA256PasswordHasher().encode(password, bcrypt.gensalt(4)),
        ),
        "md5": (password, hashlib.md5(raw).hexdigest()),
        "sha256": (password, hashlib.sha256(raw).hexdigest()),
        "pbkdf2_sha256": (
            password,
            f"pbkdf2_sha256$1000${_b64(salt)}${_b64(pbkdf2('sha256', raw, salt, 1000))}",
        ),
        "pbkdf2_sha256_django": (
            password,
            PBKDF2PasswordHasher().encode(password, "djangosalt", iterations=1000),
        ),
        "pbkdf2_sha1": (
            password,
            f"pbkdf2_sha1$1000$plainsalt${pbkdf2('sha1', raw, b'plainsalt', 1000).hex()}",
        ),
        "pbkdf2_sha512": (
            password,
            f"pbkdf2_sha512$1000${_b64(salt)}${_b64(pbkdf2('sha512', raw, salt, 1000))}",
        ),
        "pbkdf2_sha512_hex": (
            password,
            f"pbkdf2_sha512$1000${salt.hex()}${pbkdf2('sha512', raw, salt, 1000).hex()}",
        ),
        "phpass": PHPASS,
        "md5_phpass": PHPASS,
        "scrypt_firebase": FIREBASE,
        "scrypt_werkzeug": (password, generate_password_hash(password, "scrypt")),
        "ldap_ssha": (
            password,
            "{SSHA}" + _b64(hashlib.sha1(raw + salt).digest() + salt),
        ),
        "argon2i": (
            password,
            argon2.PasswordHasher(time_cost=1, memory_cost=1024, type=argon2.Type.I).hash(password),
        ),
        "argon2id": (
            password,
            argon2.PasswordHasher(time_cost=1, memory_cost=1024).hash(password),
        ),
    }
