"""Reverification (step-up), as Clerk's: a stolen session is not a stolen account.

Sensitive actions (adding or removing an identifier or an external account, changing a
primary, the password, TOTP, backup codes, deleting the account) need the session to have
verified a first factor within ``REVERIFICATION_MAX_AGE`` seconds (default 600; ``None``
turns it off). Otherwise they answer 403 ``session_reverification_required`` with
``meta.reverification`` = ``{"level": "first_factor", "after_minutes": N}``; ClerkJS's
``useReverification`` (and so ``<UserProfile/>``) then opens its own verification dialog.

The rule lives here and is applied by one permission class (``ReverificationRequired``,
for views whose every unsafe method is sensitive) or one decorator
(``@reverification_required``, on a view method); ``ensure_reverified(request)`` serves
views where only some parameters are sensitive (``PATCH /me`` with a primary id).

The session reverifies through Clerk's Frontend API (``api/frontend/views/verify.py``):
``POST /client/sessions/{id}/verify`` (``level``), ``.../verify/prepare_first_factor``
(``email_code``) and ``.../verify/attempt_first_factor`` (``password`` or ``email_code``),
then, when the level asks for it and 2FA is on, ``.../verify/prepare_second_factor`` and
``.../verify/attempt_second_factor`` (``totp``, ``backup_code``). Every wrong secret counts
toward the user's lockout before it is compared (``clerk_users.lockout``).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from rest_framework import permissions

from clerk_users import errors, ids, lockout
from clerk_users.app_settings import app_settings

LEVELS = ("first_factor", "second_factor", "multi_factor")
FIRST_FACTOR_STRATEGIES = ("password", "email_code")
SECOND_FACTOR_STRATEGIES = ("totp", "backup_code")


# -- the rule --------------------------------------------------------------------------------
def _age_minutes(at: Any, now: Any) -> int:
    return max(0, int((now - at).total_seconds() // 60))


def factor_verification_age(session: Any) -> list[int]:
    """Clerk's ``[firstFactorAge, secondFactorAge]`` in minutes (``-1``: never verified).
    A session from before factor times were recorded counts its sign-in."""
    now = timezone.now()
    first = session.first_factor_verified_at or session.created_at
    second = session.second_factor_verified_at
    return [_age_minutes(first, now), _age_minutes(second, now) if second else -1]


def is_fresh(session: Any, *, now: Any = None) -> bool:
    """Whether ``session`` verified a first factor recently enough for sensitive actions."""
    max_age = app_settings.REVERIFICATION_MAX_AGE
    if max_age is None:
        return True
    verified = getattr(session, "first_factor_verified_at", None)
    if verified is None:
        return False
    return (now or timezone.now()) - verified < timedelta(seconds=max_age)


def reverification_error() -> errors.ClerkError:
    max_age = app_settings.REVERIFICATION_MAX_AGE or 0
    return errors.ClerkError(
        "session_reverification_required",
        "You need to provide additional verification to perform this operation",
        long_message="This action is sensitive: verify your identity again (password or "
        "email code) and retry.",
        status=403,
        meta={"reverification": {"level": "first_factor", "after_minutes": max(1, max_age // 60)}},
    )


def request_session(request: Any) -> Any:
    """The Clerk session a Frontend API request acts for (cookie or Bearer token)."""
    session = getattr(request, "clerk_session", None)
    if session is None:
        session = getattr(getattr(request, "_request", None), "clerk_session", None)
    return session


def ensure_reverified(request: Any) -> None:
    """Raise 403 ``session_reverification_required`` unless the request's session verified
    a first factor within ``REVERIFICATION_MAX_AGE``."""
    if app_settings.REVERIFICATION_MAX_AGE is None:
        return
    session = request_session(request)
    if session is None or not is_fresh(session):
        raise reverification_error()


class ReverificationRequired(permissions.BasePermission):
    """DRF permission: every unsafe method of the view is a sensitive action."""

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.method not in permissions.SAFE_METHODS:
            ensure_reverified(request)
        return True


def reverification_required(method: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator of a view method (``def post(self, request, ...)``) that is sensitive."""

    @functools.wraps(method)
    def wrapper(self: Any, request: Any, *args: Any, **kwargs: Any) -> Any:
        ensure_reverified(request)
        return method(self, request, *args, **kwargs)

    return wrapper


# -- allauth's reauthentication counts too -----------------------------------------------
def _on_authentication_step(
    sender: Any, request: Any = None, method: str = "", **kwargs: Any
) -> None:
    """allauth's reauthentication (its pages) refreshes the Clerk session's factor times."""
    from clerk_users.models import Session
    from clerk_users.sessions import lifecycle as sessions

    if not kwargs.get("reauthenticated") or request is None:
        return
    session_id = sessions.session_id_of(request)
    if session_id:
        field = "second_factor_verified_at" if method == "mfa" else "first_factor_verified_at"
        Session.objects.filter(pk=session_id).update(**{field: timezone.now()})


