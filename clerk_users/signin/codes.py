"""One-time codes of a sign-in or sign-up, with the rules of ``clerk_users.verification``.

A code comes from ``verification.generate_code`` (CSPRNG), is stored only as an HMAC keyed
with ``SECRET_KEY`` and the attempt id and slot, expires after ``VERIFICATION_CODE_LIFETIME``
seconds and allows ``VERIFICATION_MAX_ATTEMPTS`` tries; each try is claimed with one
conditional ``UPDATE`` (so parallel attempts cannot compare more codes than allowed) and the
comparison is constant-time. A new code is refused within ``VERIFICATION_RESEND_COOLDOWN``.
A successful check clears the secret in the same conditional update, so a code works once.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import F, Q
from django.utils import timezone

from clerk_users import errors, lockout, verification
from clerk_users.app_settings import app_settings

FIELDS = ("status", "strategy", "attempts", "expire_at", "secret", "sent_at")


def _f(slot: str, name: str) -> str:
    return f"{slot}_{name}"


def digest(attempt: Any, slot: str, code: str) -> str:
    key = f"clerk_users.signin:{settings.SECRET_KEY}:{attempt.pk}:{slot}".encode()
    return hmac.new(key, code.encode(), hashlib.sha256).hexdigest()


def refresh(attempt: Any, slot: str) -> None:
    attempt.refresh_from_db(fields=[_f(slot, n) for n in FIELDS])


def issue(attempt: Any, slot: str, strategy: str) -> str:
    """Start a code verification in ``slot``; return the code to send (429 in the cooldown).

    Starting another strategy in the slot (e.g. ``email_code`` after ``reset_password_...``)
    is not held back by the cooldown of the previous one."""
    now = timezone.now()
    cooldown = app_settings.VERIFICATION_RESEND_COOLDOWN
    code = verification.generate_code()
    model = type(attempt)
    claimed = (
        model.objects.filter(pk=attempt.pk)
        .filter(
            Q(**{f"{_f(slot, 'sent_at')}__isnull": True})
            | Q(**{f"{_f(slot, 'sent_at')}__lte": now - timedelta(seconds=cooldown)})
            | ~Q(**{_f(slot, "strategy"): strategy})
        )
        .update(
            **{
                _f(slot, "status"): "unverified",
                _f(slot, "strategy"): strategy,
                _f(slot, "attempts"): 0,
                _f(slot, "expire_at"): now
                + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME),
                _f(slot, "secret"): digest(attempt, slot, code),
                _f(slot, "sent_at"): now,
            },
            updated_at=now,
        )
    )
    refresh(attempt, slot)
    if not claimed:
        sent_at = getattr(attempt, _f(slot, "sent_at")) or now
        raise errors.too_many_requests(cooldown - int((now - sent_at).total_seconds()))
    return code


def start_without_code(attempt: Any, slot: str, strategy: str) -> None:
    """Record a pending verification that sends nothing (an unknown identifier plays along)."""
    now = timezone.now()
    values = {
        _f(slot, "status"): "unverified",
        _f(slot, "strategy"): strategy,
        _f(slot, "attempts"): 0,
        _f(slot, "expire_at"): now + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME),
        _f(slot, "secret"): "",
        _f(slot, "sent_at"): now,
    }
    type(attempt).objects.filter(pk=attempt.pk).update(**values, updated_at=now)
    refresh(attempt, slot)


def check(
    attempt: Any,
    slot: str,
    strategy: str,
    code: Any,
    *,
    user: Any = None,
    target: tuple[str, str] | None = None,
) -> None:
    """Check ``code`` for the pending ``strategy`` of ``slot``; mark the slot verified or raise
    ``form_code_incorrect`` (422) while tries remain, then ``verification_failed`` /
    ``verification_expired`` (400). A wrong code counts toward ``user``'s lockout; every
    compared code counts toward the ``(kind, value)`` identifier's hourly guesses
    (``verification.limit_guesses``: 429 past it)."""
    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    model = type(attempt)
    now = timezone.now()
    pending = model.objects.filter(
        pk=attempt.pk,
        **{
            _f(slot, "strategy"): strategy,
            _f(slot, "status"): "unverified",
            f"{_f(slot, 'attempts')}__lt": app_settings.VERIFICATION_MAX_ATTEMPTS,
            f"{_f(slot, 'expire_at')}__gt": now,
        },
    )
    if not pending.update(**{_f(slot, "attempts"): F(_f(slot, "attempts")) + 1}):
        raise _spent_error(attempt, slot, strategy, now)
    # The code counts toward the user's lockout before it is compared (``lockout``), on the
    # code counter, as ``verification.attempt`` does.
    if user is not None and not lockout.claim(user, lockout.CODE):
        raise errors.user_locked(user)
    if target is not None:
        verification.limit_guesses(*target)
    refresh(attempt, slot)
    expected = getattr(attempt, _f(slot, "secret"))
    if expected and hmac.compare_digest(expected, digest(attempt, slot, code.strip())):
        won = model.objects.filter(
            pk=attempt.pk, **{_f(slot, "secret"): expected, _f(slot, "status"): "unverified"}
        ).update(**{_f(slot, "status"): "verified", _f(slot, "secret"): ""}, updated_at=now)
        refresh(attempt, slot)
        if won:
            if user is not None:
                lockout.succeeded(user, lockout.CODE)
            return
    remaining = max(
        0, app_settings.VERIFICATION_MAX_ATTEMPTS - (getattr(attempt, _f(slot, "attempts")) or 0)
    )
    if remaining == 0:
        model.objects.filter(pk=attempt.pk, **{_f(slot, "status"): "unverified"}).update(
            **{_f(slot, "status"): "failed"}
        )
        refresh(attempt, slot)
    if user is not None:
        lockout.failed(user)
    raise errors.code_incorrect(remaining)


def _spent_error(attempt: Any, slot: str, strategy: str, now: Any) -> errors.ClerkError:
    refresh(attempt, slot)
    status = getattr(attempt, _f(slot, "status"))
    if getattr(attempt, _f(slot, "strategy")) != strategy or not status:
        return errors.ClerkError(
            "verification_missing",
            "no verification in progress",
            long_message=f"Prepare the {strategy} verification first.",
            status=400,
        )
    if status == "verified":
        return errors.ClerkError(
            "verification_already_verified",
            "already verified",
            long_message="This verification has already been completed.",
            status=400,
        )
    expire_at = getattr(attempt, _f(slot, "expire_at"))
    if status == "expired" or (status != "failed" and expire_at is not None and expire_at <= now):
        type(attempt).objects.filter(pk=attempt.pk).update(**{_f(slot, "status"): "expired"})
        setattr(attempt, _f(slot, "status"), "expired")
        return errors.verification_expired()
    type(attempt).objects.filter(pk=attempt.pk).update(**{_f(slot, "status"): "failed"})
    setattr(attempt, _f(slot, "status"), "failed")
    return errors.verification_failed()


def verification_json(attempt: Any, slot: str) -> dict[str, Any] | None:
    """Clerk's ``VerificationJSON`` of a code slot (None before any was started)."""
    from clerk_users.api.serializers import ms

    strategy = getattr(attempt, _f(slot, "strategy"))
    if not strategy:
        return None
    return {
        "object": "verification_otp",
        "status": getattr(attempt, _f(slot, "status")) or "unverified",
        "strategy": strategy,
        "attempts": getattr(attempt, _f(slot, "attempts")),
        "expire_at": ms(getattr(attempt, _f(slot, "expire_at"))),
        "error": None,
    }
