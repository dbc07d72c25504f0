"""Deleting sign-in and sign-up attempts nobody can use any more (past ``abandon_at``)."""

from __future__ import annotations

from django.utils import timezone

from clerk_users.models import SignInAttempt, SignUpAttempt


def clear_expired() -> tuple[int, int]:
    """Delete attempts past their ``abandon_at``; returns (sign-ins, sign-ups) deleted."""
    now = timezone.now()
    sign_ins, _ = SignInAttempt.objects.filter(abandon_at__lte=now).delete()
    sign_ups, _ = SignUpAttempt.objects.filter(abandon_at__lte=now).delete()
    return sign_ins, sign_ups
