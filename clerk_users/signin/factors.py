"""Who a sign-in identifies and which factors it offers, as allauth's settings allow.

Only verified identifiers identify a user (an unverified address claims nothing:
``identifiers.verified_holder``). Identifiers are allauth's ``ACCOUNT_LOGIN_METHODS``; the
first factors follow allauth too (``email_code`` with login by code, phone codes when phone
is a login method, reset codes for users with a password); second factors are allauth.mfa's.
An identifier nobody has gets a stable decoy (``decoy_identification_id``) under allauth's
``ACCOUNT_PREVENT_ENUMERATION``, so its factors look like those of a real account.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings

from clerk_users import errors, identifiers, ids, mfa, users
from clerk_users.models import EmailAddress, PhoneNumber, SignInAttempt

LOGIN_METHOD_KINDS = {"email": "email_address", "username": "username", "phone": "phone_number"}


def enabled_identifiers() -> list[str]:
    """Identifiers that sign a user in: allauth's ``ACCOUNT_LOGIN_METHODS`` in Clerk's terms."""
    from allauth.account import app_settings as account_settings

    methods = {getattr(m, "value", m) for m in account_settings.LOGIN_METHODS}
    return [kind for method, kind in LOGIN_METHOD_KINDS.items() if method in methods]


def identify(value: Any) -> tuple[str, str, Any]:
    """``(kind, normalised identifier, user or None)``; only verified identifiers count."""
    from django.contrib.auth import get_user_model

    if not isinstance(value, str) or not value.strip():
        raise errors.param_missing("identifier")
    value = value.strip()
    enabled = enabled_identifiers()
    if "@" in value and "email_address" in enabled:
        email = identifiers.normalize_email(value, "identifier")
        found = identifiers.verified_holder("email_address", email)
        return "email_address", email, found.user if found else None
    if "username" in enabled and not value.startswith("+") and "@" not in value:
        try:
            username = users.normalize_username(value, "identifier")
        except errors.ClerkError:
            username = None
        if username:
            user = get_user_model().objects.filter(username=username).first()
            if user is not None or "phone_number" not in enabled:
                return "username", username, user
    if "phone_number" in enabled and "@" not in value:
        phone = identifiers.normalize_phone(value, "identifier")
        found_phone = identifiers.verified_holder("phone_number", phone)
        return "phone_number", phone, found_phone.user if found_phone else None
    raise errors.format_invalid(
        "identifier", f"identifier must be one of: {', '.join(enabled) or 'nothing enabled'}."
    )


def prevent_enumeration() -> bool:
    from allauth.account import app_settings as account_settings

    return bool(account_settings.PREVENT_ENUMERATION)


def decoy_identification_id(attempt: SignInAttempt) -> str:
    """A stable ``idn_`` id for an identifier nobody has (the same on every sign-in)."""
    key = f"clerk_users.signin.decoy:{settings.SECRET_KEY}".encode()
    number = int.from_bytes(hmac.new(key, attempt.identifier.encode(), hashlib.sha256).digest())
    return "idn_" + ids._encode(number % (62**ids.ENCODED_LENGTH))


# -- factors ------------------------------------------------------------------------------------
def mask(kind: str, value: str) -> str:
    """Clerk's ``safe_identifier`` for an identifier other than the one typed."""
    if kind == "email_address":
        local, _, domain = value.partition("@")
        return f"{local[:1]}{'*' * max(1, len(local) - 1)}@{domain}"
    return f"{'*' * max(0, len(value) - 4)}{value[-4:]}"


def login_by_code() -> bool:
    """allauth's ``ACCOUNT_LOGIN_BY_CODE_ENABLED``: signing in with an emailed code alone
    (Clerk's ``email_code`` first factor); email reset codes are always offered."""
    from allauth.account import app_settings as account_settings

    return bool(account_settings.LOGIN_BY_CODE_ENABLED)


def first_factors(attempt: SignInAttempt) -> list[dict[str, Any]]:
    """The first factors offered for the identified account (Clerk's order), as allauth's
    settings allow them: ``email_code`` with login by code, phone codes (sign-in and reset)
    when ``phone`` is a login method (allauth signs in by phone with a code)."""
    refused = set()
    if not login_by_code():
        refused.add("email_code")
    if "phone_number" not in enabled_identifiers():
        refused |= {"phone_code", "reset_password_phone_code"}
    return [f for f in _first_factors(attempt) if f["strategy"] not in refused]


def _first_factors(attempt: SignInAttempt) -> list[dict[str, Any]]:
    user = attempt.user
    if user is None:
        if not attempt.identifier:
            return []
        factors: list[dict[str, Any]] = [{"strategy": "password"}]
        if attempt.identifier_kind in ("email_address", "phone_number"):
            kind = attempt.identifier_kind
            code, reset = ("email_code", "reset_password_email_code")
            if kind == "phone_number":
                code, reset = ("phone_code", "reset_password_phone_code")
            item = {
                "safe_identifier": attempt.identifier,
                f"{kind}_id": decoy_identification_id(attempt),
                "primary": True,
            }
            factors += [{"strategy": code, **item}, {"strategy": reset, **item}]
        return factors
    factors = []
    if user.has_usable_password():
        factors.append({"strategy": "password"})
    owned = [
        *EmailAddress.objects.filter(user=user, verification_status="verified"),
        *PhoneNumber.objects.filter(user=user, verification_status="verified"),
    ]
    primaries = {user.primary_email_address_id, user.primary_phone_number_id}
    for identifier in owned:
        kind = identifier.kind
        shown = (
            identifier.value
            if attempt.identifier_kind == kind and identifier.value == attempt.identifier
            else mask(kind, identifier.value)
        )
        item = {
            "safe_identifier": shown,
            f"{kind}_id": identifier.pk,
            "primary": identifier.pk in primaries,
        }
        code = "email_code" if kind == "email_address" else "phone_code"
        factors.append({"strategy": code, **item})
        if user.has_usable_password():
            reset = "reset_password_" + code
            factors.append({"strategy": reset, **item})
    return factors


def second_factors(attempt: SignInAttempt) -> list[dict[str, Any]]:
    user = attempt.user
    if user is None:
        return []
    found = []
    if mfa.totp_enabled(user):
        found.append({"strategy": "totp"})
    if mfa.backup_code_enabled(user):
        found.append({"strategy": "backup_code"})
    return found
