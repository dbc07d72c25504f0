"""The user lockout: one rule for passwords and codes, whoever checks them (contract §3).

``LOCKOUT_MAX_ATTEMPTS`` failed attempts lock the user for ``LOCKOUT_DURATION`` seconds.
Two rules close the holes issue 12 found:

- **Counted before checking.** :func:`claim` takes an attempt with one conditional
  ``UPDATE ... SET n = n + 1 WHERE <not locked> AND <total> < limit`` before the secret is
  compared, so 30 parallel wrong passwords compare at most ``limit`` of them (the row lock
  of the UPDATE serialises the claims on PostgreSQL). A success gives its attempt back.
- **Each factor on its own counter.** Failed passwords count in
  ``failed_verification_attempts``, failed codes (email/phone codes, TOTP, backup codes,
  web3 signatures) in ``failed_code_attempts``; the lock is on their *sum*, and a success
  resets only its own factor's counter. A correct password therefore no longer wipes the
  failed code guesses (alternating sign-ins and code guesses never locked before).

Call sites: :func:`check` wraps a comparison (``check(user, PASSWORD, lambda: ...)``);
sign-in flows (the Frontend API's sign-ins, allauth, the Backend API) all go through it.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db.models import F, Q
from django.utils import timezone

from clerk_users.app_settings import app_settings

PASSWORD = "password"
CODE = "code"
FIELDS = {PASSWORD: "failed_verification_attempts", CODE: "failed_code_attempts"}


def _not_locked(now: Any) -> Q:
    return Q(locked_at__isnull=True) | Q(lockout_expires_at__lte=now)


def _expire(model: Any, pk: Any, now: Any) -> None:
    """An expired lockout starts a fresh count."""
    model.objects.filter(pk=pk, locked_at__isnull=False, lockout_expires_at__lte=now).update(
        locked_at=None,
        lockout_expires_at=None,
        failed_verification_attempts=0,
        failed_code_attempts=0,
    )


def _refresh(user: Any) -> None:
    fresh = (
        type(user)
        .objects.filter(pk=user.pk)
        .values(*FIELDS.values(), "locked_at", "lockout_expires_at")
        .first()
    )
    for key, value in (fresh or {}).items():
        setattr(user, key, value)


def claim(user: Any, factor: str) -> bool:
    """Count one attempt of ``factor`` before checking it; False (nothing counted, nothing
    to check) when the user is locked or has no attempt left."""
    model = type(user)
    now = timezone.now()
    _expire(model, user.pk, now)
    limit = app_settings.LOCKOUT_MAX_ATTEMPTS
    field, other = FIELDS[factor], FIELDS[CODE if factor == PASSWORD else PASSWORD]
    claimed = (
        model.objects.filter(_not_locked(now), pk=user.pk)
        .filter(**{f"{field}__lt": limit - F(other)})
        .update(**{field: F(field) + 1})
    )
    _refresh(user)
    return bool(claimed)


def succeeded(user: Any, factor: str) -> None:
    """A correct secret of ``factor``: its counter starts again (the other one does not)."""
    field = FIELDS[factor]
    type(user).objects.filter(pk=user.pk).exclude(**{field: 0}).update(**{field: 0})
    setattr(user, field, 0)


def failed(user: Any) -> None:
    """After a wrong secret whose attempt :func:`claim` counted: lock at the limit."""
    model = type(user)
    now = timezone.now()
    limit = app_settings.LOCKOUT_MAX_ATTEMPTS
    total = F(FIELDS[PASSWORD]) + F(FIELDS[CODE])
    model.objects.alias(total=total).filter(
        pk=user.pk, total__gte=limit, locked_at__isnull=True
    ).update(
        locked_at=now, lockout_expires_at=now + timedelta(seconds=app_settings.LOCKOUT_DURATION)
    )
    _refresh(user)


def record_failure(user: Any, factor: str = CODE) -> None:
    """Count a failure that was checked without a prior :func:`claim` (kept for callers
    that compare elsewhere, e.g. allauth's own forms), then lock at the limit."""
    model = type(user)
    _expire(model, user.pk, timezone.now())
    field = FIELDS[factor]
    model.objects.filter(pk=user.pk).update(**{field: F(field) + 1})
    failed(user)


def check(user: Any, factor: str, compare: Callable[[], bool]) -> bool:
    """Claim an attempt, run ``compare``; reset the factor on success, lock at the limit
    on failure. False without calling ``compare`` when the user is locked."""
    if not user.pk:
        return bool(compare())
    if not claim(user, factor):
        return False
    if compare():
        succeeded(user, factor)
        return True
    failed(user)
    return False


def attempts_remaining(user: Any) -> int:
    used = (user.failed_verification_attempts or 0) + (getattr(user, FIELDS[CODE], 0) or 0)
    return max(0, app_settings.LOCKOUT_MAX_ATTEMPTS - used)
