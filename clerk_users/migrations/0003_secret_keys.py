# Owned by issue 3 (Backend API: SecretKey, and the user's password_compromised_at).
import django.utils.timezone
from django.db import migrations, models

import clerk_users.models.base


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0002_external_accounts")]

    operations = [
        migrations.CreateModel(
            name="SecretKey",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="sk", primary_key=True, serialize=False
                    ),
                ),
                ("name", models.CharField(max_length=255)),
                (
                    "environment",
                    models.CharField(
                        choices=[("test", "test (sk_test_)"), ("live", "live (sk_live_)")],
                        default="test",
                        max_length=4,
                    ),
                ),
                ("digest", models.CharField(editable=False, max_length=64, unique=True)),
                ("visible_prefix", models.CharField(editable=False, max_length=32)),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False),
                ),
                ("revoked_at", models.DateTimeField(blank=True, editable=False, null=True)),
                ("last_used_at", models.DateTimeField(blank=True, editable=False, null=True)),
            ],
            options={
                "verbose_name": "backend secret key",
                "verbose_name_plural": "backend secret keys",
                "ordering": ("-created_at", "-id"),
            },
        ),
        migrations.AddField(
            model_name="user",
            name="password_compromised_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
