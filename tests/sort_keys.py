"""The primary sort keys' invariant, read back from the database: each user's
``primary_<kind>_sort_key`` is its primary's value as the unique index compares it (lowercase
email address and wallet, phone number as stored), NULL when it has no primary of that kind.
Computed here from the identifier rows, independently of ``identifiers.sort_key``."""

from __future__ import annotations

from typing import Any

KINDS = ("email_address", "phone_number", "web3_wallet")


def keys_of(user: Any) -> tuple[str | None, str | None, str | None]:
    """``user``'s three sort keys as stored (email, phone, wallet)."""
    from django.contrib.auth import get_user_model

    names = [f"primary_{kind}_sort_key" for kind in KINDS]
    return get_user_model().objects.values_list(*names).get(pk=user.pk)


def mismatches() -> list[tuple[str, str, Any, Any]]:
    """``(user id, kind, expected, stored)`` for every user whose key is not its primary's."""
    from django.contrib.auth import get_user_model

    columns = ["pk"]
    for kind in KINDS:
        columns += [f"primary_{kind}__{kind}", f"primary_{kind}_sort_key"]
    wrong = []
    for row in get_user_model().objects.values_list(*columns):
        for n, kind in enumerate(KINDS):
            value, stored = row[1 + 2 * n], row[2 + 2 * n]
            expected = value if value is None or kind == "phone_number" else value.lower()
            if stored != expected:
                wrong.append((row[0], kind, expected, stored))
    return wrong


def assert_sort_keys_match() -> None:
    wrong = mismatches()
    assert wrong == [], wrong
