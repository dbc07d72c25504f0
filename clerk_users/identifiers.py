"""Rules for a user's identifiers: one place for creating, verifying, choosing the primary and
deleting email addresses, phone numbers and web3 wallets.

Called by the Python API, the admin and both REST APIs. The primary invariant (a primary
pointer is null or names a verified identifier of the same user) is kept by taking the user's
row lock (``SELECT ... FOR UPDATE``) around every change of a primary pointer and every
deletion, so concurrent set-primary and delete calls serialise on PostgreSQL. A pointer is
only ever written with its sort key (``primary_columns``), which ``GET /users`` orders by.
"""

from __future__ import annotations

import re
from typing import Any

import phonenumbers
from django.db import IntegrityError, transaction
from django.utils import timezone

from clerk_users import errors, normalization, signals
from clerk_users.app_settings import app_settings
from clerk_users.models import (
    IDENTIFIER_MODELS,
    EmailAddress,
    Identification,
    PhoneNumber,
    VerificationStatus,
    Web3Wallet,
)

WALLET_RE = re.compile(r"0x[0-9a-fA-F]{40}")
PRIMARY_FIELD = {
    "email_address": "primary_email_address",
    "phone_number": "primary_phone_number",
    "web3_wallet": "primary_web3_wallet",
}
PRIMARY_SORT_KEY = {kind: f"{field}_sort_key" for kind, field in PRIMARY_FIELD.items()}
WHAT = {"email_address": "email address", "phone_number": "phone number", "web3_wallet": "wallet"}


# -- normalisation ---------------------------------------------------------------------------
def normalize_email(value: Any, param: str = "email_address") -> str:
    """The canonical form of an address (``clerk_users.normalization``: NFKC, punycode
    domain, lowercase ASCII local part; invisible characters and confusable domains
    refused with ``form_param_format_invalid``)."""
    return normalization.normalize_email(value, param)


def normalize_phone(value: Any, param: str = "phone_number") -> str:
    """Return the number in E.164; a number without ``+`` uses ``PHONE_DEFAULT_REGION``."""
    message = f"{param} must be a valid phone number according to E.164 international standard."
    if not isinstance(value, str) or not value.strip() or len(value) > 64:
        raise errors.format_invalid(param, message)
    try:
        parsed = phonenumbers.parse(value.strip(), app_settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise errors.format_invalid(param, message)
    if not phonenumbers.is_valid_number(parsed):
        raise errors.format_invalid(param, message)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def normalize_wallet(value: Any, param: str = "web3_wallet") -> str:
    if not isinstance(value, str) or not WALLET_RE.fullmatch(value.strip()):
        raise errors.format_invalid(param, f"{param} must be 0x followed by 40 hexadecimal digits.")
    return value.strip().lower()


NORMALIZERS = {
    "email_address": normalize_email,
    "phone_number": normalize_phone,
    "web3_wallet": normalize_wallet,
}


def lookup_value(kind: str, value: Any) -> str | None:
    """``value`` in the stored form of ``kind``, or None when it cannot be stored (then it
    matches nothing: a lookalike never finds the real one)."""
    try:
        return NORMALIZERS[kind](value)
    except errors.ClerkError:
        return None


def find(kind: str, value: Any) -> Identification | None:
    """The identifier of ``kind`` equal to ``value`` (normalised), whoever owns it; the
    verified one when unverified claims of it exist too."""
    stored = lookup_value(kind, value)
    if stored is None:
        return None
    model = IDENTIFIER_MODELS[kind]
    rows = model.objects.filter(**{kind: stored}).select_related("user")
    return next(iter(sorted(rows, key=lambda i: (not i.is_verified, i.created_at))), None)


# -- "an unverified identifier claims nothing" (issue 12) -------------------------------------
def verified_holder(kind: str, value: Any, *, exclude_user: Any = None) -> Identification | None:
    """The *verified* identifier of ``value``, if any (the only kind of claim that counts:
    sign-up, adding an identifier and sign-in by identifier all ask this)."""
    stored = lookup_value(kind, value)
    if stored is None:
        return None
    rows = IDENTIFIER_MODELS[kind].objects.filter(
        **{kind: stored, "verification_status": VerificationStatus.VERIFIED}
    )
    if exclude_user is not None:
        rows = rows.exclude(user_id=getattr(exclude_user, "pk", exclude_user))
    return rows.select_related("user").first()


def is_claimed(kind: str, value: Any, *, by_other_than: Any = None) -> bool:
    """Whether ``value`` is taken: verified by someone (other than ``by_other_than``)."""
    return verified_holder(kind, value, exclude_user=by_other_than) is not None


def release_unverified_claims(identifier: Identification) -> list[Any]:
    """``identifier`` was just verified: delete every other user's unverified claim of the
    same value (their allauth mirror too). Returns the users whose claims went."""
    model = type(identifier)
    others = list(
        model.objects.filter(**{identifier.kind: identifier.value})
        .exclude(user_id=identifier.user_id)
        .exclude(verification_status=VerificationStatus.VERIFIED)
    )
    if not others:
        return []
    model.objects.filter(pk__in=[o.pk for o in others]).delete()
    user_ids = sorted({o.user_id for o in others})
    if identifier.kind == "email_address":
        from clerk_users import allauth_sync

        for user_id in user_ids:
            allauth_sync.sync_user(user_id)
    for other in others:
        signals.identifier_deleted.send(sender=model, identifier=other)
    return user_ids


# -- creation --------------------------------------------------------------------------------
def create_identifier(
    user: Any,
    kind: str,
    value: Any,
    *,
    verified: bool = False,
    strategy: str = "admin",
    primary: bool = False,
    param: str | None = None,
    reserved: bool = False,
) -> Identification:
    """Create an identifier of ``kind`` for ``user``; uniqueness is the database's job.

    A duplicate (in any case or format variant) raises ``form_identifier_exists`` and leaves
    nothing behind, even when two requests race for the same value.
    """
    model = IDENTIFIER_MODELS[kind]
    param = param or kind
    normalized = NORMALIZERS[kind](value, param)
    if primary and not verified:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"An unverified {WHAT[kind]} cannot be primary.",
            param_name="primary",
        )
    if is_claimed(kind, normalized, by_other_than=user):
        raise errors.identifier_exists(param, WHAT[kind])
    identifier = model(user=user, reserved=reserved, **{kind: normalized})  # type: ignore[misc]
    if verified:
        identifier.mark_verified(strategy)
    try:
        with transaction.atomic():
            identifier.save(force_insert=True)
            if verified:
                _after_verified(identifier, make_primary=primary)
            _mirror(identifier)
            signals.identifier_created.send(sender=model, identifier=identifier)
    except IntegrityError:
        raise errors.identifier_exists(param, WHAT[kind])
    return identifier


