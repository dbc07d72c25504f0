# Owned by issue 12 (security): unverified identifiers claim nothing (unique among verified
# ones and once per user), emails stored in their canonical form, the lockout's code
# counter, the factor-verification times of a session (reverification), and MFA secrets
# encrypted at rest (clerk_users.mfa.adapter).
#
# Safe order: the new constraints are implied by the old ones, so they are added first and
# the old ones dropped after; then existing addresses are rewritten to their canonical form
# one by one, each in its own savepoint, leaving any row whose canonical form would collide
# (or that cannot be normalised) as it was, and logging it.
import logging

import django.db.models.functions.text
from django.db import IntegrityError, migrations, models, transaction

logger = logging.getLogger("clerk_users.migrations")


def canonical_emails(apps, schema_editor):
    from clerk_users.normalization import email_key

    EmailAddress = apps.get_model("clerk_users", "EmailAddress")
    for row in EmailAddress.objects.only("pk", "email_address").iterator(chunk_size=2000):
        key = email_key(row.email_address)
        if key is None or key == row.email_address:
            if key is None:
                logger.warning(
                    "email %s (%s) is not normalisable; left as is", row.pk, row.email_address
                )
            continue
        try:
            with transaction.atomic():
                EmailAddress.objects.filter(pk=row.pk).update(email_address=key)
        except IntegrityError:
            logger.warning("email %s would collide as %s; left as is", row.pk, key)


def encrypt_mfa_secrets(apps, schema_editor):
    """Encrypt TOTP secrets and recovery-code seeds stored in the clear, when the site uses
    our MFA adapter (which can read them back); otherwise leave them as they are."""
    from django.conf import settings

    from clerk_users.mfa import adapter as mfa_adapter

    if getattr(settings, "MFA_ADAPTER", None) != mfa_adapter.ADAPTER_PATH:
        return
    Authenticator = apps.get_model("mfa", "Authenticator")
    for row in Authenticator.objects.all().iterator(chunk_size=500):
        data = mfa_adapter.encrypt_data(row.data or {})
        if data != row.data:
            Authenticator.objects.filter(pk=row.pk).update(data=data)
    TOTPEnrollment = apps.get_model("clerk_users", "TOTPEnrollment")
    for row in TOTPEnrollment.objects.all():
        if not row.secret.startswith(mfa_adapter.PREFIX):
            TOTPEnrollment.objects.filter(pk=row.pk).update(secret=mfa_adapter.encrypt(row.secret))


class Migration(migrations.Migration):
    dependencies = [
        ("clerk_users", "0007_search_indexes"),
        ("mfa", "0003_authenticator_type_uniq"),
    ]

    operations = [
        migrations.AddField(
            model_name="session",
            name="first_factor_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="session",
            name="second_factor_verified_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="session",
            name="verification",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
        migrations.AddField(
            model_name="user",
            name="failed_code_attempts",
            field=models.PositiveIntegerField(default=0),
        ),
        migrations.AddConstraint(
            model_name="emailaddress",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("email_address"),
                condition=models.Q(("verification_status", "verified")),
                name="clerk_users_email_verified_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="emailaddress",
            constraint=models.UniqueConstraint(
                models.F("user"),
                django.db.models.functions.text.Lower("email_address"),
                name="clerk_users_email_user_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="phonenumber",
            constraint=models.UniqueConstraint(
                condition=models.Q(("verification_status", "verified")),
                fields=("phone_number",),
                name="clerk_users_phone_verified_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="phonenumber",
            constraint=models.UniqueConstraint(
                fields=("user", "phone_number"), name="clerk_users_phone_user_unique"
            ),
        ),
        migrations.AddConstraint(
            model_name="web3wallet",
            constraint=models.UniqueConstraint(
                django.db.models.functions.text.Lower("web3_wallet"),
                condition=models.Q(("verification_status", "verified")),
                name="clerk_users_wallet_verified_unique",
            ),
        ),
        migrations.AddConstraint(
            model_name="web3wallet",
            constraint=models.UniqueConstraint(
                models.F("user"),
                django.db.models.functions.text.Lower("web3_wallet"),
                name="clerk_users_wallet_user_unique",
            ),
        ),
        migrations.RemoveConstraint(model_name="emailaddress", name="clerk_users_email_ci_unique"),
        migrations.RemoveConstraint(model_name="web3wallet", name="clerk_users_wallet_ci_unique"),
        migrations.AlterField(
            model_name="phonenumber",
            name="phone_number",
            field=models.CharField(max_length=32),
        ),
        migrations.RunPython(canonical_emails, migrations.RunPython.noop),
        migrations.RunPython(encrypt_mfa_secrets, migrations.RunPython.noop),
    ]
