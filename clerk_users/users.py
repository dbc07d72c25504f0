"""Creating, updating, banning and deleting users: the rules behind ``POST /users``,
``PATCH /users/{id}``, ``PATCH /me`` and the Python API."""

from __future__ import annotations

import re
from typing import Any

from django.core.validators import RegexValidator
from django.db import IntegrityError, transaction
from django.utils import timezone

from clerk_users import errors, identifiers, metadata, passwords, signals

USERNAME_RE = re.compile(r"^[a-z0-9_.-]{4,64}$")
# For ACCOUNT_USERNAME_VALIDATORS: allauth's sign-up then refuses what ``normalize_username``
# refuses (allauth lowercases usernames first when ACCOUNT_PRESERVE_USERNAME_CASING = False).
USERNAME_VALIDATORS = [
    RegexValidator(
        re.compile(r"^[A-Za-z0-9_.-]{4,64}$"),
        "4 to 64 characters: letters, digits, '_', '-' and '.'.",
        code="form_param_format_invalid",
    )
]
PROFILE_FIELDS = ("first_name", "last_name", "locale")
SELF_UPDATABLE = frozenset(
    {
        "username",
        "first_name",
        "last_name",
        "primary_email_address_id",
        "primary_phone_number_id",
        "primary_web3_wallet_id",
        "password",
        "unsafe_metadata",
    }
)
ADMIN_UPDATABLE = SELF_UPDATABLE | {
    "external_id",
    "locale",
    "public_metadata",
    "private_metadata",
    "skip_password_checks",
    "sign_out_of_other_sessions",
    "delete_self_enabled",
    "create_organization_enabled",
    "legal_accepted_at",
    "created_at",
    "password_digest",
    "password_hasher",
    "skip_password_requirement",
}


def normalize_username(value: Any, param: str = "username") -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise errors.format_invalid(param, "username must be a string.")
    username = value.strip().lower()
    if not username:
        return None
    if not USERNAME_RE.match(username):
        raise errors.format_invalid(
            param,
            "username must be 4 to 64 characters: letters, digits, '_', '-' and '.'.",
        )
    return username


def _as_list(value: Any, param: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value]
    if isinstance(value, list | tuple):
        return list(value)
    raise errors.format_invalid(param, f"{param} must be a string or a list of strings.")


def _optional_str(value: Any, param: str, max_length: int = 255) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > max_length:
        raise errors.format_invalid(
            param, f"{param} must be a string of at most {max_length} characters."
        )
    return value


