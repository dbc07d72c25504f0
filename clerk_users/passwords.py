"""Passwords and lockout (contract §3).

Passwords go through Django's hashers and ``AUTH_PASSWORD_VALIDATORS``. Users imported with a
``password_digest`` of any hasher of Clerk's list keep signing in: the digest is stored as
``clerk_<hasher>$<digest>``, checked here by ``clerk_users.imports.hashers`` (whatever
``PASSWORD_HASHERS`` holds) and upgraded to the site's first hasher on the next successful
sign-in. (Digests imported before this stored bcrypt as Django's ``bcrypt$``, which Django's
``BCryptPasswordHasher`` still checks.) Every failed check counts
toward the lockout: ``LOCKOUT_MAX_ATTEMPTS`` failures lock the user for ``LOCKOUT_DURATION``.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import password_validation
from django.contrib.auth.hashers import check_password as django_check_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from clerk_users import errors, lockout
from clerk_users.app_settings import app_settings
from clerk_users.imports import hashers

SUPPORTED_DIGESTS = hashers.SUPPORTED


def validate_new_password(password: Any, user: Any = None, param: str = "password") -> str:
    if not isinstance(password, str) or not password:
        raise errors.param_missing(param)
    try:
        password_validation.validate_password(password, user)
    except ValidationError as exc:
        codes = {e.code for e in exc.error_list}
        if "password_too_short" in codes:
            code = "form_password_length_too_short"
        elif "password_too_common" in codes:
            code = "form_password_pwned"
        else:
            code = "form_password_validation_failed"
        raise errors.ClerkError(
            code, "is invalid", long_message=" ".join(exc.messages), param_name=param
        )
    return password


def set_password(user: Any, password: str, *, skip_checks: bool = False, save: bool = True) -> None:
    if not skip_checks:
        validate_new_password(password, user)
    elif not isinstance(password, str) or not password:
        raise errors.param_missing("password")
    user.set_password(password)
    if save:
        user.save(update_fields=["password", "password_last_updated_at", "updated_at"])


def refuse_password_and_digest(password: Any, digest: Any) -> None:
    """Clerk documents ``password`` and ``password_digest`` as alternatives, not what happens
    when both are sent: refuse the pair rather than silently drop one of them."""
    if password is not None and digest is not None:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="Send either password or password_digest, not both.",
            param_name="password_digest",
        )


def import_digest(user: Any, digest: Any, hasher: Any) -> None:
    """Store a password digest exported from Clerk (or anything Clerk imports from), refusing
    an unknown hasher or a digest that is not of its hasher's layout, with the hasher named."""
    if hasher not in SUPPORTED_DIGESTS:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"password_hasher must be one of: {', '.join(SUPPORTED_DIGESTS)}.",
            param_name="password_hasher",
        )
    if not isinstance(digest, str) or not digest:
        raise errors.format_invalid("password_digest", f"password_digest ({hasher}) is missing.")
    try:
        hashers.validate(hasher, digest)
    except hashers.MalformedDigest as exc:
        raise errors.format_invalid("password_digest", str(exc)) from None
    encoded = hashers.encoded(hasher, digest)
    if len(encoded) > type(user)._meta.get_field("password").max_length:
        raise errors.format_invalid("password_digest", f"password_digest ({hasher}) is too long.")
    user.password = encoded
    user.password_last_updated_at = timezone.now()


def check_password(user: Any, raw_password: str, *, count_failure: bool = True) -> bool:
    """Check ``raw_password`` under the lockout (``clerk_users.lockout``): the attempt is
    counted before the comparison, a success resets only the password counter, and a locked
    user's password is not even compared (False)."""

    def setter(raw: str) -> None:
        user.set_password(raw)
        user._password = None  # a rehash is no password change (sessions stay)
        type(user).objects.filter(pk=user.pk).update(password=user.password)

    def compare() -> bool:
        if hashers.split(user.password or "") is not None:
            # An imported digest: checked by its own verifier, then re-hashed with the site's
            # first hasher (the upgrade Django does for its own hashers' ``must_update``).
            ok = isinstance(raw_password, str) and hashers.verify(raw_password, user.password)
            if ok:
                setter(raw_password)
            return bool(ok)
        try:
            return bool(django_check_password(raw_password, user.password, setter))
        except ValueError:  # bcrypt>=5 refuses passwords over 72 bytes
            return False

    if not count_failure or not user.pk:
        return compare()
    return lockout.check(user, lockout.PASSWORD, compare)


def record_failed_attempt(user: Any, factor: str = "code") -> None:
    """Count a failed attempt checked elsewhere (``lockout.record_failure``)."""
    lockout.record_failure(user, factor)


def lock(user: Any, *, duration: int | None = None) -> Any:
    now = timezone.now()
    seconds = app_settings.LOCKOUT_DURATION if duration is None else duration
    user.locked_at = now
    user.lockout_expires_at = now + timedelta(seconds=seconds) if seconds else None
    user.save(update_fields=["locked_at", "lockout_expires_at", "updated_at"])
    return user


def unlock(user: Any) -> Any:
    user.locked_at = None
    user.lockout_expires_at = None
    user.failed_verification_attempts = 0
    user.failed_code_attempts = 0
    user.save(
        update_fields=[
            "locked_at",
            "lockout_expires_at",
            "failed_verification_attempts",
            "failed_code_attempts",
            "updated_at",
        ]
    )
    return user
