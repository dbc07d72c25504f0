"""Two-factor state from ``allauth.mfa`` (the source of truth for TOTP and recovery codes)."""

from __future__ import annotations

from typing import Any


def _types(user: Any) -> set[str]:
    if not getattr(user, "pk", None):
        return set()
    cache = getattr(user, "_prefetched_objects_cache", {})
    if "authenticator_set" in cache:
        return {a.type for a in cache["authenticator_set"]}
    from allauth.mfa.models import Authenticator

    return set(Authenticator.objects.filter(user_id=user.pk).values_list("type", flat=True))


def totp_enabled(user: Any) -> bool:
    return "totp" in _types(user)


def backup_code_enabled(user: Any) -> bool:
    return "recovery_codes" in _types(user)


def two_factor_enabled(user: Any) -> bool:
    types = _types(user)
    return bool(types & {"totp", "webauthn"}) or (
        "recovery_codes" in types and bool(types - {"recovery_codes"})
    )
