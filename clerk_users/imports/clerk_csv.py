"""Clerk's dashboard export (CSV) in and out (contract §12).

Columns, as the Clerk Dashboard's "Export users" writes them: ``id, first_name, last_name,
username, primary_email_address, primary_phone_number, verified_email_addresses,
unverified_email_addresses, verified_phone_numbers, unverified_phone_numbers, totp_secret,
password_digest, password_hasher``; optional ``public_metadata``, ``private_metadata``,
``unsafe_metadata`` (JSON objects, as the Backend API/CLI exports carry them). Lists hold
several values separated by ``|`` (``,`` and ``;`` are read too).

Import rules: Clerk's user id is kept as the primary key (and ``created_at`` is read from it:
Clerk ids are KSUIDs), so foreign keys and tokens elsewhere stay valid. A row is applied inside
its own savepoint: it is imported whole or not at all, and a rejected row is reported with its
line number and reason. Rows are read one by one and committed in batches, so memory stays
flat whatever the file size. A rerun updates (names, username, identifiers, verification,
metadata, TOTP) and never duplicates; a password digest is only (re)applied while the user
has not set a password here since (the stored password is still an imported digest or unusable).
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from clerk_users import errors, identifiers, ids, metadata, passwords, users
from clerk_users.imports import hashers

COLUMNS = (
    "id",
    "first_name",
    "last_name",
    "username",
    "primary_email_address",
    "primary_phone_number",
    "verified_email_addresses",
    "unverified_email_addresses",
    "verified_phone_numbers",
    "unverified_phone_numbers",
    "totp_secret",
    "password_digest",
    "password_hasher",
)
METADATA_COLUMNS = ("public_metadata", "private_metadata", "unsafe_metadata")
_LIST_SEPARATOR = re.compile(r"\s*[|,;]\s*")


@dataclass
class Rejected:
    line: int
    user_id: str
    reason: str


@dataclass
class Report:
    created: int = 0
    updated: int = 0
    rejected: list[Rejected] = field(default_factory=list)

    @property
    def rows(self) -> int:
        return self.created + self.updated + len(self.rejected)


class RowError(Exception):
    pass


def _list(value: str | None) -> list[str]:
    return [v for v in _LIST_SEPARATOR.split(value or "") if v]


def _reason(exc: Exception) -> str:
    if isinstance(exc, errors.ClerkError):
        param = f" ({exc.param_name})" if exc.param_name else ""
        return f"{exc.clerk_code}{param}: {exc.long_message}"
    return str(exc)


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number where the record starts, row)`` for each record of the CSV."""
    reader = csv.DictReader(lines)
    missing = [c for c in ("id",) if c not in (reader.fieldnames or [])]
    if missing:
        raise RowError(f"not a Clerk export: no {', '.join(missing)} column")
    unknown = set(reader.fieldnames or []) - set(COLUMNS) - set(METADATA_COLUMNS)
    if unknown:
        raise RowError(f"not a Clerk export: unknown columns {', '.join(sorted(unknown))}")
    start = reader.line_num + 1
    for row in reader:
        yield start, {k: (v or "").strip() for k, v in row.items() if k is not None}
        start = reader.line_num + 1


def import_clerk_csv(
    lines: Iterable[str],
    *,
    batch_size: int = 500,
    on_row: Callable[[Report], None] | None = None,
) -> Report:
    """Import Clerk's CSV export from ``lines`` (see the module doc); returns the report."""
    report = Report()
    rows = read_rows(lines)
    while True:
        with transaction.atomic():
            count = 0
            for line, row in rows:
                try:
                    with transaction.atomic():
                        created = import_row(row)
                except (errors.ClerkError, RowError, ValueError, DatabaseError) as exc:
                    report.rejected.append(Rejected(line, row.get("id", ""), _reason(exc)))
                else:
                    report.created += created
                    report.updated += not created
                if on_row is not None:
                    on_row(report)
                count += 1
                if count >= batch_size:
                    break
        if count < batch_size:
            return report


def import_row(row: dict[str, str]) -> bool:
    """Create or update the user of one row; True when created. Raises on bad input."""
    model = get_user_model()
    user_id = row.get("id", "")
    if not ids.is_valid(user_id, "user"):
        raise RowError(f"id {user_id!r} is not a Clerk user id (user_ + 27 base62 characters)")
    user = model._default_manager.filter(pk=user_id).first()
    created = user is None
    if user is None:
        user = model(pk=user_id)
        user.created_at = datetime.fromtimestamp(ids.timestamp_of(user_id), tz=UTC)
        user.set_unusable_password()
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
    if (digest or hasher) and (
        created or hashers.split(user.password) or not user.has_usable_password()
    ):
        passwords.import_digest(user, digest, hasher)
    users._save(user, force_insert=created)
    primary_email = row.get("primary_email_address") or None
    primary_phone = row.get("primary_phone_number") or None
    _identifiers(user, "email_address", row, primary_email)
    _identifiers(user, "phone_number", row, primary_phone)
    if row.get("totp_secret"):
        from clerk_users import mfa

        mfa.import_second_factors(user, totp_secret=row["totp_secret"])
    return created


