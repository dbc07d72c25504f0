"""The Clerk user: ``AbstractClerkUser`` for projects that subclass it, ``User`` otherwise.

Field names follow Clerk's user object. Rules live in plain modules (``clerk_users.users``,
``identifiers``, ``metadata``, ``passwords``); the methods here are the thin Python API of
contract §4 that mirrors ClerkJS's ``User``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.db.models import Prefetch
from django.db.models.functions import Lower
from django.utils import timezone

from .base import ClerkIDField


class ClerkUserQuerySet(models.QuerySet):
    _load_relations = False

    def with_identifiers(self) -> ClerkUserQuerySet:
        """Load users with everything the user JSON reads in two queries, whatever the
        number of users (see ``clerk_users.models.loading``)."""
        from . import loading

        handled = {*loading.HANDLED, "profile_image", "authenticator_set"}
        extra = [
            lookup
            for lookup in self.model.extra_prefetches()
            if getattr(lookup, "prefetch_to", lookup) not in handled
        ]
        queryset = self.select_related("profile_image")
        if extra:
            queryset = queryset.prefetch_related(*extra)
        queryset._load_relations = True
        return queryset

    def _clone(self) -> Any:
        clone = super()._clone()  # type: ignore[misc]
        clone._load_relations = self._load_relations
        return clone

    def _fetch_all(self) -> None:
        loaded = self._result_cache is not None  # type: ignore[has-type]
        super()._fetch_all()  # type: ignore[misc]
        if (
            not loaded
            and self._load_relations
            and self._iterable_class is models.query.ModelIterable
            and self._result_cache
        ):
            from . import loading

            loading.load_relations(self._result_cache, self.db)


class ClerkUserManager(BaseUserManager.from_queryset(ClerkUserQuerySet)):  # type: ignore[misc]
    use_in_migrations = True

    def get_by_natural_key(self, username: str | None) -> Any:
        """Usernames are unique case-insensitively (and stored lowercase): so is the lookup
        used by Django's login and ``createsuperuser``."""
        return self.get(username__iexact=username)

    def create_user(
        self,
        username: str | None = None,
        password: str | None = None,
        *,
        email_address: str | list[str] | None = None,
        phone_number: str | list[str] | None = None,
        web3_wallet: str | list[str] | None = None,
        **fields: Any,
    ) -> Any:
        """Create a user as ``POST /users`` does: identifiers verified (strategy ``admin``),
        the first of each kind primary. Raises ``ClerkError`` on bad input."""
        from clerk_users import users

        return users.create_user(
            model=self.model,
            username=username,
            password=password,
            email_address=email_address,
            phone_number=phone_number,
            web3_wallet=web3_wallet,
            **fields,
        )

    def create_superuser(
        self, username: str | None = None, password: str | None = None, **fields: Any
    ) -> Any:
        """As Django's: staff and superuser. Password validators are not run here (as with
        Django's ``createsuperuser --noinput``); the command's prompt runs them."""
        fields.setdefault("is_staff", True)
        fields.setdefault("is_superuser", True)
        fields.setdefault("skip_password_checks", True)
        return self.create_user(username, password, **fields)


