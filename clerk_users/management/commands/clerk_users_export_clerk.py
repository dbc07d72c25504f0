"""``manage.py clerk_users_export_clerk [FILE]``: every user as Clerk's export CSV.

The columns of Clerk's dashboard export (plus the metadata columns), so the data can go back
to Clerk (``clerk migrate import FILE --source clerk``) or into ``clerk_users_import_clerk``.
Password digests are written in a form Clerk imports (imported digests as they came, Django's
bcrypt, bcrypt_sha256, PBKDF2-SHA256 and Argon2 digests under Clerk's hasher names); TOTP
secrets are included. Written to standard output without FILE.
"""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_users.imports import clerk_csv


class Command(BaseCommand):
    help = "Export every user as Clerk's dashboard export CSV (with password digests)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", help="where to write (standard output if none)")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if not path:
            count = clerk_csv.export_clerk_csv(sys.stdout)
        else:
            try:
                with open(path, "w", encoding="utf-8", newline="") as out:
                    count = clerk_csv.export_clerk_csv(out)
            except OSError as exc:
                raise CommandError(f"cannot write {path}: {exc.strerror}") from None
        self.stderr.write(f"{count} users exported")
