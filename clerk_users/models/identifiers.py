"""Email addresses, phone numbers and web3 wallets: a user's identifiers.

Each identifier carries its own verification state (contract §3). Uniqueness is enforced by
the database: emails case-insensitively (stored canonical: ``clerk_users.normalization``),
phones as E.164, wallets lowercased. An unverified identifier claims nothing (issue 12):
a value is unique among *verified* identifiers and once per user, so someone else's
unverified claim never blocks the owner; verifying it removes the other claims.
Rules (who may create, verify, delete, become primary) live in ``clerk_users.identifiers``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone

from .base import ClerkIDField, TimestampedModel


class VerificationStatus(models.TextChoices):
    UNVERIFIED = "unverified"
    VERIFIED = "verified"
    FAILED = "failed"
    EXPIRED = "expired"
    TRANSFERABLE = "transferable"


VERIFIED = Q(verification_status="verified")


def verification_object(strategy: str) -> str:
    """Clerk's ``"object"`` of a verification, derived from its strategy."""
    if strategy == "admin":
        return "verification_admin"
    if strategy.startswith("from_oauth"):
        return "verification_from_oauth"
    if strategy.startswith("oauth_"):
        return "verification_oauth"
    if strategy.startswith("web3_"):
        return "verification_web3"
    if strategy in ("email_link", "ticket"):
        return "verification_link" if strategy == "email_link" else "verification_ticket"
    return "verification_otp"


class Identification(TimestampedModel):
    """Abstract base of the three identifier kinds, with Clerk's verification fields."""

    id = ClerkIDField(prefix="idn", primary_key=True)
    reserved = models.BooleanField(default=False)

    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    # Empty while no verification was ever started (the wire shows ``verification: null``).
    verification_strategy = models.CharField(max_length=64, blank=True, default="")
    verification_attempts = models.PositiveIntegerField(null=True, blank=True)
    verification_expire_at = models.DateTimeField(null=True, blank=True)
    # HMAC digest of the one-time code or web3 nonce; the code itself is never stored.
    verification_secret = models.CharField(max_length=128, blank=True, default="", editable=False)
    verification_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    verification_message = models.TextField(blank=True, default="", editable=False)
    verified_at = models.DateTimeField(null=True, blank=True)

    linked_external_account = models.ForeignKey(
        "clerk_users.ExternalAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    kind: str = ""
    value_field: str = ""

    if TYPE_CHECKING:  # concrete subclasses define these
        user: Any
        user_id: Any
        objects: ClassVar[models.Manager[Any]]

    class Meta:
        abstract = True
        ordering = ("created_at", "id")

    def __str__(self) -> str:
        return str(getattr(self, self.value_field))

    @property
    def value(self) -> str:
        return getattr(self, self.value_field)

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def verification_object(self) -> str:
        return verification_object(self.verification_strategy)

    def prepare_verification(self, strategy: str | None = None, **kwargs: Any) -> Any:
        """Start a verification (sends the code); see ``clerk_users.verification``."""
        from clerk_users import verification

        return verification.prepare(self, strategy, **kwargs)

    def attempt_verification(self, code: str | None = None, **kwargs: Any) -> Any:
        """Check a code (or signature); raises ``ClerkError`` when it is wrong or spent."""
        from clerk_users import verification

        return verification.attempt(self, code, **kwargs)

    def destroy(self) -> None:
        """Delete with Clerk's rules (primary handling, mirror to allauth)."""
        from clerk_users import identifiers

        identifiers.delete_identifier(self)

    def mark_verified(self, strategy: str, *, now: Any = None) -> None:
        self.verification_status = VerificationStatus.VERIFIED
        self.verification_strategy = strategy
        self.verification_secret = ""
        self.verification_message = ""
        self.verified_at = now or timezone.now()
        if strategy == "admin" or strategy.startswith("from_oauth"):
            self.verification_attempts = None
            self.verification_expire_at = None


class EmailAddress(Identification):
    email_address = models.CharField(max_length=320)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="email_addresses"
    )
    matches_sso_connection = models.BooleanField(default=False)

    kind = "email_address"
    value_field = "email_address"

    class Meta(Identification.Meta):
        verbose_name = "email address"
        verbose_name_plural = "email addresses"
        constraints = [
            models.UniqueConstraint(
                Lower("email_address"),
                condition=VERIFIED,
                name="clerk_users_email_verified_unique",
            ),
            models.UniqueConstraint(
                F("user"), Lower("email_address"), name="clerk_users_email_user_unique"
            ),
        ]
        # Lookups by value across users (sign-in, claims, exact filters): the unique indexes
        # above are partial (verified only) or lead with the user.
        indexes = [
            models.Index(fields=["email_address"], name="clerk_users_email_idx"),
            models.Index(Lower("email_address"), name="clerk_users_email_lower_idx"),
        ]


class PhoneNumber(Identification):
    phone_number = models.CharField(max_length=32)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="phone_numbers"
    )
    reserved_for_second_factor = models.BooleanField(default=False)
    default_second_factor = models.BooleanField(default=False)

    kind = "phone_number"
    value_field = "phone_number"

    class Meta(Identification.Meta):
        verbose_name = "phone number"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(phone_number__startswith="+"),
                name="clerk_users_phone_e164",
            ),
            models.UniqueConstraint(
                fields=["phone_number"],
                condition=VERIFIED,
                name="clerk_users_phone_verified_unique",
            ),
            models.UniqueConstraint(
                fields=["user", "phone_number"], name="clerk_users_phone_user_unique"
            ),
        ]
        indexes = [models.Index(fields=["phone_number"], name="clerk_users_phone_idx")]


class Web3Wallet(Identification):
    web3_wallet = models.CharField(max_length=42)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="web3_wallets"
    )

    kind = "web3_wallet"
    value_field = "web3_wallet"

    class Meta(Identification.Meta):
        verbose_name = "web3 wallet"
        constraints = [
            models.UniqueConstraint(
                Lower("web3_wallet"), condition=VERIFIED, name="clerk_users_wallet_verified_unique"
            ),
            models.UniqueConstraint(
                F("user"), Lower("web3_wallet"), name="clerk_users_wallet_user_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["web3_wallet"], name="clerk_users_wallet_idx"),
            models.Index(Lower("web3_wallet"), name="clerk_users_wallet_lower_idx"),
        ]


IDENTIFIER_MODELS: dict[str, type[Identification]] = {
    "email_address": EmailAddress,
    "phone_number": PhoneNumber,
    "web3_wallet": Web3Wallet,
}
