"""Clerk's ``SignInJSON`` and ``SignUpJSON`` (Frontend API spec: ``Client.SignIn`` /
``Client.SignUp``; ClerkJS reads them in ``SignIn.fromJSON`` / ``SignUp.fromJSON``)."""

from __future__ import annotations

from typing import Any

from clerk_users.api.serializers import ms
from clerk_users.images import profile
from clerk_users.models import SignInAttempt, SignInStatus, SignUpAttempt, SignUpStatus
from clerk_users.signin import codes, factors, sign_ups

VERIFICATION_OBJECTS = {
    "password": "verification_password",
    "totp": "verification_totp",
    "backup_code": "verification_backup_code",
}


def _first_factor_verification(attempt: SignInAttempt) -> dict[str, Any] | None:
    strategy = attempt.first_factor_strategy
    if not strategy:
        return None
    if strategy.startswith("oauth_"):
        return _oauth_verification(
            strategy,
            attempt.first_factor_status,
            attempt.first_factor_error,
            attempt.first_factor_expire_at,
            attempt.external_verification_redirect_url,
        )
    if strategy == "password":
        return {
            "object": "verification_password",
            "status": attempt.first_factor_status or "unverified",
            "strategy": "password",
            "attempts": None,
            "expire_at": None,
            "error": None,
        }
    return codes.verification_json(attempt, "first_factor")


def _oauth_verification(
    strategy: str, status: str, error: Any, expire_at: Any, start_url: str
) -> dict[str, Any] | None:
    """``verification_oauth``: the start URL while pending, then verified or its error."""
    if not strategy:
        return None
    return {
        "object": "verification_oauth",
        "status": status or "unverified",
        "strategy": strategy,
        "external_verification_redirect_url": start_url or None,
        "error": error or None,
        "expire_at": ms(expire_at),
        "attempts": None,
    }


def _second_factor_verification(attempt: SignInAttempt) -> dict[str, Any] | None:
    strategy = attempt.second_factor_strategy
    if not strategy:
        return None
    return {
        "object": VERIFICATION_OBJECTS.get(strategy, "verification_otp"),
        "status": attempt.second_factor_status or "unverified",
        "strategy": strategy,
        "attempts": None,
        "expire_at": None,
        "error": None,
    }


def _user_data(attempt: SignInAttempt) -> dict[str, Any] | None:
    if not attempt.identifier:
        return None
    user = attempt.user
    if user is None or factors.hides_account(attempt):
        # Before the first factor (enumeration prevention), the same for an account and for
        # nobody: no names, an avatar generated from the typed identifier.
        image_url = profile.identifier_avatar_url(attempt.identifier)
        return {"first_name": None, "last_name": None, "image_url": image_url, "has_image": False}
    return {
        "first_name": user.first_name or None,
        "last_name": user.last_name or None,
        "image_url": user.image_url,
        "has_image": user.has_image,
    }


def sign_in_json(attempt: SignInAttempt) -> dict[str, Any]:
    needs_second = attempt.status == SignInStatus.NEEDS_SECOND_FACTOR
    return {
        "object": "sign_in_attempt",
        "id": attempt.pk,
        "status": attempt.status,
        "supported_identifiers": factors.enabled_identifiers(),
        "identifier": attempt.identifier or None,
        "user_data": _user_data(attempt),
        # Once complete, nothing is left to choose (and the client JSON stays cheap).
        "supported_first_factors": []
        if attempt.status == SignInStatus.COMPLETE
        else factors.first_factors(attempt),
        "supported_second_factors": factors.second_factors(attempt) if needs_second else None,
        "first_factor_verification": _first_factor_verification(attempt),
        "second_factor_verification": _second_factor_verification(attempt),
        "created_session_id": attempt.created_session_id,
        "abandon_at": ms(attempt.abandon_at),
        "client_trust_state": None,
    }


def _sign_up_verification(attempt: SignUpAttempt, kind: str) -> dict[str, Any] | None:
    value = getattr(attempt, kind)
    if not value:
        return None
    strategy = "email_code" if kind == "email_address" else "phone_code"
    # Before ``prepare_verification`` no strategy is chosen: ClerkJS's <SignUp/> prepares
    # (sends the code) only when the verification has no pending ``email_code`` yet.
    found = codes.verification_json(attempt, kind) or {
        "object": "verification_otp",
        "status": "unverified",
        "strategy": None,
        "attempts": None,
        "expire_at": None,
        "error": None,
    }
    status = found["status"]
    found["next_action"] = (
        ""
        if status == "verified"
        else "needs_attempt"
        if getattr(attempt, f"{kind}_sent_at") and status == "unverified"
        else "needs_prepare"
    )
    found["supported_strategies"] = [strategy]
    return found


def sign_up_json(attempt: SignUpAttempt) -> dict[str, Any]:
    required, optional = sign_ups.fields()
    complete = attempt.status == SignUpStatus.COMPLETE
    has_password = bool(attempt.password) or (
        complete and attempt.created_user is not None and attempt.created_user.password_enabled
    )
    return {
        "object": "sign_up_attempt",
        "id": attempt.pk,
        "status": attempt.status,
        "required_fields": required,
        "optional_fields": optional,
        "missing_fields": [] if complete else sign_ups.missing_fields(attempt),
        "unverified_fields": [] if complete else sign_ups.unverified_fields(attempt),
        "verifications": {
            "email_address": _sign_up_verification(attempt, "email_address"),
            "phone_number": _sign_up_verification(attempt, "phone_number"),
            "web3_wallet": None,
            "external_account": _oauth_verification(
                attempt.external_account_strategy,
                attempt.external_account_status,
                attempt.external_account_error,
                attempt.external_account_expire_at,
                attempt.external_verification_redirect_url,
            ),
        },
        "username": attempt.username,
        "email_address": attempt.email_address,
        "phone_number": attempt.phone_number,
        "web3_wallet": None,
        "password_enabled": has_password,
        "has_password": has_password,
        "first_name": attempt.first_name,
        "last_name": attempt.last_name,
        "unsafe_metadata": attempt.unsafe_metadata or {},
        "public_metadata": {},
        "custom_action": False,
        "external_id": None,
        "external_account_strategy": attempt.external_account_strategy or None,
        "external_account": None,
        "created_session_id": attempt.created_session_id,
        "created_user_id": attempt.created_user_id,
        "abandon_at": ms(attempt.abandon_at),
        "legal_accepted_at": ms(attempt.legal_accepted_at),
        "locale": attempt.locale,
    }
