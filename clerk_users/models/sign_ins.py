"""Sign-in and sign-up attempts: the state of Clerk's ``SignIn`` and ``SignUp`` resources.

An attempt belongs to one client (the browser's Django session: ``client_id``) and lives
until it completes or is abandoned (``abandon_at``). One-time codes sent during a flow are
stored like an identifier's (``clerk_users.verification``): only an HMAC of the code, an
expiry, and an attempt counter claimed by a conditional ``UPDATE``. A code "slot" is a group
of ``<slot>_status``, ``_strategy``, ``_attempts``, ``_expire_at``, ``_secret``, ``_sent_at``
fields (``clerk_users.signin.codes`` works on any slot).

The pending password of a sign-up is kept hashed with the site's hasher, never in clear.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from .base import ClerkIDField


class SignInStatus(models.TextChoices):
    NEEDS_IDENTIFIER = "needs_identifier"
    NEEDS_FIRST_FACTOR = "needs_first_factor"
    NEEDS_SECOND_FACTOR = "needs_second_factor"
    NEEDS_NEW_PASSWORD = "needs_new_password"
    COMPLETE = "complete"
    ABANDONED = "abandoned"


class SignInAttempt(models.Model):
    id = ClerkIDField(prefix="sia", primary_key=True)
    client_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=32, choices=SignInStatus.choices, default=SignInStatus.NEEDS_IDENTIFIER
    )
    identifier = models.CharField(max_length=320, blank=True, default="")
    # The identifier's kind: email_address, phone_number or username ("" before identified).
    identifier_kind = models.CharField(max_length=16, blank=True, default="")
    # Null with an identifier: nobody has it (the sign-in then plays along, see signin.sign_ins).
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    # The email address or phone number id a code factor was prepared for.
    factor_identification_id = models.CharField(max_length=64, blank=True, default="")
    first_factor_verified_at = models.DateTimeField(null=True, blank=True)
    first_factor_error = models.JSONField(null=True, blank=True)
    external_verification_redirect_url = models.TextField(blank=True, default="")
    # ``oidc_prompt`` / ``oidc_login_hint`` of an OAuth sign-in, as authorize-URL parameters.
    oauth_auth_params = models.JSONField(default=dict, blank=True)
    redirect_url = models.TextField(blank=True, default="")
    action_complete_redirect_url = models.TextField(blank=True, default="")
    second_factor_verified_at = models.DateTimeField(null=True, blank=True)
    created_session_id = models.CharField(max_length=64, null=True, blank=True)
    abandon_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    first_factor_status = models.CharField(max_length=16, blank=True, default="")
    first_factor_strategy = models.CharField(max_length=64, blank=True, default="")
    first_factor_attempts = models.PositiveIntegerField(null=True, blank=True)
    first_factor_expire_at = models.DateTimeField(null=True, blank=True)
    first_factor_secret = models.CharField(max_length=128, blank=True, default="", editable=False)
    first_factor_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    second_factor_status = models.CharField(max_length=16, blank=True, default="")
    second_factor_strategy = models.CharField(max_length=64, blank=True, default="")
    second_factor_attempts = models.PositiveIntegerField(null=True, blank=True)
    second_factor_expire_at = models.DateTimeField(null=True, blank=True)
    second_factor_secret = models.CharField(max_length=128, blank=True, default="", editable=False)
    second_factor_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "sign-in attempt"

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"


class SignUpStatus(models.TextChoices):
    MISSING_REQUIREMENTS = "missing_requirements"
    COMPLETE = "complete"
    ABANDONED = "abandoned"


class SignUpAttempt(models.Model):
    id = ClerkIDField(prefix="sua", primary_key=True)
    client_id = models.CharField(max_length=64, db_index=True)
    status = models.CharField(
        max_length=32, choices=SignUpStatus.choices, default=SignUpStatus.MISSING_REQUIREMENTS
    )
    email_address = models.CharField(max_length=320, null=True, blank=True)
    phone_number = models.CharField(max_length=32, null=True, blank=True)
    username = models.CharField(max_length=64, null=True, blank=True)
    first_name = models.CharField(max_length=255, null=True, blank=True)
    last_name = models.CharField(max_length=255, null=True, blank=True)
    # A Django password hash (``make_password``), or "" when none was given.
    password = models.CharField(max_length=256, blank=True, default="", editable=False)
    unsafe_metadata = models.JSONField(default=dict, blank=True)
    legal_accepted_at = models.DateTimeField(null=True, blank=True)
    locale = models.CharField(max_length=16, null=True, blank=True)
    # Sign-up with ``oauth_<provider>`` (allauth's login flow, see ``signin.oauth``).
    external_account_strategy = models.CharField(max_length=64, blank=True, default="")
    external_account_status = models.CharField(max_length=16, blank=True, default="")
    external_account_expire_at = models.DateTimeField(null=True, blank=True)
    external_account_error = models.JSONField(null=True, blank=True)
    external_verification_redirect_url = models.TextField(blank=True, default="")
    redirect_url = models.TextField(blank=True, default="")
    action_complete_redirect_url = models.TextField(blank=True, default="")
    oauth_auth_params = models.JSONField(default=dict, blank=True)
    created_user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_session_id = models.CharField(max_length=64, null=True, blank=True)
    abandon_at = models.DateTimeField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    email_address_status = models.CharField(max_length=16, blank=True, default="")
    email_address_strategy = models.CharField(max_length=64, blank=True, default="")
    email_address_attempts = models.PositiveIntegerField(null=True, blank=True)
    email_address_expire_at = models.DateTimeField(null=True, blank=True)
    email_address_secret = models.CharField(max_length=128, blank=True, default="", editable=False)
    email_address_sent_at = models.DateTimeField(null=True, blank=True, editable=False)
    phone_number_status = models.CharField(max_length=16, blank=True, default="")
    phone_number_strategy = models.CharField(max_length=64, blank=True, default="")
    phone_number_attempts = models.PositiveIntegerField(null=True, blank=True)
    phone_number_expire_at = models.DateTimeField(null=True, blank=True)
    phone_number_secret = models.CharField(max_length=128, blank=True, default="", editable=False)
    phone_number_sent_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at",)
        verbose_name = "sign-up attempt"

    def __str__(self) -> str:
        return f"{self.id} ({self.status})"
