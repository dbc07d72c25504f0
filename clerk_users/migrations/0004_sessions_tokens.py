# Owned by issue 7 (sessions, signing keys, JWT templates, pending TOTP enrollments).
import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

import clerk_users.models.base
import clerk_users.models.sessions


class Migration(migrations.Migration):
    dependencies = [
        ("clerk_users", "0003_secret_keys"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="JWTTemplate",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="jtmp", primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=128, unique=True)),
                ("claims", models.JSONField(default=dict)),
                ("lifetime", models.PositiveIntegerField(default=60)),
                ("allowed_clock_skew", models.PositiveIntegerField(default=5)),
                ("custom_signing_key", models.BooleanField(default=False)),
                ("signing_algorithm", models.CharField(default="RS256", max_length=8)),
                ("signing_key", models.TextField(blank=True, default="")),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "JWT template",
                "ordering": ("-created_at", "-id"),
            },
        ),
        migrations.CreateModel(
            name="SigningKey",
            fields=[
                ("kid", models.CharField(max_length=64, primary_key=True, serialize=False)),
                ("algorithm", models.CharField(default="RS256", max_length=8)),
                ("private_key", models.TextField()),
                ("public_jwk", models.JSONField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("retired_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "ordering": ("-created_at",),
            },
        ),
        migrations.CreateModel(
            name="TOTPEnrollment",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
                ("totp_id", models.CharField(max_length=64)),
                ("secret", models.TextField()),
                ("created_at", models.DateTimeField(default=django.utils.timezone.now)),
            ],
        ),
        migrations.CreateModel(
            name="Session",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="sess", primary_key=True, serialize=False
                    ),
                ),
                (
                    "client_id",
                    models.CharField(default=clerk_users.models.sessions._client_id, max_length=64),
                ),
                (
                    "session_key",
                    models.CharField(blank=True, db_index=True, max_length=64, null=True),
                ),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("active", "Active"),
                            ("revoked", "Revoked"),
                            ("ended", "Ended"),
                            ("expired", "Expired"),
                            ("removed", "Removed"),
                            ("abandoned", "Abandoned"),
                        ],
                        default="active",
                        max_length=16,
                    ),
                ),
                ("expire_at", models.DateTimeField()),
                ("abandon_at", models.DateTimeField()),
                ("last_active_at", models.DateTimeField(default=django.utils.timezone.now)),
                ("ended_at", models.DateTimeField(blank=True, null=True)),
                (
                    "activity_id",
                    models.CharField(
                        default=clerk_users.models.sessions._activity_id, max_length=64
                    ),
                ),
                ("browser_name", models.CharField(blank=True, default="", max_length=64)),
                ("browser_version", models.CharField(blank=True, default="", max_length=32)),
                ("device_type", models.CharField(blank=True, default="", max_length=64)),
                ("is_mobile", models.BooleanField(default=False)),
                ("ip_address", models.GenericIPAddressField(blank=True, null=True)),
                ("city", models.CharField(blank=True, default="", max_length=128)),
                ("country", models.CharField(blank=True, default="", max_length=64)),
                (
                    "created_at",
                    models.DateTimeField(db_index=True, default=django.utils.timezone.now),
                ),
                ("updated_at", models.DateTimeField(auto_now=True)),
                (
                    "user",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="clerk_sessions",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "ordering": ("-created_at", "-id"),
                "indexes": [models.Index(fields=["user", "status"], name="clerk_sess_user_status")],
            },
        ),
    ]
