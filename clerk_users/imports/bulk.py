"""The fast path of the Clerk import: a batch of users new to this site in a few queries.

Creating a user one by one through ``identifiers.create_identifier`` costs ~30 queries (row
locks, primary rules, the allauth mirror), too slow for 100,000 rows. For rows whose Clerk id
is not in the database yet, this module applies the same rules in Python and writes a whole
batch with one ``bulk_create`` per table:

1. each row is validated alone (``prepare``: the same normalisers and digest check as the
   slow path) and refused whole on any error;
2. usernames, email addresses and phone numbers already taken (by earlier users or earlier
   rows of the batch) refuse the row, as ``form_identifier_exists``;
3. users, identifiers (verified by ``admin``, the primary pointing at a verified one, the
   first verified one when the export names none) and allauth's mirror rows are inserted;
   the primary foreign keys are deferred constraints, checked at commit.

If the insert still fails (a concurrent writer took a value in between), the caller redoes the
batch through the slow path, row by row.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.functions import Lower

from clerk_users import errors, identifiers, ids, metadata, passwords, signals, users
from clerk_users.models import EmailAddress, PhoneNumber


class RowError(Exception):
    """A row that is not a Clerk export row (message says why)."""


METADATA_COLUMNS = ("public_metadata", "private_metadata", "unsafe_metadata")


@dataclass
class Prepared:
    user: Any
    emails: list[tuple[str, bool]] = field(default_factory=list)
    phones: list[tuple[str, bool]] = field(default_factory=list)
    primary_email: str | None = None
    primary_phone: str | None = None
    totp_secret: str | None = None


def split_list(value: str | None) -> list[str]:
    import re

    return [v for v in re.split(r"\s*[|,;]\s*", value or "") if v]


def wanted_identifiers(kind: str, row: dict[str, str]) -> tuple[list[tuple[str, bool]], str | None]:
    """``([(normalised value, verified)], normalised primary)`` of one kind, Clerk's rules:
    the primary is verified (added to the verified ones if the export lists it nowhere)."""
    plural = f"{kind}es" if kind == "email_address" else f"{kind}s"
    verified = split_list(row.get(f"verified_{plural}"))
    unverified = split_list(row.get(f"unverified_{plural}"))
    primary = row.get(f"primary_{kind}") or None
    if primary and primary not in verified:
        if primary in unverified:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message=f"primary_{kind} {primary} is unverified; a primary must be verified.",
                param_name=f"primary_{kind}",
            )
        verified.insert(0, primary)
    normalize = identifiers.NORMALIZERS[kind]
    values: list[tuple[str, bool]] = []
    seen: set[str] = set()
    for value, is_verified in [(v, True) for v in verified] + [(v, False) for v in unverified]:
        normalized = normalize(value, kind)
        key = normalized.lower()
        if key not in seen:
            seen.add(key)
            values.append((normalized, is_verified))
    return values, normalize(primary, kind) if primary else None


def apply_profile(user: Any, row: dict[str, str], *, created: bool) -> None:
    """Names, username, metadata and (when allowed) the password digest of ``row``."""
    user.first_name = users._optional_str(row.get("first_name"), "first_name", 150)
    user.last_name = users._optional_str(row.get("last_name"), "last_name", 150)
    user.username = users.normalize_username(row.get("username") or None)
    for name in METADATA_COLUMNS:
        if row.get(name):
            try:
                value = json.loads(row[name])
            except ValueError:
                raise errors.format_invalid(name, f"{name} is not JSON.") from None
            setattr(user, name, metadata.validate(value, name))
    digest, hasher = row.get("password_digest"), row.get("password_hasher")
    from clerk_users.imports import hashers

    # Never replace a password the user set here since the last import.
    if (digest or hasher) and (
        created or hashers.split(user.password or "") or not user.has_usable_password()
    ):
        passwords.import_digest(user, digest, hasher)


def new_user(user_id: str) -> Any:
    if not ids.is_valid(user_id, "user"):
        raise RowError(f"id {user_id!r} is not a Clerk user id (user_ + 27 base62 characters)")
    user = get_user_model()(id=user_id)  # id=, not pk=: no throwaway id generated
    user.created_at = datetime.fromtimestamp(ids.timestamp_of(user_id), tz=UTC)
    return user


def prepare(row: dict[str, str]) -> Prepared:
    """Validate a row of a user new to this site; raises on any bad value."""
    user = new_user(row.get("id", ""))
    apply_profile(user, row, created=True)
    if not user.password:  # no digest in the export: no password until one is set here
        user.set_unusable_password()
    emails, primary_email = wanted_identifiers("email_address", row)
    phones, primary_phone = wanted_identifiers("phone_number", row)
    totp = row.get("totp_secret") or None
    if totp:
        from clerk_users.mfa import authenticators as mfa

        totp = mfa.normalize_totp_secret(totp)
    return Prepared(user, emails, phones, primary_email, primary_phone, totp)


def taken(batch: list[Prepared]) -> dict[str, set[str]]:
    """Values of the batch already in the database, per parameter (lowercased)."""
    model = get_user_model()
    usernames = [p.user.username for p in batch if p.user.username]
    emails = [v.lower() for p in batch for v, _ in p.emails]
    phones = [v for p in batch for v, _ in p.phones]
    return {
        "username": {
            u.lower()
            for u in model._default_manager.annotate(low=Lower("username"))
            .filter(low__in=usernames)
            .values_list("low", flat=True)
        }
        if usernames
        else set(),
        "email_address": set(
            EmailAddress.objects.annotate(low=Lower("email_address"))
            .filter(low__in=emails)
            .values_list("low", flat=True)
        )
        if emails
        else set(),
        "phone_number": set(
            PhoneNumber.objects.filter(phone_number__in=phones).values_list(
                "phone_number", flat=True
            )
        )
        if phones
        else set(),
    }


def check_unique(prepared: Prepared, seen: dict[str, set[str]]) -> None:
    """Refuse the row if a value is taken; else reserve its values in ``seen``."""
    values = {
        "username": [prepared.user.username.lower()] if prepared.user.username else [],
        "email_address": [v.lower() for v, _ in prepared.emails],
        "phone_number": [v for v, _ in prepared.phones],
    }
    for param, items in values.items():
        if any(item in seen[param] for item in items):
            what = identifiers.WHAT.get(param, param.replace("_", " "))
            raise errors.identifier_exists(param, what)
    for param, items in values.items():
        seen[param].update(items)


def insert(batch: list[Prepared]) -> None:
    """Write a validated, conflict-free batch (inside the caller's transaction)."""
    from allauth.account.models import EmailAddress as AllauthEmail

    model = get_user_model()
    emails: list[Any] = []
    phones: list[Any] = []
    mirrors: list[Any] = []
    for p in batch:
        mine: list[Any] = []
        for kind, values, primary, rows, row_model in (
            ("email_address", p.emails, p.primary_email, emails, EmailAddress),
            ("phone_number", p.phones, p.primary_phone, phones, PhoneNumber),
        ):
            chosen = first_verified = None
            for value, verified in values:
                identifier = row_model(user=p.user, **{kind: value})
                if verified:
                    identifier.mark_verified("admin")
                    first_verified = first_verified or identifier
                    if primary is not None and value.lower() == primary.lower():
                        chosen = identifier
                rows.append(identifier)
                if kind == "email_address":
                    mine.append(identifier)
            for name, column in identifiers.primary_columns(kind, chosen or first_verified).items():
                setattr(p.user, name, column)
        mirrors += [
            AllauthEmail(
                user_id=p.user.pk,
                email=email.email_address.lower(),
                verified=email.is_verified,
                primary=email.pk == p.user.primary_email_address_id,
            )
            for email in mine
        ]
    model._default_manager.bulk_create([p.user for p in batch])
    EmailAddress.objects.bulk_create(emails)
    PhoneNumber.objects.bulk_create(phones)
    AllauthEmail.objects.bulk_create(mirrors)
    for p in batch:
        if p.totp_secret:
            from clerk_users.mfa import authenticators as mfa

            mfa.import_totp(p.user, p.totp_secret)
        signals.user_created.send(sender=model, user=p.user)
    for identifier in [*emails, *phones]:
        signals.identifier_created.send(sender=type(identifier), identifier=identifier)


def unchanged(user: Any, row: dict[str, str]) -> bool:
    """Whether importing ``row`` again would write nothing (a rerun), judged on ``user`` as
    loaded with its email addresses and phone numbers prefetched. Any doubt (a bad value, a
    TOTP secret, which is stored encrypted) answers False: the row goes the slow way."""
    if row.get("totp_secret"):
        return False
    try:
        probe = copy.copy(user)
        apply_profile(probe, row, created=False)
        if any(
            getattr(probe, name) != getattr(user, name)
            for name in ("first_name", "last_name", "username", "password", *METADATA_COLUMNS)
        ):
            return False
        for kind, related in (
            ("email_address", "email_addresses"),
            ("phone_number", "phone_numbers"),
        ):
            have = {getattr(i, kind).lower(): i for i in getattr(user, related).all()}
            values, primary = wanted_identifiers(kind, row)
            for value, verified in values:
                found = have.get(value.lower())
                if found is None or (verified and not found.is_verified):
                    return False
            if primary and getattr(user, f"primary_{kind}_id") != have[primary.lower()].pk:
                return False
    except (errors.ClerkError, RowError, ValueError, KeyError):
        return False
    return True
