"""Webhooks (contract §11): endpoints, the transactional outbox of messages, and attempts.

A ``WebhookMessage`` row is written in the same transaction as the change it reports, one per
subscribed endpoint, with the exact body that will be signed and sent on every attempt. Its
``id`` is the Svix message id (``msg_...``), the same on every retry, so receivers can use it
for idempotency. ``seq`` (an auto-increment) gives the creation order that delivery keeps per
user and endpoint.

The message's link to its endpoint has no database constraint on purpose: the write path
reads the endpoint list from a cache, and a message for an endpoint deleted meanwhile must not
fail the user's change (the worker drops such orphans).
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone

from .base import ClerkIDField


class WebhookEndpoint(models.Model):
    id = ClerkIDField(prefix="ep", primary_key=True)
    url = models.URLField(max_length=2000)
    description = models.CharField(max_length=255, blank=True, default="")
    # A shared secret (the receiver verifies with it), so it is stored as is: it must sign.
    secret = models.CharField(max_length=100, editable=False)
    # After a rotation the old secret also signs, for 24 h (as Svix does).
    previous_secret = models.CharField(max_length=100, blank=True, default="", editable=False)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Event types this endpoint receives; empty: all of them.
    event_types = models.JSONField(default=list, blank=True)
    enabled = models.BooleanField(default=True)
    disabled_reason = models.CharField(max_length=255, blank=True, default="")
    # Since when every attempt failed (reset by a success); 5 days of it disables the endpoint.
    failing_since = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ("created_at", "id")
        verbose_name = "webhook endpoint"
        verbose_name_plural = "webhook endpoints"

    def __str__(self) -> str:
        return self.url

    def receives(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class MessageStatus(models.TextChoices):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every attempt of the retry schedule failed


class WebhookMessage(models.Model):
    seq = models.BigAutoField(primary_key=True)
    id = ClerkIDField(prefix="msg", unique=True)
    endpoint = models.ForeignKey(
        WebhookEndpoint,
        on_delete=models.CASCADE,
        db_constraint=False,
        related_name="messages",
    )
    event_type = models.CharField(max_length=64)
    # The key that orders delivery (the user's id; the object's id when there is no user).
    user_key = models.CharField(max_length=64, blank=True, default="")
    body = models.TextField()
    status = models.CharField(
        max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING
    )
    attempt_count = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(default=timezone.now)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("seq",)
        verbose_name = "webhook message"
        verbose_name_plural = "webhook messages"
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="clerk_webhook_due"),
            models.Index(
                fields=["endpoint", "user_key", "status", "seq"], name="clerk_webhook_order"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.id}"


class WebhookAttempt(models.Model):
    message = models.ForeignKey(WebhookMessage, on_delete=models.CASCADE, related_name="attempts")
    endpoint = models.ForeignKey(
        WebhookEndpoint, on_delete=models.CASCADE, db_constraint=False, related_name="attempts"
    )
    # HTTP status of the answer; null when there was none (timeout, connection reset...).
    status_code = models.PositiveIntegerField(null=True, blank=True)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=255, blank=True, default="")
    response_excerpt = models.TextField(blank=True, default="")
    duration_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ("-created_at", "-id")
        verbose_name = "webhook attempt"
        verbose_name_plural = "webhook attempts"

    def __str__(self) -> str:
        return f"{self.message_id}: {self.status_code or self.error}"
