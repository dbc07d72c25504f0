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
import itertools
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO

from django.contrib.auth import get_user_model
from django.db import DatabaseError, transaction

from clerk_users import errors, identifiers, users
from clerk_users.imports import bulk, hashers
from clerk_users.imports.bulk import METADATA_COLUMNS, RowError

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


ROW_ERRORS = (errors.ClerkError, RowError, ValueError, DatabaseError)


def _reason(exc: Exception) -> str:
    if isinstance(exc, errors.ClerkError):
        param = f" ({exc.param_name})" if exc.param_name else ""
        return f"{exc.clerk_code}{param}: {exc.long_message}"
    return str(exc)


def read_rows(lines: Iterable[str]) -> Iterator[tuple[int, dict[str, str]]]:
    """``(line number where the record starts, row)`` for each record of the CSV."""
    reader = csv.DictReader(lines)
    if "id" not in (reader.fieldnames or []):
        raise RowError("not a Clerk export: no id column")
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
    on_batch: Callable[[Report], None] | None = None,
) -> Report:
    """Import Clerk's CSV export from ``lines`` (see the module doc); returns the report,
    rejected rows in line order."""
    report = Report()
    rows = read_rows(lines)
    while batch := list(itertools.islice(rows, batch_size)):
        with transaction.atomic():
            _import_batch(batch, report)
        if on_batch is not None:
            on_batch(report)
    report.rejected.sort(key=lambda r: r.line)
    return report


def _reject(report: Report, line: int, row: dict[str, str], exc: Exception) -> None:
    report.rejected.append(Rejected(line, row.get("id", ""), _reason(exc)))


def _import_batch(batch: list[tuple[int, dict[str, str]]], report: Report) -> None:
    """New users through ``bulk`` (a few queries for the batch), known ones (updates) and
    whatever the bulk insert could not take row by row, each in its own savepoint."""
    model = get_user_model()
    known = {
        user.pk: user
        for user in model._default_manager.filter(
            pk__in=[r.get("id", "") for _, r in batch]
        ).prefetch_related("email_addresses", "phone_numbers")
    }
    fresh: list[tuple[int, dict[str, str], bulk.Prepared]] = []
    one_by_one: list[tuple[int, dict[str, str]]] = []
    ids_in_batch: set[str] = set()
    for line, row in batch:
        user_id = row.get("id", "")
        if user_id in known and user_id not in ids_in_batch and bulk.unchanged(known[user_id], row):
            report.updated += 1  # a rerun: nothing to write
            continue
        if user_id in known or user_id in ids_in_batch:
            one_by_one.append((line, row))  # an update (a repeated id updates too)
            continue
        try:
            fresh.append((line, row, bulk.prepare(row)))
            ids_in_batch.add(user_id)
        except ROW_ERRORS as exc:
            _reject(report, line, row, exc)
    seen = bulk.taken([p for _, _, p in fresh])
    insertable = []
    for line, row, prepared in fresh:
        try:
            bulk.check_unique(prepared, seen)
            insertable.append((line, row, prepared))
        except errors.ClerkError as exc:
            _reject(report, line, row, exc)
    try:
        with transaction.atomic():
            bulk.insert([p for _, _, p in insertable])
        report.created += len(insertable)
    except DatabaseError:  # a concurrent writer took a value: redo these rows one by one
        one_by_one = [(line, row) for line, row, _ in insertable] + one_by_one
    for line, row in one_by_one:
        try:
            with transaction.atomic():
                created = import_row(row)
        except ROW_ERRORS as exc:
            _reject(report, line, row, exc)
        else:
            report.created += created
            report.updated += not created


def import_row(row: dict[str, str]) -> bool:
    """Create or update the user of one row (the slow path, one query at a time, through
    the identifier rules); True when created. Raises on bad input."""
    model = get_user_model()
    user_id = row.get("id", "")
    user = model._default_manager.filter(pk=user_id).first()
    created = user is None
    if user is None:
        user = bulk.new_user(user_id)
    bulk.apply_profile(user, row, created=created)
    if not user.password:
        user.set_unusable_password()
    users._save(user, force_insert=created)
    for kind in ("email_address", "phone_number"):
        values, primary = bulk.wanted_identifiers(kind, row)
        _identifiers(user, kind, values, primary)
    if row.get("totp_secret"):
        from clerk_users.mfa import authenticators as mfa

        mfa.import_second_factors(user, totp_secret=row["totp_secret"])
    return created


def _identifiers(user: Any, kind: str, values: list[tuple[str, bool]], primary: str | None) -> None:
    for value, is_verified in values:
        existing = identifiers.find(kind, value)
        if existing is not None and existing.user_id != user.pk:
            raise errors.identifier_exists(kind, identifiers.WHAT[kind])
        if existing is None:
            identifiers.create_identifier(
                user,
                kind,
                value,
                verified=is_verified,
                strategy="admin",
                primary=is_verified and value == primary,
            )
        elif is_verified and not existing.is_verified:
            identifiers.verify(existing)
    if primary:
        current = identifiers.find(kind, primary)
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

    from clerk_users.mfa import authenticators as mfa

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
