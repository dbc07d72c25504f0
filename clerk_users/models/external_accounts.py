"""OAuth external accounts (``eac_``), each linked to one allauth ``SocialAccount``."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from clerk_users import ids

from .base import ClerkIDField, TimestampedModel
from .identifiers import VerificationStatus


def new_identification_id() -> str:
    return ids.generate_id("idn")


class ExternalAccount(TimestampedModel):
    """A provider account of a user; Clerk's ``external_account`` object.

    Unverified while its OAuth flow has not completed (``social_account`` is then null). It
    is keyed by (provider, provider user id), never by email.
    """

    id = ClerkIDField(prefix="eac", primary_key=True)
    identification_id = models.CharField(
        max_length=64, unique=True, default=new_identification_id, editable=False
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_accounts"
    )
    social_account = models.OneToOneField(
        "socialaccount.SocialAccount",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="clerk_external_account",
    )
    provider = models.CharField(max_length=64)  # "oauth_github"
    provider_user_id = models.CharField(max_length=255, blank=True, default="")
    email_address = models.CharField(max_length=320, blank=True, default="")
    email_address_verified = models.BooleanField(default=False)
    first_name = models.CharField(max_length=255, blank=True, default="")
    last_name = models.CharField(max_length=255, blank=True, default="")
    image_url = models.TextField(blank=True, default="")
    username = models.CharField(max_length=255, null=True, blank=True)
    phone_number = models.CharField(max_length=64, null=True, blank=True)
    approved_scopes = models.TextField(blank=True, default="")
    label = models.CharField(max_length=255, null=True, blank=True)
    public_metadata = models.JSONField(default=dict, blank=True)

    verification_status = models.CharField(
        max_length=16, choices=VerificationStatus.choices, default=VerificationStatus.UNVERIFIED
    )
    verification_error = models.JSONField(null=True, blank=True)
    verification_expire_at = models.DateTimeField(null=True, blank=True)
    redirect_url = models.TextField(blank=True, default="")
    additional_scope = models.TextField(blank=True, default="")
    # The start URL of the pending OAuth flow (on this site) and the nonce its signed token
    # carries: a new flow (reauthorize) invalidates older start links.
    external_verification_redirect_url = models.TextField(blank=True, default="")
    verification_nonce = models.CharField(max_length=64, blank=True, default="", editable=False)
    # Extra authorize-URL parameters of the pending flow (``prompt``, ``login_hint``).
    auth_params = models.JSONField(default=dict, blank=True, editable=False)

    class Meta:
        ordering = ("created_at", "id")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "provider_user_id"],
                condition=~models.Q(provider_user_id=""),
                name="clerk_users_external_account_provider_uid_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.provider_user_id or '?'}"

    @property
    def is_verified(self) -> bool:
        return self.verification_status == VerificationStatus.VERIFIED

    @property
    def verification_strategy(self) -> str:
        return self.provider