def _identifiers(user: Any, kind: str, row: dict[str, str], primary: str | None) -> None:
    plural = f"{kind}es" if kind == "email_address" else f"{kind}s"
    verified = _list(row.get(f"verified_{plural}"))
    unverified = _list(row.get(f"unverified_{plural}"))
    if primary and primary not in verified:
        if primary in unverified:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message=f"primary_{kind} {primary} is unverified; a primary must be verified.",
                param_name=f"primary_{kind}",
            )
        verified.insert(0, primary)  # Clerk's primary is always verified
    normalize = identifiers.NORMALIZERS[kind]
    wanted = [(normalize(v, kind), True) for v in verified]
    wanted += [(normalize(v, kind), False) for v in unverified]
    primary_value = normalize(primary, kind) if primary else None
    for value, is_verified in wanted:
        existing = identifiers.find(kind, value)
        if existing is not None and existing.user_id != user.pk:
            raise errors.identifier_exists(kind, identifiers.WHAT[kind])
        if existing is None:
            existing = identifiers.create_identifier(
                user,
                kind,
                value,
                verified=is_verified,
                strategy="admin",
                primary=is_verified and value == primary_value,
            )
        elif is_verified and not existing.is_verified:
            identifiers.verify(existing)
    if primary_value:
        current = identifiers.find(kind, primary_value)
        if current is not None and getattr(user, f"primary_{kind}_id") != current.pk:
            identifiers.set_primary(user, current, kind)


# -- export -------------------------------------------------------------------------------
def digest_for_clerk(stored: str) -> tuple[str, str]:
    """``(password_digest, password_hasher)`` Clerk can import, from ``User.password``."""
    imported = hashers.split(stored or "")
    if imported is not None:
        return imported[1], imported[0]
    algorithm, _, rest = (stored or "").partition("$")
    if algorithm == "bcrypt":
        return rest, "bcrypt"
    if algorithm == "bcrypt_sha256":
        return stored, "bcrypt_sha256_django"
    if algorithm == "pbkdf2_sha256":
        return stored, "pbkdf2_sha256_django"
    if algorithm in ("argon2",) and rest.startswith(("$argon2id$", "argon2id$")):
        return "$" + rest.lstrip("$"), "argon2id"
    if algorithm in ("argon2",) and rest.startswith(("$argon2i$", "argon2i$")):
        return "$" + rest.lstrip("$"), "argon2i"
    return "", ""  # unusable, or a hasher Clerk does not import (e.g. Django's salted md5)


def _totp_secret(user: Any) -> str:
    from allauth.mfa.utils import decrypt

    from clerk_users import mfa

    for authenticator in user.authenticator_set.all():
        if authenticator.type == mfa.TOTP and authenticator.data.get("secret"):
            return str(decrypt(authenticator.data["secret"]))
    return ""


def export_row(user: Any) -> dict[str, str]:
    emails = list(user.email_addresses.all())
    phones = list(user.phone_numbers.all())
    digest, hasher = digest_for_clerk(user.password)

    def values(items: list[Any], attr: str, verified: bool) -> str:
        return "|".join(getattr(i, attr) for i in items if i.is_verified == verified)

    primary_email = next(
        (e.email_address for e in emails if e.pk == user.primary_email_address_id), ""
    )
    primary_phone = next(
        (p.phone_number for p in phones if p.pk == user.primary_phone_number_id), ""
    )
    return {
        "id": user.pk,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "username": user.username or "",
        "primary_email_address": primary_email,
        "primary_phone_number": primary_phone,
        "verified_email_addresses": values(emails, "email_address", True),
        "unverified_email_addresses": values(emails, "email_address", False),
        "verified_phone_numbers": values(phones, "phone_number", True),
        "unverified_phone_numbers": values(phones, "phone_number", False),
        "totp_secret": _totp_secret(user),
        "password_digest": digest,
        "password_hasher": hasher,
        **{name: json.dumps(getattr(user, name) or {}) for name in METADATA_COLUMNS},
    }


def export_clerk_csv(out: TextIO, *, chunk_size: int = 1000) -> int:
    """Write every user as Clerk's export CSV (plus the metadata columns); returns the count."""
    writer = csv.DictWriter(out, fieldnames=[*COLUMNS, *METADATA_COLUMNS], lineterminator="\n")
    writer.writeheader()
    queryset = (
        get_user_model()
        ._default_manager.order_by("created_at", "pk")
        .prefetch_related("email_addresses", "phone_numbers", "authenticator_set")
    )
    count = 0
    for user in queryset.iterator(chunk_size=chunk_size):
        writer.writerow(export_row(user))
        count += 1
    return count