class AbstractClerkUser(AbstractBaseUser, PermissionsMixin):
    id = ClerkIDField(prefix="user", primary_key=True)
    # Longer than Django's 128: digests imported from Clerk (scrypt, PBKDF2-SHA512) are longer.
    password = models.CharField("password", max_length=512)
    username = models.CharField(max_length=64, unique=True, null=True, blank=True)
    first_name = models.CharField(max_length=150, blank=True, default="")
    last_name = models.CharField(max_length=150, blank=True, default="")
    external_id = models.CharField(max_length=255, unique=True, null=True, blank=True)
    locale = models.CharField(max_length=16, null=True, blank=True)

    primary_email_address = models.ForeignKey(
        "clerk_users.EmailAddress",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_phone_number = models.ForeignKey(
        "clerk_users.PhoneNumber",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    primary_web3_wallet = models.ForeignKey(
        "clerk_users.Web3Wallet",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Each primary's value as its kind's unique index compares it (lowercase email, E.164
    # phone, lowercase wallet), NULL without a primary: ``GET /users?order_by=email_address``
    # (phone_number, web3wallet) reads a ``(key, id)`` index of this row instead of joining
    # the identifier table. Written only with the pointer, by
    # ``clerk_users.identifiers.primary_columns`` (identifier values never change).
    primary_email_address_sort_key = models.CharField(
        max_length=320, null=True, blank=True, editable=False
    )
    primary_phone_number_sort_key = models.CharField(
        max_length=32, null=True, blank=True, editable=False
    )
    primary_web3_wallet_sort_key = models.CharField(
        max_length=42, null=True, blank=True, editable=False
    )

    profile_image = models.ForeignKey(
        "clerk_users.Image",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    public_metadata = models.JSONField(default=dict, blank=True)
    private_metadata = models.JSONField(default=dict, blank=True)
    unsafe_metadata = models.JSONField(default=dict, blank=True)

    is_staff = models.BooleanField(default=False)
    banned = models.BooleanField(default=False)
    locked_at = models.DateTimeField(null=True, blank=True)
    # Null with ``locked_at`` set means locked until unlocked by an admin.
    lockout_expires_at = models.DateTimeField(null=True, blank=True)
    # Failed passwords; failed codes count apart (a correct password does not wipe them):
    # the lockout is on the sum (``clerk_users.lockout``).
    failed_verification_attempts = models.PositiveIntegerField(default=0)
    failed_code_attempts = models.PositiveIntegerField(default=0)

    password_last_updated_at = models.DateTimeField(null=True, blank=True)
    # Set by the Backend API's password/set_compromised: the user must reset the password.
    password_compromised_at = models.DateTimeField(null=True, blank=True)
    mfa_enabled_at = models.DateTimeField(null=True, blank=True)
    mfa_disabled_at = models.DateTimeField(null=True, blank=True)
    last_active_at = models.DateTimeField(null=True, blank=True, db_index=True)
    legal_accepted_at = models.DateTimeField(null=True, blank=True)
    delete_self_enabled = models.BooleanField(default=True)
    create_organization_enabled = models.BooleanField(default=False)

    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ClerkUserManager()

    USERNAME_FIELD = "username"
    REQUIRED_FIELDS = []  # type: ignore[misc]

    class Meta:
        abstract = True
        ordering = ("-created_at", "-id")
        constraints = [
            models.UniqueConstraint(
                Lower("username"), name="%(app_label)s_%(class)s_username_ci_unique"
            ),
        ]

    def __str__(self) -> str:
        if self.username:
            return self.username
        email = self.primary_email_address
        return email.email_address if email else self.id

    # Django's auth reads ``is_active``: a banned or locked user cannot sign in.
    @property
    def is_active(self) -> bool:  # type: ignore[override,misc]
        return not self.banned and not self.locked

    @classmethod
    def extra_prefetches(cls) -> list[Any]:
        """Relations loaded with ``with_identifiers()``; later features append to it."""
        from .external_accounts import ExternalAccount

        return [
            "profile_image",
            Prefetch(
                "external_accounts", queryset=ExternalAccount.objects.order_by("created_at", "id")
            ),
            "authenticator_set",  # allauth.mfa: two_factor_enabled, totp_enabled, ...
        ]

    # -- Clerk flags ---------------------------------------------------------------------
    @property
    def locked(self) -> bool:
        if self.locked_at is None:
            return False
        return self.lockout_expires_at is None or self.lockout_expires_at > timezone.now()

    @property
    def lockout_expires_in_seconds(self) -> int | None:
        if not self.locked or self.lockout_expires_at is None:
            return None
        return max(0, int((self.lockout_expires_at - timezone.now()).total_seconds()))

    @property
    def verification_attempts_remaining(self) -> int:
        from clerk_users.app_settings import app_settings

        used = self.failed_verification_attempts + self.failed_code_attempts
        return max(0, app_settings.LOCKOUT_MAX_ATTEMPTS - used)

    @property
    def last_sign_in_at(self) -> datetime | None:
        return self.last_login

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.last_name) if part)

    def get_full_name(self) -> str:
        return self.full_name

    def get_short_name(self) -> str:
        return self.first_name or (self.username or "")

    @property
    def password_enabled(self) -> bool:
        return self.has_usable_password()

    def two_factor_enabled(self) -> bool:
        """Whether the user has any second factor (from ``allauth.mfa``)."""
        from clerk_users.mfa import authenticators as mfa

        return mfa.two_factor_enabled(self)

    @property
    def totp_enabled(self) -> bool:
        from clerk_users.mfa import authenticators as mfa

        return mfa.totp_enabled(self)

    @property
    def backup_code_enabled(self) -> bool:
        from clerk_users.mfa import authenticators as mfa

        return mfa.backup_code_enabled(self)

    # -- Profile image (rules in ``clerk_users.images.profile``) -----------------------------------
    @property
    def image_url(self) -> str:
        """The uploaded image, else the external account's picture, else a default avatar."""
        from clerk_users.images import profile as images

        return images.image_url(self)

    @property
    def profile_image_url(self) -> str:
        return self.image_url

    @property
    def has_image(self) -> bool:
        from clerk_users.images import profile as images

        return images.has_image(self)

    def set_profile_image(self, file: Any) -> Any:
        """Validate, re-encode and store ``file`` as the profile image; ``None`` removes it."""
        from clerk_users.images import profile as images

        return images.set_profile_image(self, file)

    # -- Python API (mirrors ClerkJS ``User``) -------------------------------------------
    def create_email_address(self, email: str) -> Any:
        from clerk_users import identifiers

        return identifiers.create_email_address(self, email)

    def create_phone_number(self, phone_number: str) -> Any:
        from clerk_users import identifiers

        return identifiers.create_phone_number(self, phone_number)

    def create_web3_wallet(self, web3_wallet: str) -> Any:
        from clerk_users import identifiers

        return identifiers.create_web3_wallet(self, web3_wallet)

    def create_external_account(
        self, strategy: str, redirect_url: str | None = None, additional_scope: Any = None
    ) -> Any:
        """An unverified external account whose verification URL starts the OAuth flow."""
        from clerk_users.oauth import external_accounts

        return external_accounts.create_external_account(
            self, strategy, redirect_url, additional_scope
        )

    @property
    def verified_external_accounts(self) -> list[Any]:
        return [a for a in self.external_accounts.all() if a.is_verified]  # type: ignore[attr-defined]

    @property
    def unverified_external_accounts(self) -> list[Any]:
        return [a for a in self.external_accounts.all() if not a.is_verified]  # type: ignore[attr-defined]

    def get_sessions(self) -> Any:
        """The user's active sessions, newest first (each with its latest activity)."""
        from clerk_users.sessions import lifecycle as sessions

        return sessions.sessions_of(self)

    def get_token(self, service: str = "clerk", leeway_in_seconds: int = 10) -> str:
        """A JWT for the current session (``service``: ``clerk``, ``firebase``, ``hasura``
        or a JWT template name), cached while more than ``leeway_in_seconds`` remain."""
        from clerk_users.sessions import tokens

        return tokens.get_user_token(self, service, leeway_in_seconds)

    def update(self, **params: Any) -> AbstractClerkUser:
        """Update the fields ClerkJS's ``user.update()`` may change; see ``users.update_user``."""
        from clerk_users import users

        return users.update_user(self, params, allowed=users.SELF_UPDATABLE)

    def check_password(self, raw_password: str) -> bool:
        """Check a password and count a failure toward the lockout (contract §3)."""
        from clerk_users import passwords

        return passwords.check_password(self, raw_password)

    def set_password(self, raw_password: str | None) -> None:
        super().set_password(raw_password)
        self.password_last_updated_at = timezone.now()
        self.password_compromised_at = None

    def set_unusable_password(self) -> None:
        super().set_unusable_password()
        self._clerk_password_changed = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save; when a new password is stored for an existing user, end their sessions.

        Django ties every cookie session to the password hash, so a new password kills
        them; their Clerk sessions end with them (else their session tokens would keep
        authenticating). The session acting on this user object (``_clerk_session_id``,
        set by the middleware and the API authentication) is kept: the view that changed
        the password keeps it signed in with ``update_session_auth_hash``, as Django's and
        allauth's password-change views do. A reset (an anonymous request) ends them all.
        """
        changed = getattr(self, "_password", None) is not None or getattr(
            self, "_clerk_password_changed", False
        )
        existing = not self._state.adding and self.pk is not None
        super().save(*args, **kwargs)
        self._clerk_password_changed = False
        if changed and existing:
            from clerk_users.sessions import lifecycle as sessions

            sessions.end_sessions_after_password_change(self)


class User(AbstractClerkUser):
    class Meta(AbstractClerkUser.Meta):
        swappable = "AUTH_USER_MODEL"
        verbose_name = "user"
        verbose_name_plural = "users"
