"""Backend API secret keys (``sk_test_...`` / ``sk_live_...``).

Only a SHA-256 digest of the raw key is stored, plus a short visible prefix so an admin can
tell keys apart. The raw key is shown once, when it is created. Rules (create, verify, revoke,
``last_used_at`` tracking) live in ``clerk_users.secret_keys``.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .base import ClerkIDField


class SecretKey(models.Model):
    class Environment(models.TextChoices):
        TEST = "test", "test (sk_test_)"
        LIVE = "live", "live (sk_live_)"

    id = ClerkIDField(prefix="sk", primary_key=True)
    name = models.CharField(max_length=255)
    environment = models.CharField(
        max_length=4, choices=Environment.choices, default=Environment.TEST
    )
    # Hex SHA-256 of the raw key: lookups are by digest, the key itself is never stored.
    digest = models.CharField(max_length=64, unique=True, editable=False)
    # e.g. "sk_test_AbCd" followed by an ellipsis in the admin: enough to recognise a key.
    visible_prefix = models.CharField(max_length=32, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    revoked_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Updated at most once per ``secret_keys.LAST_USED_RESOLUTION`` seconds.
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "backend secret key"
        verbose_name_plural = "backend secret keys"

    def __str__(self) -> str:
        return f"{self.name} ({self.visible_prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None
