"""External (OAuth) accounts: rules and wire shape (issue 5 builds the flows here)."""

from __future__ import annotations

from typing import Any

from clerk_users.models import ExternalAccount


def _ms(value: Any) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


def to_json(account: ExternalAccount) -> dict[str, Any]:
    verification: dict[str, Any] | None = {
        "object": "verification_oauth",
        "status": account.verification_status,
        "strategy": account.provider,
        "attempts": None,
        "expire_at": _ms(account.verification_expire_at),
        "external_verification_redirect_url": None,
    }
    if account.verification_error:
        verification["error"] = account.verification_error  # type: ignore[index]
    return {
        "object": "external_account",
        "id": account.pk,
        "provider": account.provider,
        "identification_id": account.identification_id,
        "provider_user_id": account.provider_user_id,
        "approved_scopes": account.approved_scopes,
        "email_address": account.email_address,
        "email_address_verified": account.email_address_verified,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "avatar_url": account.image_url,
        "image_url": account.image_url or None,
        "username": account.username,
        "phone_number": account.phone_number,
        "public_metadata": account.public_metadata,
        "label": account.label,
        "verification": verification,
        "created_at": _ms(account.created_at),
        "updated_at": _ms(account.updated_at),
    }