def _save(user: Any, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            user.save(**kwargs)
    except IntegrityError as exc:
        text = str(exc).lower()
        if "external_id" in text:
            raise errors.identifier_exists("external_id", "external ID")
        raise errors.identifier_exists("username", "username")


def create_user(
    *,
    model: Any,
    username: str | None = None,
    password: str | None = None,
    email_address: Any = None,
    phone_number: Any = None,
    web3_wallet: Any = None,
    password_digest: str | None = None,
    password_hasher: str | None = None,
    skip_password_checks: bool = False,
    **fields: Any,
) -> Any:
    """Create a user with verified identifiers (strategy ``admin``), the first of each kind
    primary. All-or-nothing: any bad input raises ``ClerkError`` and nothing is written."""
    user = model(username=normalize_username(username))
    for name in PROFILE_FIELDS:
        if name in fields:
            setattr(
                user,
                name,
                _optional_str(fields.pop(name), name) or ("" if name != "locale" else None),
            )
    if "external_id" in fields:
        user.external_id = _optional_str(fields.pop("external_id"), "external_id") or None
    for name in metadata.FIELDS:
        if name in fields:
            setattr(user, name, metadata.validate(fields.pop(name), name))
    for name in (
        "is_staff",
        "is_superuser",
        "banned",
        "delete_self_enabled",
        "create_organization_enabled",
    ):
        if name in fields:
            setattr(user, name, bool(fields.pop(name)))
    for name in ("legal_accepted_at", "created_at"):
        if name in fields:
            setattr(user, name, fields.pop(name))
    # Second factors exported from Clerk (``totp_secret``, ``backup_codes``), via allauth.mfa.
    second_factors = {k: fields.pop(k) for k in ("totp_secret", "backup_codes") if k in fields}
    if fields:
        raise errors.param_unknown(sorted(fields)[0])
    passwords.refuse_password_and_digest(password, password_digest)
    if password_digest is not None or password_hasher is not None:
        passwords.import_digest(user, password_digest, password_hasher)
    elif password:
        passwords.set_password(user, password, skip_checks=skip_password_checks, save=False)
    else:
        user.set_unusable_password()
    values = {
        "email_address": _as_list(email_address, "email_address"),
        "phone_number": _as_list(phone_number, "phone_number"),
        "web3_wallet": _as_list(web3_wallet, "web3_wallet"),
    }
    for kind, items in values.items():  # validate every value before writing anything
        for item in items:
            identifiers.NORMALIZERS[kind](item, kind)
    with transaction.atomic():
        _save(user, force_insert=True)
        for kind, items in values.items():
            for index, item in enumerate(items):
                identifiers.create_identifier(
                    user, kind, item, verified=True, strategy="admin", primary=index == 0
                )
        if any(v is not None for v in second_factors.values()):
            from clerk_users.mfa import authenticators as mfa

            mfa.import_second_factors(user, **second_factors)
        user.refresh_from_db()
        # Inside the transaction: the webhook outbox row commits with the user (or not at all).
        signals.user_created.send(sender=model, user=user)
    return user


def update_user(
    user: Any, params: dict[str, Any], *, allowed: frozenset[str] = ADMIN_UPDATABLE
) -> Any:
    """Apply a Clerk ``update`` to ``user``: unknown or forbidden params are refused with
    ``form_param_unknown`` and nothing changes when any param is invalid."""
    for name in params:
        if name not in allowed:
            raise errors.param_unknown(name)
    params = dict(params)
    changes: dict[str, Any] = {}
    if "username" in params:
        changes["username"] = normalize_username(params.pop("username"))
    for name in PROFILE_FIELDS:
        if name in params:
            value = _optional_str(params.pop(name), name)
            changes[name] = value if name != "locale" else (value or None)
    if "external_id" in params:
        changes["external_id"] = _optional_str(params.pop("external_id"), "external_id") or None
    for name in ("delete_self_enabled", "create_organization_enabled"):
        if name in params:
            value = params.pop(name)
            if not isinstance(value, bool):
                raise errors.format_invalid(name, f"{name} must be a boolean.")
            changes[name] = value
    for name in ("legal_accepted_at", "created_at"):
        if name in params:
            changes[name] = params.pop(name)
    meta = {name: params.pop(name) for name in metadata.FIELDS if name in params}
    for name, value in meta.items():
        metadata.validate(value, name)
    primaries = {
        kind: params.pop(f"primary_{kind}_id")
        for kind in identifiers.PRIMARY_FIELD
        if f"primary_{kind}_id" in params
    }
    skip_checks = bool(params.pop("skip_password_checks", False))
    params.pop("skip_password_requirement", None)
    sign_out = bool(params.pop("sign_out_of_other_sessions", False))
    password = params.pop("password", None)
    digest = params.pop("password_digest", None)
    hasher = params.pop("password_hasher", None)
    passwords.refuse_password_and_digest(password, digest)
    if password is not None:
        if skip_checks:
            if not isinstance(password, str) or not password:
                raise errors.param_missing("password")
        else:
            passwords.validate_new_password(password, user)
    with transaction.atomic():
        for name, value in changes.items():
            setattr(user, name, value)
        if password is not None:
            user.set_password(password)
        elif digest is not None or hasher is not None:
            passwords.import_digest(user, digest, hasher)
        # Only the changed columns: a full save would write back stale flags (e.g. undo a
        # ban that landed while this request was running).
        fields = [*changes, "updated_at"]
        if password is not None or digest is not None or hasher is not None:
            fields += ["password", "password_last_updated_at"]
        _save(user, update_fields=fields)
        for kind, value in primaries.items():
            if value is not None:
                identifiers.set_primary(user, value, kind)
        if meta:
            metadata.update_metadata(user, meta, replace=True)
        signals.user_updated.send(sender=type(user), user=user)  # same transaction (outbox)
    if password is not None and sign_out:
        from clerk_users.sessions import lifecycle as session_rules

        revoke = getattr(session_rules, "revoke_other_sessions", None)
        if revoke is not None:
            revoke(user)
    return user


def ban(user: Any) -> Any:
    """Ban ``user``: no sign-in, and every active session ends."""
    with transaction.atomic():
        user.banned = True
        user.save(update_fields=["banned", "updated_at"])
        _end_sessions(user)
        signals.user_updated.send(sender=type(user), user=user)
    return user


def unban(user: Any) -> Any:
    with transaction.atomic():
        user.banned = False
        user.save(update_fields=["banned", "updated_at"])
        signals.user_updated.send(sender=type(user), user=user)
    return user


def _end_sessions(user: Any) -> None:
    from clerk_users.sessions import lifecycle as session_rules

    revoke_all = getattr(session_rules, "revoke_all_sessions", None)
    if revoke_all is not None:
        revoke_all(user)


def delete_user(user: Any) -> str:
    user_id = user.pk
    _end_sessions(user)
    with transaction.atomic():
        no_primaries = {}
        for kind in identifiers.PRIMARY_FIELD:
            no_primaries.update(identifiers.primary_columns(kind, None))
        type(user).objects.filter(pk=user_id).update(**no_primaries)
        user.delete()
        user.pk = user_id
        signals.user_deleted.send(sender=type(user), user=user)  # same transaction (outbox)
    return user_id


def touch_sign_in(user: Any) -> None:
    now = timezone.now()
    type(user).objects.filter(pk=user.pk).update(last_login=now, last_active_at=now)
