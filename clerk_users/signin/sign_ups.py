"""Clerk's sign-up state machine (``/client/sign_ups``) on allauth's rules.

A sign-up collects the fields allauth's ``ACCOUNT_SIGNUP_FIELDS`` require (in Clerk's names:
``email_address``, ``phone_number``, ``username``, ``password``; names are optional; legal
consent when ``SIGN_UP_LEGAL_CONSENT_REQUIRED``), verifies the email address by code when
``ACCOUNT_EMAIL_VERIFICATION`` is ``mandatory`` (a phone number always), and then creates
the user through ``users.create_user`` with the verified identifiers (strategy
``email_code`` / ``phone_code``), sends allauth's ``user_signed_up`` and signs in.

Taken identifiers tell no more than allauth's sign-up page: a taken username is
``form_identifier_exists`` at once (allauth's form says so too); a taken email address or
phone number is, when ``ACCOUNT_PREVENT_ENUMERATION`` is on (allauth's default), accepted
and "verified" like any other: the owner gets allauth's "account already exists" email
instead of a code, so no code can ever match. With it off: ``form_identifier_exists`` at once.
"""

from __future__ import annotations

import json
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.utils import timezone

from clerk_users import errors, identifiers, metadata, passwords, users, verification
from clerk_users.app_settings import app_settings
from clerk_users.models import SignUpAttempt, SignUpStatus
from clerk_users.signin import client, codes, login
from clerk_users.signin.factors import prevent_enumeration
from clerk_users.signin.sign_ins import check_params

FIELD_PARAMS = {
    "email_address",
    "phone_number",
    "email_address_or_phone_number",
    "username",
    "first_name",
    "last_name",
    "password",
    "unsafe_metadata",
    "legal_accepted",
    "strategy",
    "redirect_url",
    "action_complete_redirect_url",
    "oidc_prompt",
    "oidc_login_hint",
    "transfer",
}
CODE_STRATEGIES = {"email_code": "email_address", "phone_code": "phone_number"}
REDIRECT_PARAMS = ("redirect_url", "action_complete_redirect_url", "oidc_prompt", "oidc_login_hint")
ALLAUTH_FIELDS = {"email": "email_address", "username": "username", "password1": "password"}
ALLAUTH_FIELDS["phone"] = "phone_number"


# -- policy -------------------------------------------------------------------------------------
def fields() -> tuple[list[str], list[str]]:
    """``(required_fields, optional_fields)`` in Clerk's names, from allauth's settings."""
    from allauth.account import app_settings as account_settings

    required: list[str] = []
    optional: list[str] = ["first_name", "last_name"]
    for name, spec in account_settings.SIGNUP_FIELDS.items():
        clerk_name = ALLAUTH_FIELDS.get(name)
        if clerk_name is None:
            continue
        (required if spec.get("required") else optional).append(clerk_name)
    if app_settings.SIGN_UP_LEGAL_CONSENT_REQUIRED:
        required.append("legal_accepted")
    return required, [f for f in optional if f not in required]


def email_verification_required() -> bool:
    from allauth.account import app_settings as account_settings

    return account_settings.EMAIL_VERIFICATION == account_settings.EmailVerificationMethod.MANDATORY


def missing_fields(attempt: SignUpAttempt) -> list[str]:
    required, _ = fields()
    values = {
        "email_address": attempt.email_address,
        "phone_number": attempt.phone_number,
        "username": attempt.username,
        "password": attempt.password,
        "legal_accepted": attempt.legal_accepted_at,
        "first_name": attempt.first_name,
        "last_name": attempt.last_name,
    }
    return [name for name in required if not values.get(name)]


def unverified_fields(attempt: SignUpAttempt) -> list[str]:
    found = []
    if (
        attempt.email_address
        and email_verification_required()
        and attempt.email_address_status != "verified"
    ):
        found.append("email_address")
    if attempt.phone_number and attempt.phone_number_status != "verified":
        found.append("phone_number")
    return found


def _taken(kind: str, value: str) -> bool:
    """Taken means verified by someone: an unverified claim of it claims nothing."""
    return identifiers.is_claimed(kind, value)


# -- fields -------------------------------------------------------------------------------------
def _reset_slot(attempt: SignUpAttempt, slot: str) -> None:
    for name in codes.FIELDS:
        setattr(
            attempt, f"{slot}_{name}", None if name in ("attempts", "expire_at", "sent_at") else ""
        )


