"""PostgreSQL indexes that serve the Backend API's user list at scale (migrations 0007, 0013).

They live outside the models' ``Meta`` because they are PostgreSQL-only (``pg_trgm`` GIN,
``jsonb_path_ops`` GIN, ``NULLS LAST`` sort orders): SQLite runs the same queries without
them. Each is written (as SQL) with the very expression the query code uses
(``clerk_users.api.backend.user_search`` / ``user_filters``), so the planner can match them.

A project with its own user model (``AUTH_USER_MODEL`` subclassing ``AbstractClerkUser``)
adds the user-table indexes in one of its migrations::

    from clerk_users.models import indexes

    operations = [migrations.RunPython(indexes.create_user_indexes("myapp", "User"),
                                       indexes.drop_user_indexes("myapp", "User"))]

and, in a migration after the one ``makemigrations`` writes for the primary sort keys (the
``primary_*_sort_key`` columns), fills them and indexes them::

    operations = [
        migrations.RunPython(indexes.fill_sort_keys("myapp", "User"), migrations.RunPython.noop),
        migrations.RunPython(
            indexes.create_user_indexes("myapp", "User", indexes.SORT_KEY_INDEXES),
            indexes.drop_user_indexes("myapp", "User", indexes.SORT_KEY_INDEXES),
        ),
    ]

(non-atomic, ``atomic = False``, for ``CONCURRENTLY``). Each list is its own argument so an
older migration never builds an index on a column added later.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

RunPythonCode = Callable[[Any, Any], None]

# (name, "USING ..." clause) per table; the expressions are the query code's, as PostgreSQL
# parses them (``LOWER(x)::text`` is ``lower(x)``; the planner ignores a varchar->text cast).
USER_INDEXES: list[tuple[str, str]] = [
    ("cu_user_username_trgm", "gin (lower(username) gin_trgm_ops)"),
    ("cu_user_name_trgm", "gin (lower(first_name || ' ' || last_name) gin_trgm_ops)"),
    ("cu_user_id_trgm", "gin (id gin_trgm_ops)"),
    ("cu_user_pubmeta_gin", "gin (public_metadata jsonb_path_ops)"),
    ("cu_user_privmeta_gin", "gin (private_metadata jsonb_path_ops)"),
    # Sort orders of ``order_by`` with ``id`` as tie-breaker; NOT NULL columns need one
    # index (read backwards for ``-``), nullable ones a second for ``DESC NULLS LAST``.
    ("cu_user_created", "btree (created_at, id)"),
    ("cu_user_updated", "btree (updated_at, id)"),
    ("cu_user_first", "btree (first_name, id)"),
    ("cu_user_last", "btree (last_name, id)"),
    ("cu_user_uname_asc", "btree (username, id)"),
    ("cu_user_uname_desc", "btree (username DESC NULLS LAST, id DESC)"),
    ("cu_user_active_asc", "btree (last_active_at, id)"),
    ("cu_user_active_desc", "btree (last_active_at DESC NULLS LAST, id DESC)"),
    ("cu_user_signin_asc", "btree (last_login, id)"),
    ("cu_user_signin_desc", "btree (last_login DESC NULLS LAST, id DESC)"),
]
# Migration 0013: the primary identifiers' sort keys (``AbstractClerkUser``), same pattern.
SORT_KEY_INDEXES: list[tuple[str, str]] = [
    ("cu_user_email_key_asc", "btree (primary_email_address_sort_key, id)"),
    ("cu_user_email_key_desc", "btree (primary_email_address_sort_key DESC NULLS LAST, id DESC)"),
    ("cu_user_phone_key_asc", "btree (primary_phone_number_sort_key, id)"),
    ("cu_user_phone_key_desc", "btree (primary_phone_number_sort_key DESC NULLS LAST, id DESC)"),
    ("cu_user_wallet_key_asc", "btree (primary_web3_wallet_sort_key, id)"),
    ("cu_user_wallet_key_desc", "btree (primary_web3_wallet_sort_key DESC NULLS LAST, id DESC)"),
]
# (identifier model, SQL of the key) per kind, whose value field is named as the kind; the key
# is the expression of ``clerk_users.identifiers.sort_key`` (stored values are ASCII: SQL's
# LOWER and Python's agree). The user's fields: ``primary_<kind>``, ``primary_<kind>_sort_key``.
SORT_KEYS = {
    "email_address": ("EmailAddress", "LOWER({})"),
    "phone_number": ("PhoneNumber", "{}"),
    "web3_wallet": ("Web3Wallet", "LOWER({})"),
}
IDENTIFIER_INDEXES: dict[str, list[tuple[str, str]]] = {
    "EmailAddress": [("cu_email_trgm", "gin (lower(email_address) gin_trgm_ops)")],
    "PhoneNumber": [("cu_phone_trgm", "gin (phone_number gin_trgm_ops)")],
    "Web3Wallet": [("cu_wallet_trgm", "gin (lower(web3_wallet) gin_trgm_ops)")],
}


def _postgres(schema_editor: Any) -> bool:
    return bool(schema_editor.connection.vendor == "postgresql")


def _apply(schema_editor: Any, model: Any, indexes: list[tuple[str, str]], *, add: bool) -> None:
    # Outside a transaction (the migration is non-atomic) build without blocking writes.
    concurrently = "" if schema_editor.connection.in_atomic_block else " CONCURRENTLY"
    table = schema_editor.quote_name(model._meta.db_table)
    for name, using in indexes:
        if add:
            if _invalid(schema_editor, name):
                # A concurrent build that failed leaves an INVALID index behind, which
                # ``IF NOT EXISTS`` would keep: drop it and build again.
                schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")
            schema_editor.execute(
                f"CREATE INDEX{concurrently} IF NOT EXISTS {name} ON {table} USING {using}"
            )
        else:
            schema_editor.execute(f"DROP INDEX{concurrently} IF EXISTS {name}")


def _invalid(schema_editor: Any, name: str) -> bool:
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT NOT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
            "WHERE c.relname = %s AND pg_table_is_visible(c.oid)",
            [name],
        )
        row = cursor.fetchone()
    return bool(row and row[0])


def create_user_indexes(
    app_label: str, model_name: str, indexes: list[tuple[str, str]] = USER_INDEXES
) -> RunPythonCode:
    def run(apps: Any, schema_editor: Any) -> None:
        if _postgres(schema_editor):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            _apply(schema_editor, apps.get_model(app_label, model_name), indexes, add=True)

    return run


def drop_user_indexes(
    app_label: str, model_name: str, indexes: list[tuple[str, str]] = USER_INDEXES
) -> RunPythonCode:
    def run(apps: Any, schema_editor: Any) -> None:
        if _postgres(schema_editor):
            model = apps.get_model(app_label, model_name)
            _apply(schema_editor, model, indexes, add=False)

    return run


# Users per backfill statement: each batch commits on its own (the migration is
# non-atomic), so no statement holds the row locks of a whole large table.
FILL_BATCH = 5000


def fill_sort_keys(app_label: str, model_name: str, *, batch: int | None = None) -> RunPythonCode:
    """Set every user's primary sort keys from their primaries: set-based ``UPDATE``s of the
    users that have any primary, a primary-key lookup per key, in SQL that PostgreSQL and
    SQLite share, over ranges of ``FILL_BATCH`` user ids. The cost is each new row version
    entering every index of the table, so the three kinds share one statement, which writes
    a user once. One ``UPDATE`` of a million users would hold every user's row lock until it
    ends (minutes: sign-ins and edits wait); a batch holds its 5,000 for well under a second.
    Run it before the sort key indexes are built: they need no maintenance meanwhile."""

    def run(apps: Any, schema_editor: Any) -> None:
        model = apps.get_model(app_label, model_name)._meta
        quote = schema_editor.quote_name
        table = quote(model.db_table)
        pk = quote(model.pk.column)
        assignments, any_primary = [], []
        for kind, (identifier_name, expression) in SORT_KEYS.items():
            identifier = apps.get_model("clerk_users", identifier_name)._meta
            value = expression.format(quote(identifier.get_field(kind).column))
            pointer = quote(model.get_field(f"primary_{kind}").column)
            key = quote(model.get_field(f"primary_{kind}_sort_key").column)
            assignments.append(
                f"{key} = (SELECT {value} FROM {quote(identifier.db_table)} "
                f"WHERE {quote(identifier.pk.column)} = {table}.{pointer})"
            )
            any_primary.append(f"{pointer} IS NOT NULL")
        update = (
            f"UPDATE {table} SET {', '.join(assignments)} "
            f"WHERE {pk} > %s AND {pk} <= %s AND ({' OR '.join(any_primary)})"
        )
        size = batch or FILL_BATCH
        last = ""  # ids are non-empty strings: every id sorts after ""
        with schema_editor.connection.cursor() as cursor:
            while True:
                cursor.execute(
                    f"SELECT MAX({pk}) FROM (SELECT {pk} FROM {table} WHERE {pk} > %s "
                    f"ORDER BY {pk} LIMIT {int(size)}) batch",
                    [last],
                )
                upper = cursor.fetchone()[0]
                if upper is None:
                    return
                schema_editor.execute(update, [last, upper])
                last = upper

    return run


def create_identifier_indexes(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for name, indexes in IDENTIFIER_INDEXES.items():
            _apply(schema_editor, apps.get_model("clerk_users", name), indexes, add=True)


def drop_identifier_indexes(apps: Any, schema_editor: Any) -> None:
    if _postgres(schema_editor):
        for name, indexes in IDENTIFIER_INDEXES.items():
            _apply(schema_editor, apps.get_model("clerk_users", name), indexes, add=False)
