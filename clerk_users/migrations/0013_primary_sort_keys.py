"""The primary identifiers' sort keys on the user row (``primary_email_address_sort_key``,
``primary_phone_number_sort_key``, ``primary_web3_wallet_sort_key``): ``GET /users`` ordered
by the primary email address, phone number or wallet reads a ``(key, id)`` index instead of
walking the identifier table and skipping the identifiers that are not primary.

The columns are added (nullable: instant on PostgreSQL), filled by one set-based ``UPDATE``
(``indexes.fill_sort_keys``), then indexed on PostgreSQL ``CONCURRENTLY`` (hence non-atomic),
as migration 0007 does (``clerk_users.models.indexes``). A project with its own user model does the same in its
own migrations (see that module)."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations, models

from clerk_users.models import indexes


def _user_model_is_ours() -> bool:
    return settings.AUTH_USER_MODEL == "clerk_users.User"


def fill_sort_keys(apps, schema_editor):  # noqa: ANN001, ANN201
    if _user_model_is_ours():
        indexes.fill_sort_keys("clerk_users", "User")(apps, schema_editor)


def create_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    if _user_model_is_ours():
        run = indexes.create_user_indexes("clerk_users", "User", indexes.SORT_KEY_INDEXES)
        run(apps, schema_editor)


def drop_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    if _user_model_is_ours():
        run = indexes.drop_user_indexes("clerk_users", "User", indexes.SORT_KEY_INDEXES)
        run(apps, schema_editor)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("clerk_users", "0012_identifier_lookup_indexes")]

    operations = [
        migrations.AddField(
            model_name="user",
            name="primary_email_address_sort_key",
            field=models.CharField(blank=True, editable=False, max_length=320, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="primary_phone_number_sort_key",
            field=models.CharField(blank=True, editable=False, max_length=32, null=True),
        ),
        migrations.AddField(
            model_name="user",
            name="primary_web3_wallet_sort_key",
            field=models.CharField(blank=True, editable=False, max_length=42, null=True),
        ),
        migrations.RunPython(fill_sort_keys, migrations.RunPython.noop),
        migrations.RunPython(create_indexes, drop_indexes),
    ]
