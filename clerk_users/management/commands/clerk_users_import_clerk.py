"""``manage.py clerk_users_import_clerk FILE``: import Clerk's dashboard export (CSV).

Clerk's user ids are kept; a rerun updates. Rows are streamed and committed in batches
(``--batch-size``), each row imported whole or not at all; rejected rows are listed with
their line number and reason and make the command exit with status 1. A progress line is
drawn on a terminal. Webhooks are not queued for imported users unless ``--webhooks``.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Iterator
from typing import Any, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_users.imports import clerk_csv
from clerk_users.imports.context import suppress_webhooks


class _Counted:
    """The file's lines, counting the characters read (for the progress line)."""

    def __init__(self, handle: TextIO) -> None:
        self.handle = handle
        self.read = 0

    def __iter__(self) -> Iterator[str]:
        for line in self.handle:
            self.read += len(line)
            yield line


class Command(BaseCommand):
    help = "Import users from Clerk's dashboard export (CSV), keeping Clerk's user ids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="the CSV file Clerk's dashboard exported")
        parser.add_argument("--batch-size", type=int, default=500, help="rows per transaction")
        parser.add_argument(
            "--webhooks", action="store_true", help="queue webhooks for the imported users"
        )
        parser.add_argument("--no-progress", action="store_true", help="never draw progress")

    def handle(self, *args: Any, **options: Any) -> None:
        path = options["file"]
        if options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        try:
            handle = open(path, encoding="utf-8-sig", newline="")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror}") from None
        total = max(1, os.path.getsize(path))
        tty = not options["no_progress"] and sys.stderr.isatty()
        started = time.monotonic()
        with handle:
            lines = _Counted(handle)

            def progress(report: clerk_csv.Report) -> None:
                if tty:
                    rate = report.rows / max(time.monotonic() - started, 1e-6)
                    percent = min(100, 100 * lines.read // total)
                    sys.stderr.write(f"\r{percent:3d}%  {report.rows} rows  {rate:.0f} rows/s")
                    sys.stderr.flush()

            try:
                with suppress_webhooks(not options["webhooks"]):
                    report = clerk_csv.import_clerk_csv(
                        lines, batch_size=options["batch_size"], on_batch=progress
                    )
            except (clerk_csv.RowError, csv.Error, UnicodeDecodeError) as exc:
                raise CommandError(f"{path}: {exc}") from None
        if tty:
            sys.stderr.write("\n")
        for rejected in report.rejected:
            self.stderr.write(
                f"line {rejected.line}: {rejected.user_id or '(no id)'}: {rejected.reason}"
            )
        elapsed = time.monotonic() - started
        self.stdout.write(
            f"{report.created} created, {report.updated} updated, "
            f"{len(report.rejected)} rejected ({report.rows} rows in {elapsed:.1f}s)"
        )
        if report.rejected:
            sys.exit(1)
