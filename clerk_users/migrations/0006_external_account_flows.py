# Owned by issue 5 (external accounts): the pending OAuth flow of an external account.
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("clerk_users", "0005_profile_images")]

    operations: list = [
        migrations.AddField(
            model_name="externalaccount",
            name="external_verification_redirect_url",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.AddField(
            model_name="externalaccount",
            name="verification_nonce",
            field=models.CharField(blank=True, default="", editable=False, max_length=64),
        ),
        migrations.AddField(
            model_name="externalaccount",
            name="auth_params",
            field=models.JSONField(blank=True, default=dict, editable=False),
        ),
    ]
