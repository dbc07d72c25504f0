"""Two-factor state and enrollment through ``allauth.mfa`` (the source of truth).

allauth's ``Authenticator`` rows say what is enabled (``totp``, ``recovery_codes``,
``webauthn``); its TOTP and recovery-code helpers check codes (constant-time comparison, a
TOTP code used once per window, recovery codes consumed under a row lock). This module adds
what Clerk's API needs around them: a pending enrollment (``POST /me/totp`` then
``attempt_verification``), backup code regeneration, admin removal, import of a TOTP secret
and backup codes exported from Clerk, and the user's ``mfa_enabled_at``/``mfa_disabled_at``.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any
from urllib.parse import quote, urlencode

from django.db import IntegrityError, transaction
from django.utils import timezone

from clerk_users import errors, ids, lockout

TOTP = "totp"
RECOVERY_CODES = "recovery_codes"
WEBAUTHN = "webauthn"


def _types(user: Any) -> set[str]:
    if not getattr(user, "pk", None):
        return set()
    from clerk_users.models import loading

    loaded = loading.authenticator_types(user)  # flags of ``with_identifiers()``
    if loaded is not None:
        return loaded
    cache = getattr(user, "_prefetched_objects_cache", {})
    if "authenticator_set" in cache:
        return {a.type for a in cache["authenticator_set"]}
    from allauth.mfa.models import Authenticator

    return set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))


def totp_enabled(user: Any) -> bool:
    return TOTP in _types(user)


def backup_code_enabled(user: Any) -> bool:
    return RECOVERY_CODES in _types(user)


def two_factor_enabled(user: Any) -> bool:
    types = _types(user)
    return bool(types & {TOTP, WEBAUTHN}) or (
        RECOVERY_CODES in types and bool(types - {RECOVERY_CODES})
    )


def _forget_prefetch(user: Any) -> None:
    getattr(user, "_prefetched_objects_cache", {}).pop("authenticator_set", None)
    from clerk_users.models import loading

    loading.forget_authenticator_types(user)


def _stamp(user: Any, was_enabled: bool) -> None:
    """Record when 2FA was switched on or off (Clerk's ``mfa_enabled_at``/``disabled_at``)."""
    _forget_prefetch(user)
    now_enabled = two_factor_enabled(user)
    if now_enabled == was_enabled:
        return
    field = "mfa_enabled_at" if now_enabled else "mfa_disabled_at"
    setattr(user, field, timezone.now())
    type(user).objects.filter(pk=user.pk).update(**{field: getattr(user, field)})


def _authenticator(user: Any, kind: str) -> Any:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(user_id=user.pk, type=kind).first()


# -- TOTP enrollment ---------------------------------------------------------------------
def totp_uri(user: Any, secret: str, request: Any = None) -> str:
    """The ``otpauth://`` URI for authenticator apps (allauth's format and issuer)."""
    from allauth.core import context
    from allauth.mfa import app_settings as mfa_settings
    from allauth.mfa.adapter import get_adapter

    if request is not None or mfa_settings.TOTP_ISSUER:
        with context.request_context(request):
            return get_adapter().build_totp_url(user, secret)
    label = get_adapter().get_totp_label(user)
    params = {"secret": secret, "issuer": "clerk_users"}
    return f"otpauth://totp/{quote(label)}?{urlencode(params, quote_via=quote)}"


def begin_totp(user: Any, request: Any = None) -> dict[str, Any]:
    """Offer a new TOTP secret (replacing an unconfirmed one); 2FA is not on until a code
    from the app is verified."""
    from allauth.mfa.totp.internal.auth import generate_totp_secret
    from allauth.mfa.utils import encrypt

    from clerk_users.models import TOTPEnrollment

    if totp_enabled(user):
        raise errors.ClerkError(
            "totp_already_enabled",
            "TOTP is already enabled",
            long_message="TOTP is already enabled on this account; delete it first.",
        )
    secret = generate_totp_secret()
    enrollment, _ = TOTPEnrollment.objects.update_or_create(
        user=user,
        defaults={
            "totp_id": ids.generate_id("totp"),
            "secret": encrypt(secret),
            "created_at": timezone.now(),
        },
    )
    return {
        "id": enrollment.totp_id,
        "secret": secret,
        "uri": totp_uri(user, secret, request),
        "verified": False,
        "backup_codes": None,
        "created_at": enrollment.created_at,
        "updated_at": enrollment.created_at,
    }


def attempt_totp(user: Any, code: Any) -> dict[str, Any]:
    """Confirm the pending TOTP with a code: TOTP and backup codes become enabled and the
    codes are returned once. A wrong code counts toward the lockout."""
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
    from allauth.mfa.totp.internal.auth import TOTP as AllauthTOTP
    from allauth.mfa.totp.internal.auth import validate_totp_code
    from allauth.mfa.utils import decrypt

    from clerk_users.models import TOTPEnrollment

    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    enrollment = TOTPEnrollment.objects.filter(user=user).first()
    if enrollment is None:
        raise errors.ClerkError(
            "totp_not_started",
            "No TOTP enrollment",
            long_message="Call POST /me/totp before attempting verification.",
            status=400,
        )
    secret = decrypt(enrollment.secret)
    if not lockout.check(user, lockout.CODE, lambda: validate_totp_code(secret, code.strip())):
        if user.locked:
            raise errors.user_locked(user)
        raise errors.ClerkError(
            "form_code_incorrect",
            "Incorrect code",
            long_message="Incorrect code",
            param_name="code",
        )
    was = two_factor_enabled(user)
    with transaction.atomic():
        try:
            authenticator = AllauthTOTP.activate(user, secret).instance
        except IntegrityError:
            raise errors.ClerkError(
                "totp_already_enabled",
                "TOTP is already enabled",
                long_message="TOTP is already enabled on this account.",
            ) from None
        authenticator.data["clerk_id"] = enrollment.totp_id  # the id ClerkJS saw
        authenticator.save(update_fields=["data"])
        codes = RecoveryCodes.activate(user).get_unused_codes()
        enrollment.delete()
    _stamp(user, was)
    return {
        "id": enrollment.totp_id,
        "secret": None,
        "uri": None,
        "verified": True,
        "backup_codes": codes,
        "created_at": authenticator.created_at,
        "updated_at": authenticator.created_at,
    }


def _disable(user: Any, kinds: tuple[str, ...]) -> int:
    from allauth.mfa.models import Authenticator

    from clerk_users.models import TOTPEnrollment

    was = two_factor_enabled(user)
    with transaction.atomic():
        deleted, _ = Authenticator.objects.filter(user_id=user.pk, type__in=kinds).delete()
        # Backup codes alone are no second factor: drop them with the last real one.
        remaining = set(
            Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True)
        )
        if remaining == {RECOVERY_CODES}:
            Authenticator.objects.filter(user_id=user.pk, type=RECOVERY_CODES).delete()
        if TOTP in kinds:
            TOTPEnrollment.objects.filter(user=user).delete()
    _stamp(user, was)
    return deleted