def _apply(request: Any, attempt: SignUpAttempt, params: dict[str, Any]) -> None:
    """Validate and set the given fields; nothing is stored when one is invalid."""
    from django.contrib.auth import get_user_model

    params = dict(params)
    strategy = params.pop("strategy", None)
    if isinstance(strategy, str) and strategy.startswith("oauth_"):
        from clerk_users.signin import oauth

        redirects = {k: params.pop(k) for k in REDIRECT_PARAMS if k in params}
        oauth.check(request, strategy, redirects)
        attempt._oauth = (strategy, redirects)  # type: ignore[attr-defined]  # started on save
    elif strategy is not None and (
        not isinstance(strategy, str) or strategy not in CODE_STRATEGIES
    ):
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="strategy must be email_code, phone_code or oauth_<provider> "
            "(tickets and web3 sign-ups are not supported here).",
            param_name="strategy",
        )
    for name in REDIRECT_PARAMS:
        params.pop(name, None)
    if params.pop("transfer", None) not in (None, False, "false", ""):
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="Transfers between sign-in and sign-up are not supported.",
            param_name="transfer",
        )
    either = params.pop("email_address_or_phone_number", None)
    if either not in (None, ""):
        key = "email_address" if isinstance(either, str) and "@" in either else "phone_number"
        params.setdefault(key, either)
    changes: dict[str, Any] = {}
    for kind in ("email_address", "phone_number"):
        if kind in params and params[kind] == "":  # ClerkJS sends the fields it has no value for
            params.pop(kind)
            changes[kind] = None
        elif kind in params:
            value = identifiers.NORMALIZERS[kind](params.pop(kind), kind)
            if _taken(kind, value) and not prevent_enumeration():
                raise errors.identifier_exists(kind, identifiers.WHAT[kind])
            changes[kind] = value
    if "username" in params:
        username = users.normalize_username(params.pop("username"))
        if username and get_user_model().objects.filter(username=username).exists():
            raise errors.identifier_exists("username", "username")
        changes["username"] = username
    for name in ("first_name", "last_name"):
        if name in params:
            changes[name] = users._optional_str(params.pop(name), name) or None
    if "unsafe_metadata" in params:
        value = params.pop("unsafe_metadata")
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError:
                raise errors.format_invalid("unsafe_metadata", "unsafe_metadata must be JSON.")
        changes["unsafe_metadata"] = metadata.validate(value, "unsafe_metadata")
    if "legal_accepted" in params:
        accepted = params.pop("legal_accepted")
        if accepted not in (True, False, "true", "false"):
            raise errors.format_invalid("legal_accepted", "legal_accepted must be a boolean.")
        changes["legal_accepted_at"] = timezone.now() if accepted in (True, "true") else None
    if "password" in params:
        password = params.pop("password")
        model = get_user_model()
        probe: Any = model(
            username=changes.get("username", attempt.username) or "",
            first_name=changes.get("first_name", attempt.first_name) or "",
            last_name=changes.get("last_name", attempt.last_name) or "",
        )
        # UserAttributeSimilarityValidator compares the password with the address too.
        probe.email_address = changes.get("email_address", attempt.email_address) or ""
        passwords.validate_new_password(password, probe)
        changes["password"] = make_password(password)
    for name, value in changes.items():
        if name in ("email_address", "phone_number") and value != getattr(attempt, name):
            _reset_slot(attempt, name)
        setattr(attempt, name, value)


# -- lifecycle ----------------------------------------------------------------------------------
def get(request: Any, sign_up_id: str) -> SignUpAttempt:
    attempt = client.get_attempt(SignUpAttempt, request, sign_up_id, "sua")
    if attempt.status != SignUpStatus.COMPLETE and attempt.abandon_at <= timezone.now():
        if attempt.status != SignUpStatus.ABANDONED:
            SignUpAttempt.objects.filter(pk=attempt.pk).update(status=SignUpStatus.ABANDONED)
        raise errors.NotFound(f"No sign up was found with id {sign_up_id}")
    return attempt


def for_action(request: Any, sign_up_id: str, action: str) -> SignUpAttempt:
    attempt = get(request, sign_up_id)
    if attempt.status == SignUpStatus.COMPLETE:
        raise errors.ClerkError(
            "sign_up_status_invalid",
            "not allowed now",
            long_message=f"This sign-up is complete: {action} is not possible now.",
            status=400,
        )
    return attempt


def create(request: Any, params: dict[str, Any]) -> SignUpAttempt:
    """``POST /client/sign_ups``: allauth's sign-up gate and rate limit, then the fields."""
    from allauth.account.adapter import get_adapter
    from allauth.core import ratelimit

    from clerk_users.api.frontend.base import session_user

    params = check_params(params, FIELD_PARAMS)
    django_request = client.django_request(request)
    if session_user(django_request) is not None:
        raise errors.ClerkError(
            "session_exists",
            "You're already signed in",
            long_message="You're already signed in. Sign out before signing up.",
            status=400,
        )
    if not get_adapter(django_request).is_open_for_signup(django_request):
        raise errors.ClerkError(
            "not_allowed_to_sign_up",
            "Sign-ups are closed",
            long_message="This site does not accept new sign-ups.",
            status=403,
        )
    if not ratelimit.consume(django_request, action="signup"):
        raise errors.too_many_requests(60)
    attempt = SignUpAttempt(
        client_id=client.ensure_client_id(request),
        abandon_at=timezone.now() + timedelta(seconds=app_settings.SIGN_UP_ABANDON_AFTER),
    )
    _apply(request, attempt, params)
    attempt.save(force_insert=True)
    client.remember(request, client.SIGN_UP_KEY, attempt.pk)
    _maybe_complete(request, attempt)
    return attempt


