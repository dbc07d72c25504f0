"""Passwords: Django validators, bcrypt digest import (upgraded on sign-in), lockout."""

from __future__ import annotations

from datetime import timedelta

import bcrypt
import pytest
from django.contrib.auth import authenticate
from django.utils import timezone

from clerk_users import passwords
from clerk_users.errors import ClerkError
from clerk_users.models import User
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def bcrypt_digest(password: str) -> str:
    return bcrypt.hashpw(password.encode(), bcrypt.gensalt(rounds=4)).decode()


@pytest.mark.parametrize(
    "password, code",
    [
        ("short", "form_password_length_too_short"),
        ("password123", "form_password_pwned"),
        ("84736251908", "form_password_validation_failed"),
        ("", "form_param_missing"),
    ],
)
def test_validators_refuse_weak_passwords(user, password, code):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        user.update(password=password)
    assert info.value.code == code
    assert info.value.param_name == "password"
    assert db_snapshot() == before


def test_create_user_validates_the_password():
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("shorty", "abc")
    assert info.value.code == "form_password_length_too_short"
    assert db_snapshot() == before


def test_update_password_sets_a_usable_hash(user):
    user.update(password="a brand new passphrase")
    user.refresh_from_db()
    assert user.password_enabled
    assert user.check_password("a brand new passphrase")
    assert user.password_last_updated_at is not None


def test_user_without_password():
    user = User.objects.create_user("nopass", email_address="nopass@example.com")
    assert not user.password_enabled
    assert authenticate(username="nopass", password="") is None


def test_bcrypt_digest_import_signs_in_and_is_upgraded():
    digest = bcrypt_digest("imported secret 1")
    user = User.objects.create_user(
        "imported",
        password_digest=digest,
        password_hasher="bcrypt",
        email_address="imported@example.com",
    )
    assert user.password == f"clerk_bcrypt${digest}"
    assert user.password_enabled
    signed_in = authenticate(username="imported", password="imported secret 1")
    assert signed_in is not None and signed_in.pk == user.pk
    user.refresh_from_db()
    assert user.password.startswith("md5$")  # upgraded to the site's preferred hasher
    assert authenticate(username="imported", password="imported secret 1") is not None
    assert authenticate(username="imported", password="wrong") is None


def test_bcrypt_digest_with_2a_prefix():
    digest = bcrypt_digest("secret two").replace("$2b$", "$2a$", 1)
    user = User.objects.create_user("twoa_user", password_digest=digest, password_hasher="bcrypt")
    assert user.check_password("secret two")


@pytest.mark.parametrize(
    "digest, hasher, code",
    [
        ("not-a-digest", "bcrypt", "form_param_format_invalid"),
        ("$2b$04$abc", "argon2", "form_param_value_invalid"),
        (None, "bcrypt", "form_param_format_invalid"),
    ],
)
def test_bad_digest_import_changes_nothing(digest, hasher, code):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("badhash", password_digest=digest, password_hasher=hasher)
    assert info.value.code == code
    assert db_snapshot() == before


def test_long_password_against_bcrypt_is_a_plain_failure():
    user = User.objects.create_user(
        "longpw", password_digest=bcrypt_digest("short one"), password_hasher="bcrypt"
    )
    assert user.check_password("x" * 200) is False


def test_ten_failures_lock_for_an_hour(user):
    for _ in range(9):
        assert authenticate(username=user.username, password="wrong password") is None
    user.refresh_from_db()
    assert user.failed_verification_attempts == 9
    assert not user.locked
    assert user.verification_attempts_remaining == 1
    assert authenticate(username=user.username, password="wrong password") is None
    user.refresh_from_db()
    assert user.locked
    assert not user.is_active
    assert user.verification_attempts_remaining == 0
    expected = timezone.now() + timedelta(hours=1)
    assert abs((user.lockout_expires_at - expected).total_seconds()) < 5
    assert 3590 <= user.lockout_expires_in_seconds <= 3600
    # Locked: even the right password does not sign in.
    assert authenticate(username=user.username, password=PASSWORD) is None


def test_lockout_expires_after_its_duration(user):
    for _ in range(10):
        user.check_password("wrong password")
    user.refresh_from_db()
    assert user.locked
    User.objects.filter(pk=user.pk).update(lockout_expires_at=timezone.now() - timedelta(seconds=1))
    user.refresh_from_db()
    assert not user.locked
    assert authenticate(username=user.username, password=PASSWORD) is not None


def test_success_resets_the_failure_count(user):
    for _ in range(5):
        user.check_password("wrong password")
    assert user.check_password(PASSWORD)
    user.refresh_from_db()
    assert user.failed_verification_attempts == 0


def test_lockout_settings_are_configurable(user, settings):
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "LOCKOUT_MAX_ATTEMPTS": 2,
        "LOCKOUT_DURATION": 60,
    }
    user.check_password("x")
    user.check_password("x")
    user.refresh_from_db()
    assert user.locked
    assert user.lockout_expires_in_seconds <= 60


def test_lock_and_unlock(user):
    passwords.lock(user)
    user.refresh_from_db()
    assert user.locked and not user.is_active
    assert authenticate(username=user.username, password=PASSWORD) is None
    passwords.unlock(user)
    user.refresh_from_db()
    assert not user.locked and user.is_active
    assert user.failed_verification_attempts == 0
    assert authenticate(username=user.username, password=PASSWORD) is not None


def test_lock_without_expiry_lasts_until_unlocked(user):
    passwords.lock(user, duration=0)
    user.refresh_from_db()
    assert user.locked and user.lockout_expires_at is None
    assert user.lockout_expires_in_seconds is None


def test_banned_user_cannot_authenticate(user):
    from clerk_users import users

    users.ban(user)
    assert authenticate(username=user.username, password=PASSWORD) is None
    users.unban(user)
    assert authenticate(username=user.username, password=PASSWORD) is not None


@pytest.mark.parametrize(
    "digest",
    [
        "$2a$10$abc",  # the prefix alone used to pass: a user who could never sign in
        "$2b$10$" + "a" * 52,
        "$2b$10$" + "a" * 54,
        "$2b$1$" + "a" * 53,
        "$2x$10$" + "a" * 53,
        "$2b$10$" + "a" * 52 + "!",
        " $2b$10$" + "a" * 53,
    ],
)
def test_malformed_bcrypt_digest_is_refused_and_changes_nothing(digest):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("badbcrypt", password_digest=digest, password_hasher="bcrypt")
    assert info.value.code == "form_param_format_invalid"
    assert info.value.param_name == "password_digest"
    assert db_snapshot() == before


def test_password_and_digest_together_are_refused(user):
    before = db_snapshot()
    digest = bcrypt_digest("imported secret 3")
    with pytest.raises(ClerkError) as info:
        User.objects.create_user(
            "bothpw", password="a fine password 1", password_digest=digest, password_hasher="bcrypt"
        )
    assert info.value.param_name == "password_digest"
    from clerk_users import users

    with pytest.raises(ClerkError) as info:
        users.update_user(
            user,
            {
                "password": "a fine password 1",
                "password_digest": digest,
                "password_hasher": "bcrypt",
            },
        )
    assert info.value.param_name == "password_digest"
    assert db_snapshot() == before
