"""Who a sign-in identifies and which factors it offers, as allauth's settings allow.

Only verified identifiers identify a user (an unverified address claims nothing:
``identifiers.verified_holder``). Identifiers are allauth's ``ACCOUNT_LOGIN_METHODS``; the
first factors follow allauth too (``email_code`` with login by code, phone codes when phone
is a login method, reset codes for users with a password); second factors are allauth.mfa's.
Under allauth's ``ACCOUNT_PREVENT_ENUMERATION`` a sign-in tells nothing before its first
factor is verified (``hides_account``): every identifier of a kind is offered the same
strategies, with identification ids derived from the typed identifier
(``derived_identification_id``, KSUID-shaped) instead of the account's, so an identifier
nobody has looks exactly like one of an account; ``factor_target`` maps the offered id back
to the account's identifier (or to nothing, and nothing is sent).
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

from django.conf import settings

from clerk_users import errors, identifiers, ids, users
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import (
    EmailAddress,
    Identification,
    PhoneNumber,
    SignInAttempt,
    SignInStatus,
)

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


def hides_account(attempt: SignInAttempt) -> bool:
    """Whether the sign-in must not tell who it identifies: enumeration prevention is on and
    no first factor has been verified yet (a verified reset code counts)."""
    return prevent_enumeration() and attempt.status in (
        SignInStatus.NEEDS_IDENTIFIER,
        SignInStatus.NEEDS_FIRST_FACTOR,
    )


# Derived ids carry a creation time like real ones (``ids.ksuid``), spread over these years.
DERIVED_SECONDS_FROM = 1_609_459_200  # 2021-01-01
DERIVED_SECONDS_SPAN = 5 * 365 * 86_400


def derived_identification_id(identifier: str, kind: str) -> str:
    """A stable ``idn_`` id for ``kind`` factors of a typed identifier: an HMAC (``SECRET_KEY``)
    of the identifier laid out as a KSUID (4 bytes of plausible seconds + 16 bytes), the same
    for an account and for nobody, so it neither leaks a creation time nor tells them apart."""
    key = f"clerk_users.signin.factor_id:{settings.SECRET_KEY}".encode()
    digest = hmac.new(key, f"{kind}:{identifier}".encode(), hashlib.sha256).digest()
    seconds = DERIVED_SECONDS_FROM + int.from_bytes(digest[:4], "big") % DERIVED_SECONDS_SPAN
    number = int.from_bytes((seconds - ids.KSUID_EPOCH).to_bytes(4, "big") + digest[4:20], "big")
    return "idn_" + ids._encode(number)


def factor_target(
    attempt: SignInAttempt, factor: dict[str, Any], kind: str
) -> Identification | None:
    """The account's verified identifier a code factor sends to (None: nobody, send nothing).

    With ``hides_account`` the offered id is derived: the typed identifier itself, or for a
    username the account's primary (else first) verified identifier of ``kind``."""
    user = attempt.user
    if user is None:
        return None
    model = EmailAddress if kind == "email_address" else PhoneNumber
    owned = model.objects.filter(user=user, verification_status="verified")
    if not prevent_enumeration():
        return owned.filter(pk=factor[f"{kind}_id"]).first()
    if attempt.identifier_kind == kind:
        return owned.filter(**{kind: attempt.identifier}).first()
    primary = (
        user.primary_email_address_id if kind == "email_address" else user.primary_phone_number_id
    )
    return owned.filter(pk=primary).first() or owned.order_by("created_at").first()


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


# What a username sign-in shows of the account's address before the first factor (ClerkJS
# shows a ``safe_identifier`` containing ``**`` as it is).
HIDDEN = {"email_address": "***@***", "phone_number": "********"}


def _uniform_factors(attempt: SignInAttempt) -> list[dict[str, Any]]:
    """The same factors for every identifier of a kind, account or not (``hides_account``)."""
    kind = attempt.identifier_kind
    code_kinds = [kind] if kind in HIDDEN else list(HIDDEN)
    factors: list[dict[str, Any]] = [{"strategy": "password"}]
    for code_kind in code_kinds:
        item = {
            "safe_identifier": attempt.identifier if code_kind == kind else HIDDEN[code_kind],
            f"{code_kind}_id": derived_identification_id(attempt.identifier, code_kind),
            "primary": True,
        }
        code = "email_code" if code_kind == "email_address" else "phone_code"
        factors += [{"strategy": code, **item}, {"strategy": "reset_password_" + code, **item}]
    return factors


def _first_factors(attempt: SignInAttempt) -> list[dict[str, Any]]:
    if not attempt.identifier:
        return []
    if prevent_enumeration():
        return _uniform_factors(attempt)
    user = attempt.user
    if user is None:  # refused at identification without enumeration prevention
        return []
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
