"""PostgreSQL-only indexes for the Backend user list at scale: pg_trgm GIN indexes for the
partial matches of ``query`` and the ``*_query`` filters, GIN ``jsonb_path_ops`` for the
metadata filter, and ``(column, id)`` sort indexes for every ``order_by`` (see
``clerk_users.models.indexes``). Nothing changes on SQLite or in the model state.

Non-atomic so that PostgreSQL builds the indexes ``CONCURRENTLY`` (a large users table keeps
taking writes while they build)."""

from __future__ import annotations

from django.conf import settings
from django.db import migrations

from clerk_users.models import indexes


def _user_model_is_ours() -> bool:
    return settings.AUTH_USER_MODEL == "clerk_users.User"


def create_user_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    if _user_model_is_ours():
        indexes.create_user_indexes("clerk_users", "User")(apps, schema_editor)


def drop_user_indexes(apps, schema_editor):  # noqa: ANN001, ANN201
    if _user_model_is_ours():
        indexes.drop_user_indexes("clerk_users", "User")(apps, schema_editor)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("clerk_users", "0006_external_account_flows")]

    operations = [
        migrations.RunPython(indexes.create_identifier_indexes, indexes.drop_identifier_indexes),
        migrations.RunPython(create_user_indexes, drop_user_indexes),
    ]
