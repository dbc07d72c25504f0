"""Longer `User.password`: digests imported from Clerk (scrypt, PBKDF2-SHA512) exceed 128."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("clerk_users", "0009_webhooks"),
    ]

    operations = [
        migrations.AlterField(
            model_name="user",
            name="password",
            field=models.CharField(max_length=512, verbose_name="password"),
        ),
    ]