def create_email_address(user: Any, email: str, **kwargs: Any) -> EmailAddress:
    return create_identifier(user, "email_address", email, **kwargs)  # type: ignore[return-value]


def create_phone_number(user: Any, phone_number: str, **kwargs: Any) -> PhoneNumber:
    return create_identifier(user, "phone_number", phone_number, **kwargs)  # type: ignore[return-value]


def create_web3_wallet(user: Any, web3_wallet: str, **kwargs: Any) -> Web3Wallet:
    return create_identifier(user, "web3_wallet", web3_wallet, **kwargs)  # type: ignore[return-value]


def _mirror(identifier: Identification) -> None:
    """Keep allauth's email table in step (one module owns that: ``allauth_sync``)."""
    if identifier.kind == "email_address":
        from clerk_users import allauth_sync

        allauth_sync.sync_user(identifier.user_id)


# -- primary pointers ------------------------------------------------------------------------
def sort_key(kind: str, value: str) -> str:
    """``value`` as the unique index of ``kind`` compares it: lowercase email addresses and
    wallets (stored so already, bar imported legacy rows), phone numbers as stored (E.164)."""
    return value if kind == "phone_number" else value.lower()


def primary_columns(kind: str, identifier: Identification | None) -> dict[str, Any]:
    """The user columns that make ``identifier`` (or nothing) the primary of ``kind``: the
    pointer and its sort key, always written together (every writer of a pointer uses this;
    an identifier's value never changes once created, so the key cannot go stale)."""
    return {
        f"{PRIMARY_FIELD[kind]}_id": identifier.pk if identifier is not None else None,
        PRIMARY_SORT_KEY[kind]: sort_key(kind, identifier.value) if identifier else None,
    }


def move_primary(user: Any, kind: str, identifier: Identification | None) -> None:
    """Point ``user``'s primary of ``kind`` at ``identifier`` (None: no primary) in the
    database and on ``user``; the caller holds the user's row lock and checked the rules."""
    columns = primary_columns(kind, identifier)
    type(user).objects.filter(pk=user.pk).update(**columns, updated_at=timezone.now())
    for name, value in columns.items():
        setattr(user, name, value)


