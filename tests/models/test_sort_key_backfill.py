"""Migration 0013's backfill (``indexes.fill_sort_keys``): the SQL UPDATE that sets every
existing user's primary sort keys, on SQLite and PostgreSQL alike; and, on PostgreSQL, the
sort key indexes it builds."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest
from django.apps import apps
from django.db import connection

from clerk_users import identifiers
from clerk_users.models import EmailAddress, User, indexes
from tests.sort_keys import assert_sort_keys_match, keys_of, mismatches

pytestmark = pytest.mark.django_db


def test_fill_sets_every_key_from_the_primaries(make_user: Any) -> None:
    full = make_user(
        email_address=["Zed@Example.com", "amy@example.com"],
        phone_number="+14155550101",
        web3_wallet="0x" + "AB" * 20,
    )
    phone_only = make_user(email_address=None, phone_number="+14155550102")
    bare = make_user(email_address=None)
    legacy = EmailAddress.objects.create(
        user=bare, email_address="Legacy@Example.COM", verification_status="verified"
    )
    identifiers.set_primary(bare, legacy)
    nobody = make_user(email_address=None, username="nobody")
    # As before the migration: the columns exist, empty.
    User.objects.update(**{f"primary_{kind}_sort_key": None for kind in identifiers.PRIMARY_FIELD})
    assert len(mismatches()) == 5
    with connection.cursor() as cursor:
        # What the migration's RunPython uses of its schema editor (SQLite refuses a real
        # one inside the test's transaction).
        editor = SimpleNamespace(
            quote_name=connection.ops.quote_name, execute=cursor.execute, connection=connection
        )
        # Batches of 2 users: five users with primaries span three ranges.
        indexes.fill_sort_keys("clerk_users", "User", batch=2)(apps, editor)
    assert keys_of(full) == ("zed@example.com", "+14155550101", "0x" + "ab" * 20)
    assert keys_of(phone_only) == (None, "+14155550102", None)
    assert keys_of(bare) == ("legacy@example.com", None, None)
    assert keys_of(nobody) == (None, None, None)
    assert_sort_keys_match()


@pytest.mark.postgres
def test_migration_built_the_sort_key_indexes() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL only (DATABASE_URL)")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s",
            [User._meta.db_table],
        )
        built = dict(cursor.fetchall())
    for name, using in indexes.SORT_KEY_INDEXES:
        assert name in built, name
        assert using.split("(", 1)[1] in built[name], (using, built[name])