def connect() -> None:
    from allauth.account.signals import authentication_step_completed

    authentication_step_completed.connect(
        _on_authentication_step, dispatch_uid="clerk_users.reverification.allauth"
    )


# -- the verification flow -------------------------------------------------------------------
def _digest(session: Any, code: str) -> str:
    key = f"clerk_users.reverification:{settings.SECRET_KEY}:{session.pk}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def _save(session: Any, state: dict[str, Any]) -> None:
    type(session).objects.filter(pk=session.pk).update(verification=state)
    session.verification = state


def _has_second_factor(user: Any) -> bool:
    from clerk_users.mfa import authenticators as mfa

    return mfa.two_factor_enabled(user)


def _status_after_first(level: str, user: Any) -> str:
    if level != "first_factor" and _has_second_factor(user):
        return "needs_second_factor"
    return "complete"


def start(session: Any, level: Any) -> dict[str, Any]:
    """``POST /client/sessions/{id}/verify``: begin a verification at ``level``."""
    if level in (None, ""):
        level = "first_factor"
    if level not in LEVELS:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"level must be one of: {', '.join(LEVELS)}.",
            param_name="level",
        )
    state = {
        "id": ids.generate_id("sessv"),
        "level": level,
        "status": "needs_first_factor",
        "first": None,
        "second": None,
    }
    _save(session, state)
    return state


def _pending(session: Any) -> dict[str, Any]:
    state = dict(session.verification or {})
    if not state.get("id"):
        raise errors.ClerkError(
            "verification_missing",
            "no verification in progress",
            long_message="Start one with POST /client/sessions/{id}/verify.",
            status=400,
        )
    return state


def _strategy(value: Any, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"strategy must be one of: {', '.join(allowed)}.",
            param_name="strategy",
        )
    return str(value)


def prepare_first_factor(session: Any, strategy: Any, email_address_id: Any = None) -> None:
    """Send an email code to one of the user's *verified* addresses (``password`` needs no
    preparation)."""
    from clerk_users.adapter import get_adapter
    from clerk_users.models import EmailAddress
    from clerk_users.verification import generate_code

    state = _pending(session)
    strategy = _strategy(strategy, FIRST_FACTOR_STRATEGIES)
    if strategy == "password":
        state["first"] = {"strategy": "password", "status": "unverified"}
        _save(session, state)
        return
    address = EmailAddress.objects.filter(
        pk=email_address_id, user_id=session.user_id, verification_status="verified"
    ).first()
    if address is None:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="email_address_id must name a verified email address of this user.",
            param_name="email_address_id",
        )
    code = generate_code()
    now = timezone.now()
    state["first"] = {
        "strategy": "email_code",
        "status": "unverified",
        "email_address_id": address.pk,
        "secret": _digest(session, code),
        "attempts": 0,
        "expire_at": (now + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME)).timestamp(),
    }
    _save(session, state)
    get_adapter().send_verification_email(address, code)


def _wrong(code: str, message: str, meta: dict[str, Any] | None = None) -> errors.ClerkError:
    param = "password" if code == "form_password_incorrect" else "code"
    return errors.ClerkError(code, message, long_message=message, param_name=param, meta=meta)


def attempt_first_factor(
    session: Any, strategy: Any, *, password: Any = None, code: Any = None
) -> None:
    """Check a password or the email code; on success the session's first factor is fresh.
    Each try is counted (per code and toward the lockout) before the comparison, and stays
    counted whatever the answer."""
    from clerk_users import passwords

    user = session.user
    strategy = _strategy(strategy, FIRST_FACTOR_STRATEGIES)
    state = _pending(session)
    if state["status"] != "needs_first_factor":
        raise errors.ClerkError(
            "verification_already_verified",
            "already verified",
            long_message="The first factor of this verification is already verified.",
            status=400,
        )
    if strategy == "password":
        if not isinstance(password, str) or not password:
            raise errors.param_missing("password")
        if user.locked:
            raise errors.user_locked(user)
        if not (user.has_usable_password() and passwords.check_password(user, password)):
            if user.locked:
                raise errors.user_locked(user)
            raise _wrong("form_password_incorrect", "Password is incorrect. Try again.")
        first = {"strategy": "password", "status": "verified"}
    else:
        first = _check_email_code(session, user, code)
    state["first"] = first
    state["status"] = _status_after_first(state["level"], user)
    type(session).objects.filter(pk=session.pk).update(
        verification=state, first_factor_verified_at=timezone.now()
    )
    session.verification = state