# -- verification state ----------------------------------------------------------------------
def _lock_user(user: Any) -> Any:
    """Lock and return the fresh user row (a no-op lock on SQLite)."""
    return type(user).objects.select_for_update().only("pk").get(pk=user.pk)


def _after_verified(identifier: Identification, *, make_primary: bool = False) -> None:
    """Make a freshly verified identifier primary when asked or when its kind has none,
    and drop every other user's unverified claim of it."""
    release_unverified_claims(identifier)
    field = PRIMARY_FIELD[identifier.kind]
    user_model = type(identifier.user)
    _lock_user(identifier.user)
    current = user_model.objects.filter(pk=identifier.user_id).values_list(f"{field}_id", flat=True)
    if make_primary or current[0] is None:
        move_primary(identifier.user, identifier.kind, identifier)


def verify(identifier: Identification, strategy: str = "admin") -> Identification:
    """Mark ``identifier`` verified (e.g. by an admin or a provider) and apply primary rules."""
    try:
        with transaction.atomic():
            identifier.mark_verified(strategy)
            identifier.save()
            _after_verified(identifier)
            _mirror(identifier)
            # in the transaction: the webhook outbox row commits or rolls back with the change
            signals.identifier_verified.send(sender=type(identifier), identifier=identifier)
    except IntegrityError:  # someone else verified it first
        identifier.verification_status = VerificationStatus.UNVERIFIED
        raise errors.identifier_exists(identifier.kind, WHAT[identifier.kind]) from None
    return identifier


def unverify(identifier: Identification) -> Identification:
    """Mark ``identifier`` unverified; refused for a primary identifier (it must stay verified)."""
    with transaction.atomic():
        user = _lock_user(identifier.user)
        field = PRIMARY_FIELD[identifier.kind]
        if type(user).objects.filter(pk=user.pk, **{f"{field}_id": identifier.pk}).exists():
            raise errors.ClerkError(
                "primary_identification_cannot_be_unverified",
                "cannot unverify the primary identification",
                long_message=f"The primary {WHAT[identifier.kind]} must stay verified; "
                "choose another primary first.",
                param_name="verified",
            )
        identifier.verification_status = VerificationStatus.UNVERIFIED
        identifier.verification_strategy = ""
        identifier.verified_at = None
        identifier.save()
        _mirror(identifier)
        signals.user_updated.send(sender=type(user), user=user)  # webhooks, same transaction
    return identifier


def set_primary(user: Any, identifier: Identification | str, kind: str | None = None) -> Any:
    """Point ``user``'s primary of the identifier's kind at it (verified, same user only)."""
    if isinstance(identifier, str):
        if kind is None:
            raise ValueError("kind is required with an id")
        model = IDENTIFIER_MODELS[kind]
        param = f"primary_{kind}_id"
        with transaction.atomic():
            _lock_user(user)
            found = model.objects.filter(pk=identifier, user_id=user.pk).first()
            if found is None:
                raise errors.ClerkError(
                    "form_param_value_invalid",
                    "is invalid",
                    long_message=f"No {WHAT[kind]} with id {identifier} belongs to this user.",
                    param_name=param,
                )
            return _set_primary_locked(user, found, param)
    with transaction.atomic():
        _lock_user(user)
        return _set_primary_locked(user, identifier, f"primary_{identifier.kind}_id")


def _set_primary_locked(user: Any, identifier: Identification, param: str) -> Any:
    fresh = type(identifier).objects.filter(pk=identifier.pk, user_id=user.pk).first()
    if fresh is None or not fresh.is_verified:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"The primary {WHAT[identifier.kind]} must be a verified "
            "identifier of this user.",
            param_name=param,
        )
    move_primary(user, identifier.kind, fresh)
    _mirror(fresh)
    signals.user_updated.send(sender=type(user), user=user)
    return user


def can_sign_in_without(user: Any, *, identifier: Any = None, external_account: Any = None) -> bool:
    """Whether ``user`` keeps a way to sign in once ``identifier`` or ``external_account``
    is gone: another verified email address, phone number or web3 wallet, another verified
    external account, or a usable password with a username. The one rule for every kind,
    in either order (call it under the user's row lock)."""
    from clerk_users.models import ExternalAccount

    for model in IDENTIFIER_MODELS.values():
        rows = model.objects.filter(user_id=user.pk, verification_status="verified")
        if identifier is not None and type(identifier) is model:
            rows = rows.exclude(pk=identifier.pk)
        if rows.exists():
            return True
    accounts = ExternalAccount.objects.filter(user_id=user.pk, verification_status="verified")
    if external_account is not None:
        accounts = accounts.exclude(pk=external_account.pk)
    if accounts.exists():
        return True
    fresh = type(user).objects.filter(pk=user.pk).only("password", "username").first()
    return bool(fresh is not None and fresh.has_usable_password() and fresh.username)


