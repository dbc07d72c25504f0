"""``clerk_users_import_clerk`` / ``clerk_users_export_clerk`` on a CSV written in the format
of Clerk's dashboard export, with every column and every supported password hasher."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command

from clerk_users import ids, signals
from clerk_users.imports import clerk_csv, hashers
from clerk_users.imports.context import suppress_webhooks, webhooks_suppressed
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import EmailAddress, PhoneNumber, User
from tests.sort_keys import assert_sort_keys_match, keys_of

DATA = Path(__file__).resolve().parent.parent / "data"
EXPORT = DATA / "clerk_export.csv"
BAD_ROWS = DATA / "clerk_export_bad_rows.csv"
# The published vectors (tests/imports/vectors.py) come with their own passwords.
PASSWORDS = {"phpass": "test12345", "md5_phpass": "test12345", "scrypt_firebase": "user1password"}

pytestmark = pytest.mark.django_db


def rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))


def run(*args: Any) -> tuple[str, str, int]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("clerk_users_import_clerk", *map(str, args), stdout=out, stderr=err)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    return out.getvalue(), err.getvalue(), code


def test_fixture_covers_every_column_and_every_hasher() -> None:
    data = rows(EXPORT)
    assert list(data[0]) == list(clerk_csv.COLUMNS)
    assert {r["password_hasher"] for r in data} == set(hashers.SUPPORTED)
    assert all(any(r[c] for r in data) for c in clerk_csv.COLUMNS)


def test_import_keeps_ids_and_everything_then_signs_in_with_the_original_password() -> None:
    out, err, code = run(EXPORT)
    data = rows(EXPORT)
    assert code == 0 and err == "" and out.startswith(f"{len(data)} created, 0 updated, 0 rejected")
    assert User.objects.count() == len(data)
    for row in data:
        user = User.objects.get(pk=row["id"])  # Clerk's id kept
        assert int(user.created_at.timestamp()) == ids.timestamp_of(row["id"])
        assert (user.first_name, user.last_name, user.username) == (
            row["first_name"],
            row["last_name"],
            row["username"],
        )
        assert user.primary_email_address.email_address == row["primary_email_address"]
        assert user.password.startswith(f"clerk_{row['password_hasher']}$")
        password = PASSWORDS.get(row["password_hasher"], "Imported passw0rd!")
        assert authenticate(username=row["username"], password="wrong") is None
        assert authenticate(username=row["username"], password=password) is not None, row
        user.refresh_from_db()
        assert user.password.startswith("md5$")  # upgraded at the first sign-in
    full = User.objects.get(pk=data[0]["id"])
    assert full.first_name == 'Ada, "Countess"' and full.last_name == "Lovelace\nByron"
    emails = {e.email_address: e.is_verified for e in full.email_addresses.all()}
    assert emails == {
        data[0]["primary_email_address"]: True,
        "second@example.com": True,
        "pending@example.com": False,
        "pending2@example.com": False,
    }
    phones = {p.phone_number: p.is_verified for p in full.phone_numbers.all()}
    assert phones == {"+14155550100": True, "+14155550101": True, "+14155550102": False}
    assert full.primary_phone_number.phone_number == "+14155550100"
    assert mfa.two_factor_enabled(full)


def test_rerun_updates_and_never_duplicates() -> None:
    run(EXPORT)
    first = rows(EXPORT)[0]
    assert authenticate(username=first["username"], password="Imported passw0rd!")
    upgraded = User.objects.get(pk=first["id"]).password
    changed = [dict(r, first_name=r["first_name"] + " II") for r in rows(EXPORT)]
    changed_file = io.StringIO()
    writer = csv.DictWriter(changed_file, fieldnames=clerk_csv.COLUMNS)
    writer.writeheader()
    writer.writerows(changed)
    report = clerk_csv.import_clerk_csv(io.StringIO(changed_file.getvalue()))
    assert (report.created, report.updated, report.rejected) == (0, len(changed), [])
    assert User.objects.count() == len(changed)
    assert EmailAddress.objects.count() == len(changed) + 3
    assert PhoneNumber.objects.count() == 3
    assert User.objects.get(pk=first["id"]).first_name.endswith(" II")
    # A password set here since (the upgraded digest) is not replaced by Clerk's old digest.
    assert User.objects.get(pk=first["id"]).password == upgraded


def test_primary_sort_keys_follow_the_export_new_and_updated() -> None:
    """New users (the bulk insert) get their primaries' sort keys; a rerun that names other
    primaries (the row-by-row update) moves them."""
    run(EXPORT)
    assert_sort_keys_match()
    first = rows(EXPORT)[0]
    assert keys_of(User.objects.get(pk=first["id"])) == (
        "argon2i@example.com",
        "+14155550100",
        None,
    )
    changed = [
        dict(r, primary_email_address="Second@Example.com", primary_phone_number="+14155550101")
        if r["id"] == first["id"]
        else r
        for r in rows(EXPORT)
    ]
    handle = io.StringIO()
    writer = csv.DictWriter(handle, fieldnames=clerk_csv.COLUMNS)
    writer.writeheader()
    writer.writerows(changed)
    report = clerk_csv.import_clerk_csv(io.StringIO(handle.getvalue()))
    assert report.rejected == []
    assert keys_of(User.objects.get(pk=first["id"]))[:2] == ("second@example.com", "+14155550101")
    assert_sort_keys_match()


def test_bad_rows_are_reported_and_skipped_whole() -> None:
    run(EXPORT)
    before = EmailAddress.objects.count()
    out, err, code = run(BAD_ROWS)
    assert code == 1
    assert out.startswith("2 created, 0 updated, 5 rejected")
    lines = err.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == [f"line {n}" for n in (3, 4, 5, 6, 7)]
    assert "form_identifier_exists (email_address)" in lines[0]
    assert "(phone_number)" in lines[1]
    assert "password_hasher" in lines[2] and "bcrypt" in lines[3]
    assert "not a Clerk user id" in lines[4]
    # Whole or nothing: no trace of the rejected rows, the good ones are in.
    assert not User.objects.filter(
        username__in=["dup_email", "bad_phone", "unknown_hasher", "bad_digest", "bad_id"]
    ).exists()
    assert not EmailAddress.objects.filter(email_address="badphone@example.com").exists()
    assert EmailAddress.objects.count() == before + 2
    assert User.objects.get(username="good_one").public_metadata == {"plan": "pro"}


def test_unreadable_files_are_command_errors(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="cannot read"):
        call_command("clerk_users_import_clerk", str(tmp_path / "missing.csv"))
    other = tmp_path / "other.csv"
    other.write_text("name,email\nSomebody,somebody@example.com\n")
    with pytest.raises(CommandError, match="not a Clerk export"):
        call_command("clerk_users_import_clerk", str(other))


def test_webhooks_are_off_during_an_import_unless_asked() -> None:
    seen: list[bool] = []

    def receiver(**kwargs: Any) -> None:
        seen.append(webhooks_suppressed())

    signals.identifier_created.connect(receiver)
    try:
        run(EXPORT)
        assert seen and all(seen)
        User.objects.all().delete()
        seen.clear()
        run(EXPORT, "--webhooks")
        assert seen and not any(seen)
    finally:
        signals.identifier_created.disconnect(receiver)
    assert not webhooks_suppressed()
    with suppress_webhooks():
        assert webhooks_suppressed()


def test_export_writes_the_same_csv_and_round_trips(tmp_path: Path) -> None:
    run(EXPORT)
    target = tmp_path / "out.csv"
    call_command("clerk_users_export_clerk", str(target), stderr=io.StringIO())
    exported = {r["id"]: r for r in rows(target)}
    original = {r["id"]: r for r in rows(EXPORT)}
    assert set(exported) == set(original)
    for user_id, row in original.items():
        for column in clerk_csv.COLUMNS:
            if column.endswith(("_addresses", "_numbers")):
                assert set(exported[user_id][column].split("|")) == set(row[column].split("|"))
            else:
                assert exported[user_id][column] == row[column], column
    User.objects.all().delete()
    out, _, code = run(target)
    assert code == 0 and out.startswith(f"{len(original)} created")
    first = next(iter(original.values()))
    assert authenticate(username=first["username"], password="Imported passw0rd!")


def test_export_names_django_digests_as_clerk_hashers() -> None:
    assert clerk_csv.digest_for_clerk("bcrypt$$2b$12$abc") == ("$2b$12$abc", "bcrypt")
    assert clerk_csv.digest_for_clerk("pbkdf2_sha256$1$s$h") == (
        "pbkdf2_sha256$1$s$h",
        "pbkdf2_sha256_django",
    )
    assert clerk_csv.digest_for_clerk("argon2$argon2id$v=19$x") == ("$argon2id$v=19$x", "argon2id")
    assert clerk_csv.digest_for_clerk("md5$salt$abc") == ("", "")
    assert clerk_csv.digest_for_clerk("!unusable") == ("", "")


def test_an_unchanged_rerun_writes_nothing(django_assert_max_num_queries: Any) -> None:
    run(EXPORT)
    data = rows(EXPORT)
    lines = EXPORT.read_text().splitlines(keepends=True)
    # One row has a TOTP secret (stored encrypted: always re-applied); the others only read.
    with django_assert_max_num_queries(30):
        report = clerk_csv.import_clerk_csv(lines)
    assert (report.created, report.updated, report.rejected) == (0, len(data), [])


def test_readme_leaving_clerk_examples_run() -> None:
    import re

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Leaving Clerk") :]
    section = section[: section.index("\n## ")]
    command = re.search(r"```bash\n(.*?)```", section, re.S).group(1).split()
    assert command[:3] == ["python", "manage.py", "clerk_users_import_clerk"]
    _, _, code = run(EXPORT)
    assert code == 0
    exec(compile(re.search(r"```python\n(.*?)```", section, re.S).group(1), "README", "exec"), {})


def test_progress_line_on_a_terminal_only(monkeypatch: Any) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr("sys.stderr", terminal)
    run(EXPORT, "--batch-size", "5")
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 4 and "100%" in drawn and "rows/s" in drawn  # 16 rows / 5
    User.objects.all().delete()
    quiet = Terminal()
    monkeypatch.setattr("sys.stderr", quiet)
    run(EXPORT, "--no-progress")
    assert "\r" not in quiet.getvalue()
