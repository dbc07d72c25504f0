"""A snapshot of every row the foundation writes, to prove that refused input changed nothing."""

from __future__ import annotations

from typing import Any


def db_snapshot() -> dict[str, Any]:
    from allauth.account.models import EmailAddress as AllauthEmail

    from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet

    def rows(qs: Any) -> list[tuple[Any, ...]]:
        return sorted(tuple(str(v) for v in row) for row in qs.values_list())

    return {
        "users": rows(User.objects.all()),
        "emails": rows(EmailAddress.objects.all()),
        "phones": rows(PhoneNumber.objects.all()),
        "wallets": rows(Web3Wallet.objects.all()),
        "allauth": rows(AllauthEmail.objects.all()),
    }