def last_way_to_sign_in() -> errors.ClerkError:
    return errors.ClerkError(
        "last_identification_deletion_failed",
        "cannot delete the last identification",
        long_message="This is your only way to sign in; add a password or another "
        "identifier before removing it.",
        status=403,
    )


def delete_identifier(
    identifier: Identification,
    *,
    new_primary: Identification | None = None,
    keep_sign_in: bool = False,
) -> None:
    """Delete an identifier with Clerk's rules.

    Deleting the primary is refused while other identifiers of its kind exist, unless
    ``new_primary`` (a verified identifier of the same user and kind) is named; the last one
    of its kind may go, leaving the pointer null. With ``keep_sign_in`` (the user acting on
    their own account) it is refused when no way to sign in would remain.
    """
    user_model = type(identifier.user)
    field = PRIMARY_FIELD[identifier.kind]
    with transaction.atomic():
        _lock_user(identifier.user)
        if (
            keep_sign_in
            and identifier.is_verified
            and not can_sign_in_without(identifier.user, identifier=identifier)
        ):
            raise last_way_to_sign_in()
        primary_id = (
            user_model.objects.filter(pk=identifier.user_id)
            .values_list(f"{field}_id", flat=True)
            .first()
        )
        if primary_id == identifier.pk:
            others = (
                type(identifier)
                .objects.filter(user_id=identifier.user_id)
                .exclude(pk=identifier.pk)
            )
            if new_primary is not None and new_primary.pk != identifier.pk:
                _set_primary_locked(identifier.user, new_primary, f"primary_{identifier.kind}_id")
            elif others.exists():
                raise errors.ClerkError(
                    "primary_identification_cannot_be_deleted",
                    "cannot delete the primary identification",
                    long_message=f"This {WHAT[identifier.kind]} is primary; make another one "
                    "primary before deleting it.",
                )
            else:  # the last of its kind: no primary (not left to SET_NULL, which keeps the key)
                move_primary(identifier.user, identifier.kind, None)
        identifier_id = identifier.pk
        identifier.delete()
        identifier.pk = identifier_id
        _mirror(identifier)
        signals.identifier_deleted.send(sender=type(identifier), identifier=identifier)


def linked_to(identifier: Identification) -> list[dict[str, str]]:
    """Clerk's ``linked_to``: the external account this identifier came from, if any."""
    account = identifier.linked_external_account
    if account is None:
        return []
    return [{"type": account.provider, "id": account.identification_id}]


def reserve_for_second_factor(
    phone: Any, reserved: bool | None = None, *, default: bool | None = None
) -> Any:
    """Clerk's second-factor flags of a phone number (both APIs use this rule).

    A phone reserved for 2FA must be verified; it becomes the default second factor when the
    user has none; un-reserving it also drops the default flag. ``default=True`` makes it the
    user's only default (it must be reserved); ``default=False`` clears the flag.
    """
    from clerk_users.models import PhoneNumber

    with transaction.atomic():
        _lock_user(phone.user)
        phone.refresh_from_db()
        if reserved is None:
            reserved = phone.reserved_for_second_factor
        if reserved and not phone.is_verified:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message="A phone number reserved for second factor must be verified.",
                param_name="reserved_for_second_factor",
            )
        if default and not reserved:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message="Only a phone number reserved for second factor can be the default.",
                param_name="default_second_factor",
            )
        others = PhoneNumber.objects.filter(user_id=phone.user_id, default_second_factor=True)
        others = others.exclude(pk=phone.pk)
        if default:
            others.update(default_second_factor=False, updated_at=timezone.now())
            is_default = True
        elif default is False:
            is_default = False
        else:
            is_default = reserved and (phone.default_second_factor or not others.exists())
        phone.reserved_for_second_factor = reserved
        phone.default_second_factor = bool(is_default)
        phone.save(
            update_fields=["reserved_for_second_factor", "default_second_factor", "updated_at"]
        )
    return phone
