"""Public, private and unsafe metadata: JSON objects of at most ``METADATA_MAX_BYTES`` each.

``merge`` is Clerk's deep merge (a ``null`` value deletes its key); ``update_metadata`` applies
merges or replacements under the user's row lock, so parallel merges of different keys all
land (PostgreSQL) and a request over the limit changes nothing.
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from django.db import transaction
from django.utils import timezone

from clerk_users import errors, signals
from clerk_users.app_settings import app_settings

FIELDS = ("public_metadata", "private_metadata", "unsafe_metadata")
# Far deeper than any real metadata, far below Python's recursion limit (json, deepcopy).
MAX_DEPTH = 64


def parse(value: Any, param: str) -> dict[str, Any]:
    """Accept a dict, or a JSON string holding an object (form bodies send strings)."""
    if isinstance(value, str):
        try:
            value = json.loads(value) if value.strip() else {}
        except (ValueError, RecursionError):  # RecursionError: nested too deep to parse
            raise errors.format_invalid(param, f"{param} must be a valid JSON object.")
    if not isinstance(value, dict):
        raise errors.format_invalid(param, f"{param} must be a JSON object.")
    return value


def validate(value: Any, param: str) -> dict[str, Any]:
    """Return ``value`` as a dict, refusing non-objects and anything over the size limit."""
    value = parse(value, param)
    check_storable(value, param)
    size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode())
    limit = app_settings.METADATA_MAX_BYTES
    if size > limit:
        raise errors.ClerkError(
            "form_metadata_too_large",
            "metadata too large",
            long_message=f"{param} exceeds the maximum allowed size of {limit} bytes "
            f"({size} bytes given).",
            param_name=param,
        )
    return value


def _text_ok(text: str) -> bool:
    """No NUL (PostgreSQL jsonb refuses it) and no lone surrogate (not encodable as UTF-8)."""
    if "\x00" in text:
        return False
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def check_storable(value: Any, param: str) -> None:
    """Walk ``value`` iteratively (no recursion, whatever its depth) and refuse what cannot be
    stored or measured: nesting deeper than ``MAX_DEPTH``, NUL characters or lone surrogates
    in keys and strings, and non-JSON values such as non-finite numbers."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict | list) and depth > MAX_DEPTH:
            raise errors.format_invalid(
                param, f"{param} must not be nested more than {MAX_DEPTH} levels deep."
            )
        if isinstance(item, dict):
            for key, child in item.items():
                if not isinstance(key, str) or not _text_ok(key):
                    raise errors.format_invalid(
                        param, f"{param} keys must be text without NUL characters."
                    )
                pending.append((child, depth + 1))
        elif isinstance(item, list):
            pending.extend((child, depth + 1) for child in item)
        elif isinstance(item, str):
            if not _text_ok(item):
                raise errors.format_invalid(
                    param, f"{param} strings must be valid text without NUL characters."
                )
        elif isinstance(item, float):
            if not math.isfinite(item):
                raise errors.format_invalid(param, f"{param} numbers must be finite.")
        elif not (item is None or isinstance(item, bool | int)):
            raise errors.format_invalid(param, f"{param} must hold only JSON values.")


def merge(base: dict[str, Any], patch: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge ``patch`` into a copy of ``base``; ``None`` removes a key.

    Recursion depth follows the patch, which ``check_storable`` caps at ``MAX_DEPTH``
    (``update_metadata`` checks every patch before merging)."""
    result = copy.deepcopy(base) if isinstance(base, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merge(result[key], value)
        elif isinstance(value, dict):
            result[key] = merge({}, value)
        else:
            result[key] = copy.deepcopy(value)
    return result


def update_metadata(
    user: Any, changes: dict[str, Any], *, replace: bool = False, allowed: tuple[str, ...] = FIELDS
) -> Any:
    """Merge (or replace) the given metadata fields of ``user`` atomically.

    ``changes`` maps field names to patches; fields outside ``allowed`` are refused with
    ``form_param_unknown``. Everything is validated before anything is written.
    """
    for field in changes:
        if field not in allowed:
            raise errors.param_unknown(field)
    patches = {field: parse(value, field) for field, value in changes.items()}
    for field, patch in patches.items():
        check_storable(patch, field)
    with transaction.atomic():
        locked = type(user).objects.select_for_update().get(pk=user.pk)
        new_values = {}
        for field, patch in patches.items():
            value = patch if replace else merge(getattr(locked, field) or {}, patch)
            new_values[field] = validate(value, field)
        if new_values:
            now = timezone.now()
            type(user).objects.filter(pk=user.pk).update(updated_at=now, **new_values)
            for field, value in new_values.items():
                setattr(user, field, value)
            user.updated_at = now
            signals.user_updated.send(sender=type(user), user=user)  # same transaction (outbox)
    return user
