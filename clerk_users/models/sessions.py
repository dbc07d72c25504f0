"""Sessions with their latest activity, signing keys and JWT templates (contract §3, §8).

A ``Session`` row is created on every login and tied to the Django session key; it is kept
after the session ends (with its final status) so that ``GET /sessions?status=revoked`` and
an audit of past sign-ins work, as Clerk's sessions do. The latest activity is embedded in
the row (one write per throttled activity update, no join to list sessions).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from clerk_users import ids

from .base import ClerkIDField
from .prepared import PreparedQuery


class SessionStatus(models.TextChoices):
    ACTIVE = "active"
    REVOKED = "revoked"
    ENDED = "ended"
    EXPIRED = "expired"
    REMOVED = "removed"
    ABANDONED = "abandoned"


class SessionQuerySet(models.QuerySet):
    def active(self, now: datetime | None = None) -> SessionQuerySet:
        """Sessions still usable now (or at ``now``): status active and neither expired nor
        abandoned."""
        if now is None:
            now = timezone.now()
        return self.filter(status=SessionStatus.ACTIVE, expire_at__gt=now, abandon_at__gt=now)


def _client_id() -> str:
    return ids.generate_id(ids.PREFIXES["client"])


def _activity_id() -> str:
    return ids.generate_id(ids.PREFIXES["session_activity"])


class Session(models.Model):
    id = ClerkIDField(prefix="sess", primary_key=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="clerk_sessions"
    )
    client_id = models.CharField(max_length=64, default=_client_id)
    # The Django session this Clerk session lives in (null once it is gone).
    session_key = models.CharField(max_length=64, null=True, blank=True, db_index=True)
    status = models.CharField(
        max_length=16, choices=SessionStatus.choices, default=SessionStatus.ACTIVE
    )
    expire_at = models.DateTimeField()
    abandon_at = models.DateTimeField()
    last_active_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    # Latest activity (Clerk's ``SessionActivity``), refreshed by the middleware.
    activity_id = models.CharField(max_length=64, default=_activity_id)
    browser_name = models.CharField(max_length=64, blank=True, default="")
    browser_version = models.CharField(max_length=32, blank=True, default="")
    device_type = models.CharField(max_length=64, blank=True, default="")
    is_mobile = models.BooleanField(default=False)
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    city = models.CharField(max_length=128, blank=True, default="")
    country = models.CharField(max_length=64, blank=True, default="")
    # When the session last proved a first factor (sign-in, then reverification) and a
    # second factor: Clerk's ``factor_verification_age`` and reverification read them.
    first_factor_verified_at = models.DateTimeField(null=True, blank=True)
    second_factor_verified_at = models.DateTimeField(null=True, blank=True)
    # The pending reverification (Clerk's ``SessionVerification``): level, status, the
    # email code's HMAC and attempts. Never output as is.
    verification = models.JSONField(default=dict, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SessionQuerySet.as_manager()

    class Meta:
        ordering = ("-created_at", "-id")
        indexes = [models.Index(fields=["user", "status"], name="clerk_sess_user_status")]

    def __str__(self) -> str:
        return f"{self.id} ({self.current_status})"

    @property
    def current_status(self) -> str:
        """The status now: an active session past ``expire_at``/``abandon_at`` reads as
        expired/abandoned even before anything wrote that down."""
        if self.status != SessionStatus.ACTIVE:
            return self.status
        now = timezone.now()
        if self.expire_at <= now:
            return SessionStatus.EXPIRED
        if self.abandon_at <= now:
            return SessionStatus.ABANDONED
        return SessionStatus.ACTIVE

    @property
    def is_active(self) -> bool:
        return self.current_status == SessionStatus.ACTIVE

    def get_token(self, template: str | None = None, **kwargs: Any) -> str:
        """Mint a JWT for this session (the session token, or from ``template``)."""
        from clerk_users.sessions import tokens

        return tokens.session_token(self, template=template, **kwargs)

    def revoke(self) -> Session:
        from clerk_users.sessions import lifecycle as sessions

        return sessions.revoke_session(self)


def _active_with_user(session_id: str, user_id: Any, now: datetime) -> Any:
    # ``[:1]`` without ORDER BY: the primary key matches one row at most.
    return (
        Session.objects.active(now)
        .select_related("user")
        .filter(pk=session_id, user_id=user_id)
        .order_by()[:1]
    )


_ACTIVE_WITH_USER = PreparedQuery(
    _active_with_user, Session, session_id="id", user_id="user", now="expire_at"
)


def active_session_with_user(session_id: str, user_id: Any) -> Session | None:
    """The session ``session_id`` of user ``user_id`` if it is active now, its user loaded.

    This is the one query that authenticates each Frontend API request (session cookie or
    Bearer token): revocation and expiry hold at once. It runs as SQL compiled once per
    database (``PreparedQuery``), since compiling the queryset on every request cost more
    than running it.
    """
    found = _ACTIVE_WITH_USER(session_id=session_id, user_id=user_id, now=timezone.now())
    return found[0] if found else None


class SigningKey(models.Model):
    """An RS256 key generated for development when ``SIGNING_KEYS`` is not configured."""

    kid = models.CharField(max_length=64, primary_key=True)
    algorithm = models.CharField(max_length=8, default="RS256")
    private_key = models.TextField()
    public_jwk = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now)
    retired_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)

    def __str__(self) -> str:
        return self.kid


class JWTTemplate(models.Model):
    id = ClerkIDField(prefix="jtmp", primary_key=True)
    name = models.CharField(max_length=128, unique=True)
    claims = models.JSONField(default=dict)
    lifetime = models.PositiveIntegerField(default=60)
    allowed_clock_skew = models.PositiveIntegerField(default=5)
    custom_signing_key = models.BooleanField(default=False)
    signing_algorithm = models.CharField(max_length=8, default="RS256")
    # A secret (HS*) or a PEM private key (RS*/ES*) when ``custom_signing_key``; never output.
    signing_key = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "JWT template"

    def __str__(self) -> str:
        return self.name


class TOTPEnrollment(models.Model):
    """A TOTP secret offered by ``POST /me/totp`` and not yet confirmed by a code.

    It lives outside allauth's ``Authenticator`` (whose presence means "enabled") and outside
    the Django session (Bearer-authenticated clients have none). The secret is encrypted with
    allauth's ``mfa.utils.encrypt``.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", primary_key=True
    )
    totp_id = models.CharField(max_length=64)
    secret = models.TextField()
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.totp_id
