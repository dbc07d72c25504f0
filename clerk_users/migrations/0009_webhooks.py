# Owned by issue 15 (webhooks): endpoints, the transactional outbox of messages, attempts.
import django.db.models.deletion
import django.utils.timezone
from django.db import migrations, models

import clerk_users.models.base


class Migration(migrations.Migration):
    dependencies = [
        ("clerk_users", "0008_unverified_claims_reverification"),
    ]

    operations = [
        migrations.CreateModel(
            name="WebhookEndpoint",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="ep", primary_key=True, serialize=False
                    ),
                ),
                ("url", models.URLField(max_length=2000)),
                ("description", models.CharField(blank=True, default="", max_length=255)),
                ("secret", models.CharField(editable=False, max_length=100)),
                (
                    "previous_secret",
                    models.CharField(blank=True, default="", editable=False, max_length=100),
                ),
                (
                    "previous_secret_expires_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                ("event_types", models.JSONField(blank=True, default=list)),
                ("enabled", models.BooleanField(default=True)),
                ("disabled_reason", models.CharField(blank=True, default="", max_length=255)),
                ("failing_since", models.DateTimeField(blank=True, editable=False, null=True)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "webhook endpoint",
                "verbose_name_plural": "webhook endpoints",
                "ordering": ("created_at", "id"),
            },
        ),
        migrations.CreateModel(
            name="WebhookMessage",
            fields=[
                ("seq", models.BigAutoField(primary_key=True, serialize=False)),
                ("id", clerk_users.models.base.ClerkIDField(prefix="msg", unique=True)),
                ("event_type", models.CharField(max_length=64)),
                ("user_key", models.CharField(blank=True, default="", max_length=64)),
                ("body", models.TextField()),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("pending", "Pending"),
                            ("delivered", "Delivered"),
                            ("failed", "Failed"),
                        ],
                        default="pending",
                        max_length=16,
                    ),
                ),
                ("attempt_count", models.PositiveIntegerField(default=0)),
                ("next_attempt_at", models.DateTimeField(default=django.utils.timezone.now)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("delivered_at", models.DateTimeField(blank=True, null=True)),
                (
                    "endpoint",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="messages",
                        to="clerk_users.webhookendpoint",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook message",
                "verbose_name_plural": "webhook messages",
                "ordering": ("seq",),
            },
        ),
        migrations.CreateModel(
            name="WebhookAttempt",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("status_code", models.PositiveIntegerField(blank=True, null=True)),
                ("succeeded", models.BooleanField(default=False)),
                ("error", models.CharField(blank=True, default="", max_length=255)),
                ("response_excerpt", models.TextField(blank=True, default="")),
                ("duration_ms", models.PositiveIntegerField(default=0)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                (
                    "endpoint",
                    models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempts",
                        to="clerk_users.webhookendpoint",
                    ),
                ),
                (
                    "message",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="attempts",
                        to="clerk_users.webhookmessage",
                    ),
                ),
            ],
            options={
                "verbose_name": "webhook attempt",
                "verbose_name_plural": "webhook attempts",
                "ordering": ("-created_at", "-id"),
            },
        ),
        migrations.AddIndex(
            model_name="webhookmessage",
            index=models.Index(fields=["status", "next_attempt_at"], name="clerk_webhook_due"),
        ),
        migrations.AddIndex(
            model_name="webhookmessage",
            index=models.Index(
                fields=["endpoint", "user_key", "status", "seq"], name="clerk_webhook_order"
            ),
        ),
    ]