def totp_id(user: Any) -> str | None:
    """The ``totp_...`` id of the user's TOTP (given at enrollment), if any."""
    authenticator = _authenticator(user, TOTP)
    if authenticator is None:
        return None
    return authenticator.data.get("clerk_id") or f"totp_{authenticator.pk}"


def disable_totp(user: Any) -> int:
    return _disable(user, (TOTP,))


def disable_backup_codes(user: Any) -> int:
    return _disable(user, (RECOVERY_CODES,))


def disable_mfa(user: Any) -> int:
    return _disable(user, (TOTP, RECOVERY_CODES, WEBAUTHN))


def regenerate_backup_codes(user: Any) -> list[str]:
    """New backup codes (old ones stop working); needs another factor enabled first."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes

    if not (_types(user) - {RECOVERY_CODES}):
        raise errors.ClerkError(
            "backup_codes_not_available",
            "Backup codes need a second factor",
            long_message="Enable TOTP before creating backup codes.",
        )
    with transaction.atomic():
        Authenticator.objects.filter(user_id=user.pk, type=RECOVERY_CODES).delete()
        codes = RecoveryCodes.activate(user).get_unused_codes()
    _forget_prefetch(user)
    return codes


def verify_code(user: Any, code: Any) -> tuple[bool, str]:
    """Check a TOTP code, else a backup code (consumed when it matches), as Clerk's
    ``POST /users/{id}/verify_totp``. Returns (verified, code_type)."""
    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    code = code.strip()
    totp = _authenticator(user, TOTP)
    recovery = _authenticator(user, RECOVERY_CODES)
    if totp is None and recovery is None:
        raise errors.ClerkError(
            "totp_not_enabled",
            "TOTP is not enabled",
            long_message="This user has no TOTP or backup codes.",
            status=422,
        )
    if user.locked:
        raise errors.user_locked(user)
    found: list[str] = []

    def compare() -> bool:
        if _use(totp, code):
            found.append("totp")
        elif _use(recovery, code):
            found.append("backup_code")
        return bool(found)

    # Counted before checking, on the code counter of the lockout (``lockout``).
    if lockout.check(user, lockout.CODE, compare):
        return True, found[0]
    if user.locked:
        raise errors.user_locked(user)
    return False, "backup_code" if len(code) > 6 or totp is None else "totp"


def _use(authenticator: Any, code: str) -> bool:
    """allauth's check of a TOTP or recovery code (a TOTP code once per window, a recovery
    code once), recording the use when it matches."""
    if authenticator is None or not authenticator.wrap().validate_code(code):
        return False
    authenticator.record_usage()
    return True


def verify_second_factor(user: Any, strategy: str, code: Any) -> bool:
    """Check a sign-in's second factor: ``totp`` (the app's code) or ``backup_code`` (a
    recovery code, consumed), under the lockout. False when it does not match (counted);
    422 ``strategy_for_user_invalid`` without such a factor; 403 ``user_locked``."""
    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    kind = {"totp": TOTP, "backup_code": RECOVERY_CODES}.get(strategy)
    authenticator = _authenticator(user, kind) if kind else None
    if authenticator is None:
        raise errors.ClerkError(
            "strategy_for_user_invalid",
            "is not supported",
            long_message=f"{strategy} is not a second factor of this account.",
            param_name="strategy",
        )
    if user.locked:
        raise errors.user_locked(user)
    # Counted before checking, on the code counter of the lockout (``lockout``).
    if lockout.check(user, lockout.CODE, lambda: _use(authenticator, code.strip())):
        return True
    if user.locked:
        raise errors.user_locked(user)
    return False


# -- import (POST /users with totp_secret / backup_codes) ---------------------------------
def normalize_totp_secret(secret: Any) -> str:
    if not isinstance(secret, str):
        raise errors.format_invalid("totp_secret", "totp_secret must be a base32 string.")
    value = secret.replace(" ", "").upper()
    try:
        decoded = base64.b32decode(value + "=" * (-len(value) % 8))
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) < 10:
        raise errors.format_invalid(
            "totp_secret", "totp_secret must be a base32 secret of at least 80 bits."
        )
    return value


def normalize_backup_codes(codes: Any) -> list[str]:
    if (
        not isinstance(codes, list)
        or not codes
        or not all(isinstance(c, str) and 4 <= len(c.strip()) <= 64 for c in codes)
    ):
        raise errors.format_invalid(
            "backup_codes", "backup_codes must be a list of codes (4 to 64 characters)."
        )
    return [c.strip() for c in codes]


def import_totp(user: Any, secret: Any) -> Any:
    """Enable TOTP with a secret exported from elsewhere (e.g. Clerk's export)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP as AllauthTOTP

    value = normalize_totp_secret(secret)
    was = two_factor_enabled(user)
    with transaction.atomic():
        Authenticator.objects.filter(user_id=user.pk, type=TOTP).delete()
        instance = AllauthTOTP.activate(user, value).instance
    _stamp(user, was)
    return instance


def import_backup_codes(user: Any, codes: Any) -> Any:
    """Keep existing backup codes working (allauth's ``migrated_codes``, each usable once)."""
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import encrypt

    values = normalize_backup_codes(codes)
    was = two_factor_enabled(user)
    with transaction.atomic():
        Authenticator.objects.filter(user_id=user.pk, type=RECOVERY_CODES).delete()
        instance = Authenticator.objects.create(
            user=user,
            type=RECOVERY_CODES,
            data={"migrated_codes": [encrypt(c) for c in values]},
        )
    _stamp(user, was)
    return instance


def import_second_factors(user: Any, *, totp_secret: Any = None, backup_codes: Any = None) -> None:
    """``totp_secret`` and ``backup_codes`` of ``POST /users`` / ``PATCH /users/{id}``: both
    validated before anything is written."""
    if totp_secret is not None:
        normalize_totp_secret(totp_secret)
    if backup_codes is not None:
        normalize_backup_codes(backup_codes)
    if totp_secret is not None:
        import_totp(user, totp_secret)
    if backup_codes is not None:
        import_backup_codes(user, backup_codes)
