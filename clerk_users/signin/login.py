"""Finishing a sign-in or sign-up: the same login as allauth's pages.

``allauth``'s adapter ``login()`` (Django's ``login()``: the session key rotates and
``sessions.lifecycle`` creates the Clerk ``Session`` from ``user_logged_in``), allauth's own
``user_logged_in`` signal (what ``post_login`` sends after its pages) and its record of the
authentication methods used in the session (read by allauth's reauthentication).
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from clerk_users import errors
from clerk_users.sessions import lifecycle as sessions
from clerk_users.signin import client


def ensure_can_sign_in(user: Any) -> None:
    """A banned or locked user cannot sign in (403, as on the Frontend API)."""
    if user.banned:
        raise errors.ClerkError(
            "user_banned",
            "You are banned",
            long_message="This account is banned and cannot sign in.",
            status=403,
        )
    if user.locked:
        raise errors.user_locked(user)


def ensure_email_verified(user: Any) -> None:
    """allauth's ``ACCOUNT_EMAIL_VERIFICATION = "mandatory"``: no login without a verified
    email address (allauth's page would send a confirmation instead of signing in)."""
    from allauth.account import app_settings as account_settings

    from clerk_users.models import EmailAddress

    if account_settings.EMAIL_VERIFICATION != account_settings.EmailVerificationMethod.MANDATORY:
        return
    if not EmailAddress.objects.filter(user_id=user.pk, verification_status="verified").exists():
        raise errors.ClerkError(
            "email_address_verification_required",
            "Email address not verified",
            long_message="Verify an email address of this account before signing in.",
            status=403,
        )


def record(request: Any, user: Any, method: str, **extra: Any) -> None:
    """allauth's log of the authentication methods used in this session."""
    from allauth.account.internal.flows.login import record_authentication

    record_authentication(client.django_request(request), user, method, **extra)


def log_in(
    request: Any,
    user: Any,
    *,
    first_factor_verified_at: Any = None,
    second_factor_verified_at: Any = None,
) -> str:
    """Log ``user`` in on this client and return the new Clerk session id. The session
    records when its factors were verified (reverification reads them)."""
    from allauth.account import signals
    from allauth.account.adapter import get_adapter

    django_request = client.django_request(request)
    ensure_can_sign_in(user)
    ensure_email_verified(user)
    kept = client.snapshot(request)
    get_adapter(django_request).login(django_request, user)
    client.keep_after_login(request, kept)
    signals.user_logged_in.send(sender=type(user), request=django_request, response=None, user=user)
    session_id = sessions.session_id_of(django_request)
    if not session_id:  # pragma: no cover - sessions.lifecycle always sets it
        raise RuntimeError("login did not create a Clerk session")
    from clerk_users.models import Session

    Session.objects.filter(pk=session_id).update(
        first_factor_verified_at=first_factor_verified_at or timezone.now(),
        second_factor_verified_at=second_factor_verified_at,
    )
    return str(session_id)