def update(request: Any, attempt: SignUpAttempt, params: dict[str, Any]) -> SignUpAttempt:
    params = check_params(params, FIELD_PARAMS)
    _apply(request, attempt, params)
    attempt.save()
    _maybe_complete(request, attempt)
    return attempt


def prepare_verification(
    request: Any, attempt: SignUpAttempt, params: dict[str, Any]
) -> SignUpAttempt:
    """Send the code for ``email_code`` / ``phone_code`` (the owner of a taken address gets
    allauth's "account already exists" email instead)."""
    from allauth.account.adapter import get_adapter as get_account_adapter

    from clerk_users.adapter import get_adapter

    params = check_params(params, {"strategy", "redirect_url", "action_complete_redirect_url"})
    strategy = params.get("strategy")
    kind = _code_kind(strategy)
    value = getattr(attempt, kind)
    if not value:
        raise errors.ClerkError(
            "form_param_missing",
            "missing required parameter",
            long_message=f"Add {kind} to the sign-up before preparing {strategy}.",
            param_name=kind,
        )
    if getattr(attempt, f"{kind}_status") == "verified":
        raise errors.ClerkError(
            "verification_already_verified",
            "already verified",
            long_message=f"The {identifiers.WHAT[kind]} of this sign-up is already verified.",
            status=400,
        )
    # Per address/number and hour across every sign-up and sign-in (and /me), taken or not.
    verification.limit_sends(kind, value)
    if _taken(kind, value):
        codes.start_without_code(attempt, kind, str(strategy))
        if kind == "email_address":
            get_account_adapter(client.django_request(request)).send_account_already_exists_mail(
                value
            )
        return attempt
    code = codes.issue(attempt, kind, str(strategy))
    adapter = get_adapter()
    if kind == "email_address":
        adapter.send_verification_email(SimpleNamespace(email_address=value), code)
    else:
        adapter.send_verification_sms(SimpleNamespace(phone_number=value), code)
    return attempt


def attempt_verification(
    request: Any, attempt: SignUpAttempt, params: dict[str, Any]
) -> SignUpAttempt:
    params = check_params(params, {"strategy", "code", "signature"})
    strategy = params.get("strategy")
    kind = _code_kind(strategy)
    value = getattr(attempt, kind)
    codes.check(attempt, kind, str(strategy), params.get("code"), target=(kind, value))
    _maybe_complete(request, attempt)
    return attempt


def _maybe_complete(request: Any, attempt: SignUpAttempt) -> None:
    pending_oauth = getattr(attempt, "_oauth", None)
    if pending_oauth is not None:  # allauth's login flow finishes this sign-up
        from clerk_users.signin import oauth

        strategy, redirects = pending_oauth
        oauth.prepare(request, attempt, strategy, redirects)
        return
    if attempt.external_account_strategy or missing_fields(attempt) or unverified_fields(attempt):
        return
    _complete(request, attempt)


def _complete(request: Any, attempt: SignUpAttempt) -> None:
    """Create the user with its verified identifiers, then sign in (allauth's signals)."""
    from allauth.account import signals
    from django.contrib.auth import get_user_model

    model = get_user_model()
    for kind in ("email_address", "phone_number"):
        value = getattr(attempt, kind)
        if value and _taken(kind, value):  # taken since (or hidden by enumeration prevention)
            raise errors.identifier_exists(kind, identifiers.WHAT[kind])
    fields_: dict[str, Any] = {
        "first_name": attempt.first_name or "",
        "last_name": attempt.last_name or "",
        "unsafe_metadata": attempt.unsafe_metadata or {},
    }
    if attempt.legal_accepted_at:
        fields_["legal_accepted_at"] = attempt.legal_accepted_at
    with transaction.atomic():
        user = users.create_user(model=model, username=attempt.username, **fields_)
        for kind, strategy in (("email_address", "email_code"), ("phone_number", "phone_code")):
            value = getattr(attempt, kind)
            if value:
                verified = getattr(attempt, f"{kind}_status") == "verified"
                identifiers.create_identifier(
                    user, kind, value, verified=verified, strategy=strategy, primary=verified
                )
        if attempt.password:
            user.password = attempt.password
            user.password_last_updated_at = timezone.now()
            user.save(update_fields=["password", "password_last_updated_at", "updated_at"])
        attempt.created_user = user
        attempt.password = ""  # the hash now lives on the user only
        attempt.save(update_fields=["created_user", "password", "updated_at"])
    django_request = client.django_request(request)
    signals.user_signed_up.send(sender=model, request=django_request, user=user)
    session_id = login.log_in(request, user)
    attempt.status = SignUpStatus.COMPLETE
    attempt.created_session_id = session_id
    attempt.save(update_fields=["status", "created_session_id", "updated_at"])


def _code_kind(strategy: Any) -> str:
    """The identifier kind a verification ``strategy`` checks (``email_code`` →
    ``email_address``...); a missing or unknown strategy is refused."""
    kind = CODE_STRATEGIES.get(strategy) if isinstance(strategy, str) else None
    if kind is None:
        if strategy is None:
            raise errors.param_missing("strategy")
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="strategy must be email_code or phone_code.",
            param_name="strategy",
        )
    return kind
