"""Lookups of an identifier by its value, across users, are served by an index on PostgreSQL.

Since unverified claims may coexist (issue 12), the unique indexes are partial (verified only)
or lead with the user; sign-in, claim checks and the Backend API's exact filters look a value
up across every user and need indexes of their own (migration 0012)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection
from django.db.models.functions import Lower

from clerk_users.models import EmailAddress, PhoneNumber, Web3Wallet

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def _plan(queryset: Any) -> str:
    if connection.vendor != "postgresql":
        pytest.skip("query plans are proven on PostgreSQL")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
    return str(queryset.explain())


@pytest.mark.parametrize(
    ("queryset", "index"),
    [
        (
            lambda: EmailAddress.objects.filter(email_address="a@example.com"),
            "clerk_users_email_idx",
        ),
        (
            lambda: EmailAddress.objects.annotate(v=Lower("email_address")).filter(
                v__in=["a@example.com", "b@example.com"]
            ),
            "clerk_users_email_lower_idx",
        ),
        (lambda: PhoneNumber.objects.filter(phone_number="+14155550100"), "clerk_users_phone_idx"),
        (
            lambda: Web3Wallet.objects.filter(web3_wallet="0x" + "a" * 40),
            "clerk_users_wallet_idx",
        ),
    ],
)
def test_value_lookups_use_an_index(queryset: Any, index: str) -> None:
    """No sequential scan is left to the planner; on an empty table it may still prefer
    another usable index (the trigram GIN answers equality too), so any index counts, and
    ``index`` is the one that serves the lookup when the table has rows."""
    plan = _plan(queryset())
    assert "Seq Scan" not in plan and "Index" in plan, (index, plan)
