"""A snapshot of every row the foundation writes, to prove that refused input changed nothing."""

from __future__ import annotations

from typing import Any


def db_snapshot() -> dict[str, Any]:
    from allauth.account.models import EmailAddress as AllauthEmail

    from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet

    def rows(qs: Any, skip: tuple[str, ...] = ()) -> list[tuple[Any, ...]]:
        names = [f.attname for f in qs.model._meta.concrete_fields if f.attname not in skip]
        return sorted(tuple(str(v) for v in row) for row in qs.values_list(*names))

    # Session activity (written by middleware on any signed-in request) is not user data.
    return {
        "users": rows(User.objects.all(), skip=("last_active_at",)),
        "emails": rows(EmailAddress.objects.all()),
        "phones": rows(PhoneNumber.objects.all()),
        "wallets": rows(Web3Wallet.objects.all()),
        "allauth": rows(AllauthEmail.objects.all()),
    }
