# Issue 14: sign-in and sign-up attempts (ClerkJS SignIn/SignUp resources).

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import clerk_users.models.base


class Migration(migrations.Migration):
    dependencies = [
        ("clerk_users", "0010_password_digest_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="SignInAttempt",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="sia", primary_key=True, serialize=False
                    ),
                ),
                ("client_id", models.CharField(db_index=True, max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("needs_identifier", "Needs Identifier"),
                            ("needs_first_factor", "Needs First Factor"),
                            ("needs_second_factor", "Needs Second Factor"),
                            ("needs_new_password", "Needs New Password"),
                            ("complete", "Complete"),
                            ("abandoned", "Abandoned"),
                        ],
                        default="needs_identifier",
                        max_length=32,
                    ),
                ),
                ("identifier", models.CharField(blank=True, default="", max_length=320)),
                ("identifier_kind", models.CharField(blank=True, default="", max_length=16)),
                (
                    "factor_identification_id",
                    models.CharField(blank=True, default="", max_length=64),
                ),
                ("first_factor_verified_at", models.DateTimeField(blank=True, null=True)),
                ("first_factor_error", models.JSONField(blank=True, null=True)),
                ("external_verification_redirect_url", models.TextField(blank=True, default="")),
                ("oauth_auth_params", models.JSONField(blank=True, default=dict)),
                ("redirect_url", models.TextField(blank=True, default="")),
                ("action_complete_redirect_url", models.TextField(blank=True, default="")),
                ("second_factor_verified_at", models.DateTimeField(blank=True, null=True)),
                ("created_session_id", models.CharField(blank=True, max_length=64, null=True)),
                ("abandon_at", models.DateTimeField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("first_factor_status", models.CharField(blank=True, default="", max_length=16)),
                ("first_factor_strategy", models.CharField(blank=True, default="", max_length=64)),
                ("first_factor_attempts", models.PositiveIntegerField(blank=True, null=True)),
                ("first_factor_expire_at", models.DateTimeField(blank=True, null=True)),
                (
                    "first_factor_secret",
                    models.CharField(blank=True, default="", editable=False, max_length=128),
                ),
                (
                    "first_factor_sent_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                ("second_factor_status", models.CharField(blank=True, default="", max_length=16)),
                ("second_factor_strategy", models.CharField(blank=True, default="", max_length=64)),
                ("second_factor_attempts", models.PositiveIntegerField(blank=True, null=True)),
                ("second_factor_expire_at", models.DateTimeField(blank=True, null=True)),
                (
                    "second_factor_secret",
                    models.CharField(blank=True, default="", editable=False, max_length=128),
                ),
                (
                    "second_factor_sent_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                (
                    "user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-in attempt",
                "ordering": ("-created_at",),
            },
        ),
        migrations.CreateModel(
            name="SignUpAttempt",
            fields=[
                (
                    "id",
                    clerk_users.models.base.ClerkIDField(
                        prefix="sua", primary_key=True, serialize=False
                    ),
                ),
                ("client_id", models.CharField(db_index=True, max_length=64)),
                (
                    "status",
                    models.CharField(
                        choices=[
                            ("missing_requirements", "Missing Requirements"),
                            ("complete", "Complete"),
                            ("abandoned", "Abandoned"),
                        ],
                        default="missing_requirements",
                        max_length=32,
                    ),
                ),
                ("email_address", models.CharField(blank=True, max_length=320, null=True)),
                ("phone_number", models.CharField(blank=True, max_length=32, null=True)),
                ("username", models.CharField(blank=True, max_length=64, null=True)),
                ("first_name", models.CharField(blank=True, max_length=255, null=True)),
                ("last_name", models.CharField(blank=True, max_length=255, null=True)),
                (
                    "password",
                    models.CharField(blank=True, default="", editable=False, max_length=256),
                ),
                ("unsafe_metadata", models.JSONField(blank=True, default=dict)),
                ("legal_accepted_at", models.DateTimeField(blank=True, null=True)),
                ("locale", models.CharField(blank=True, max_length=16, null=True)),
                (
                    "external_account_strategy",
                    models.CharField(blank=True, default="", max_length=64),
                ),
                (
                    "external_account_status",
                    models.CharField(blank=True, default="", max_length=16),
                ),
                ("external_account_expire_at", models.DateTimeField(blank=True, null=True)),
                ("external_account_error", models.JSONField(blank=True, null=True)),
                ("external_verification_redirect_url", models.TextField(blank=True, default="")),
                ("redirect_url", models.TextField(blank=True, default="")),
                ("action_complete_redirect_url", models.TextField(blank=True, default="")),
                ("oauth_auth_params", models.JSONField(blank=True, default=dict)),
                ("created_session_id", models.CharField(blank=True, max_length=64, null=True)),
                ("abandon_at", models.DateTimeField()),
                ("created_at", models.DateTimeField(auto_now_add=True)),
                ("updated_at", models.DateTimeField(auto_now=True)),
                ("email_address_status", models.CharField(blank=True, default="", max_length=16)),
                ("email_address_strategy", models.CharField(blank=True, default="", max_length=64)),
                ("email_address_attempts", models.PositiveIntegerField(blank=True, null=True)),
                ("email_address_expire_at", models.DateTimeField(blank=True, null=True)),
                (
                    "email_address_secret",
                    models.CharField(blank=True, default="", editable=False, max_length=128),
                ),
                (
                    "email_address_sent_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                ("phone_number_status", models.CharField(blank=True, default="", max_length=16)),
                ("phone_number_strategy", models.CharField(blank=True, default="", max_length=64)),
                ("phone_number_attempts", models.PositiveIntegerField(blank=True, null=True)),
                ("phone_number_expire_at", models.DateTimeField(blank=True, null=True)),
                (
                    "phone_number_secret",
                    models.CharField(blank=True, default="", editable=False, max_length=128),
                ),
                (
                    "phone_number_sent_at",
                    models.DateTimeField(blank=True, editable=False, null=True),
                ),
                (
                    "created_user",
                    models.ForeignKey(
                        blank=True,
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "sign-up attempt",
                "ordering": ("-created_at",),
            },
        ),
    ]