def _claim_code_attempt(session: Any) -> dict[str, Any]:
    """Count one try of the pending email code (row lock: parallel tries serialise)."""
    with transaction.atomic():
        row = type(session).objects.select_for_update().get(pk=session.pk)
        state = dict(row.verification or {})
        first = dict(state.get("first") or {})
        if first.get("strategy") != "email_code" or not first.get("secret"):
            raise errors.ClerkError(
                "verification_missing",
                "no verification in progress",
                long_message="Call prepare_first_factor with strategy email_code first.",
                status=400,
            )
        if first["attempts"] >= app_settings.VERIFICATION_MAX_ATTEMPTS:
            raise errors.ClerkError(
                "verification_failed",
                "failed",
                long_message="Too many failed attempts. Request a new code.",
                status=400,
            )
        if timezone.now().timestamp() >= first["expire_at"]:
            raise errors.ClerkError(
                "verification_expired",
                "expired",
                long_message="This code has expired. Request a new one.",
                status=400,
            )
        first["attempts"] += 1
        state["first"] = first
        _save(row, state)
    return first


def _check_email_code(session: Any, user: Any, code: Any) -> dict[str, Any]:
    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    first = _claim_code_attempt(session)
    expected = first["secret"]
    if lockout.check(
        user, lockout.CODE, lambda: hmac.compare_digest(expected, _digest(session, code.strip()))
    ):
        return {**first, "status": "verified", "secret": ""}
    if user.locked:
        raise errors.user_locked(user)
    remaining = max(0, app_settings.VERIFICATION_MAX_ATTEMPTS - first["attempts"])
    raise _wrong("form_code_incorrect", "Incorrect code", {"attempts_remaining": remaining})


def prepare_second_factor(session: Any, strategy: Any) -> None:
    state = _pending(session)
    _strategy(strategy, ("totp",))
    if state["status"] != "needs_second_factor":
        raise errors.ClerkError(
            "verification_invalid_state",
            "not expecting a second factor",
            long_message="Verify the first factor first.",
            status=400,
        )


def attempt_second_factor(session: Any, strategy: Any, code: Any) -> None:
    """Check a TOTP or backup code (``mfa.verify_code``, under the lockout)."""
    from clerk_users.mfa import authenticators as mfa

    strategy = _strategy(strategy, SECOND_FACTOR_STRATEGIES)
    state = _pending(session)
    if state["status"] != "needs_second_factor":
        raise errors.ClerkError(
            "verification_invalid_state",
            "not expecting a second factor",
            long_message="Verify the first factor first.",
            status=400,
        )
    verified, _kind = mfa.verify_code(session.user, code)
    if not verified:
        raise _wrong("form_code_incorrect", "Incorrect code")
    state["second"] = {"strategy": strategy, "status": "verified"}
    state["status"] = "complete"
    type(session).objects.filter(pk=session.pk).update(
        verification=state, second_factor_verified_at=timezone.now()
    )


# -- JSON ------------------------------------------------------------------------------------
def supported_first_factors(user: Any) -> list[dict[str, Any]]:
    from clerk_users.models import EmailAddress

    factors: list[dict[str, Any]] = []
    if user.has_usable_password():
        factors.append({"strategy": "password"})
    for address in EmailAddress.objects.filter(user_id=user.pk, verification_status="verified"):
        factors.append(
            {
                "strategy": "email_code",
                "email_address_id": address.pk,
                "safe_identifier": address.email_address,
                "primary": address.pk == user.primary_email_address_id,
            }
        )
    return factors


def supported_second_factors(user: Any) -> list[dict[str, Any]] | None:
    from clerk_users.mfa import authenticators as mfa

    factors = []
    if mfa.totp_enabled(user):
        factors.append({"strategy": "totp"})
    if mfa.backup_code_enabled(user):
        factors.append({"strategy": "backup_code"})
    return factors or None


def _verification(step: dict[str, Any] | None) -> dict[str, Any] | None:
    if not step:
        return None
    expire = step.get("expire_at")
    return {
        "object": "verification",
        "status": step.get("status", "unverified"),
        "strategy": step.get("strategy"),
        "attempts": step.get("attempts"),
        "expire_at": int(expire * 1000) if expire else None,
        "error": None,
    }


def verification_json(session: Any, session_data: dict[str, Any]) -> dict[str, Any]:
    """Clerk's ``SessionVerificationJSON`` of the session's pending verification."""
    state = session.verification or {}
    user = session.user
    return {
        "object": "session_verification",
        "id": state.get("id"),
        "status": state.get("status", "needs_first_factor"),
        "level": state.get("level", "first_factor"),
        "session": session_data,
        "first_factor_verification": _verification(state.get("first")),
        "second_factor_verification": _verification(state.get("second")),
        "supported_first_factors": supported_first_factors(user),
        "supported_second_factors": supported_second_factors(user),
    }
