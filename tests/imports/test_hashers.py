"""Every ``password_hasher`` of Clerk's list with a Python implementation: imported through
``POST /users`` (Clerk's Python SDK), signs in with the original password (Django's
``authenticate``, so the admin and allauth too), and is upgraded to the site's hasher."""

from __future__ import annotations

from typing import Any

import pytest
from clerk_backend_api import models
from django.contrib.auth import authenticate

from clerk_users import errors, passwords
from clerk_users.imports import hashers
from clerk_users.models import User
from tests.imports.vectors import digests

ALL = digests()


def test_every_clerk_hasher_has_a_vector() -> None:
    assert set(ALL) == set(hashers.SUPPORTED) == set(passwords.SUPPORTED_DIGESTS)


@pytest.mark.django_db
@pytest.mark.parametrize("hasher", sorted(ALL))
def test_imported_digest_signs_in_and_is_upgraded(hasher: str) -> None:
    password, digest = ALL[hasher]
    user = User.objects.create_user(f"u_{hasher}", password_digest=digest, password_hasher=hasher)
    assert user.password == f"clerk_{hasher}${digest}" and user.has_usable_password()
    assert authenticate(username=f"u_{hasher}", password=password + "x") is None
    signed_in = authenticate(username=f"u_{hasher}", password=password)
    assert signed_in is not None and signed_in.pk == user.pk
    user.refresh_from_db()
    assert user.password.startswith("md5$")  # the site's first PASSWORD_HASHERS entry
    assert user.failed_verification_attempts == 0
    assert authenticate(username=f"u_{hasher}", password=password) is not None


@pytest.mark.django_db(transaction=True)
def test_create_user_through_the_sdk_with_each_hasher(clerk: Any) -> None:
    for hasher, (password, digest) in sorted(ALL.items()):
        created = clerk.users.create(
            username=f"sdk_{hasher}", password_digest=digest, password_hasher=hasher
        )
        assert created.password_enabled is True
        verified = clerk.users.verify_password(user_id=created.id, password=password)
        assert verified.verified is True
        assert User.objects.get(pk=created.id).password.startswith("md5$")


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(
    "hasher, digest",
    [
        ("md5", "5f4dcc3b5aa765d61d8327deb882cf9"),  # 31 hex digits
        ("bcrypt", "$2b$04$short"),
        ("pbkdf2_sha256", "pbkdf2_sha256$0$c2FsdA==$aGFzaA=="),  # 0 iterations
        ("pbkdf2_sha512_hex", "pbkdf2_sha512$1000$zz$00"),
        ("scrypt_firebase", "a$b$c$d$99$14"),
        ("scrypt_werkzeug", "scrypt:1000:8:1$salt$00"),  # n not a power of two
        ("ldap_ssha", "{SSHA}" + "A" * 27 + "="),  # a SHA-1 digest with no salt
        ("argon2id", "$argon2i$v=19$m=8,t=1,p=1$c2FsdA$aGFzaA"),
        ("phpass", "$P$" + "." * 31),  # cost character out of range
    ],
)
def test_malformed_digest_is_refused_with_the_hasher_named(
    clerk: Any, hasher: str, digest: str
) -> None:
    with pytest.raises(models.ClerkErrors) as info:
        clerk.users.create(username="bad_user", password_digest=digest, password_hasher=hasher)
    error = info.value.data.errors[0]
    assert error.code == "form_param_format_invalid" and hasher in error.long_message
    assert error.meta["param_name"] == "password_digest"
    assert info.value.raw_response.status_code == 422
    assert not User.objects.exists()


@pytest.mark.django_db
def test_unknown_hasher_is_refused() -> None:
    with pytest.raises(errors.ClerkError) as info:
        User.objects.create_user(
            "symfony_user", password_digest="abc", password_hasher="sha512_symfony"
        )
    assert info.value.clerk_code == "form_param_value_invalid"
    assert info.value.param_name == "password_hasher"


def test_a_stored_digest_that_is_not_ours_does_not_verify() -> None:
    assert not hashers.verify("pw", "clerk_nosuch$abc")
    assert not hashers.verify("pw", "md5$$abc")
    assert hashers.split("clerk_md5$abc") == ("md5", "abc")
