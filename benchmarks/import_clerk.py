"""Rows per second and peak memory of ``clerk_users_import_clerk`` on generated exports.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python \\
        benchmarks/import_clerk.py [--rows 10000 100000] [--batch-size 500]

For each size, writes a CSV in the format of Clerk's dashboard export (every row: a Clerk
user id, names, a username, a verified primary email and a second unverified one, a verified
primary phone number, a bcrypt digest) to a temporary file, then runs the command's import
path on it (a fresh test database, the test settings). Prints rows/s, the process's resident
memory before the import and its peak during it (sampled every 50 ms): flat memory means the
peak does not grow with the row count. Then reruns the smallest size (all updates).
"""

from __future__ import annotations

import argparse
import csv
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.settings")
DIGEST = "$2a$10$fgPOubgdJs90F1GK2u.Qye7Xyyi2ajrQJoB5LDG5bnITEvFR/xhZ."


def rss_mb() -> float:
    with open("/proc/self/statm") as handle:
        return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def write_export(path: str, rows: int, offset: int) -> None:
    from clerk_users import ids
    from clerk_users.imports.clerk_csv import COLUMNS

    base = 1_600_000_000 + offset
    with open(path, "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for i in range(rows):
            n = offset + i
            writer.writerow(
                {
                    "id": ids.generate_id("user", timestamp=base + i),
                    "first_name": f"First{n}",
                    "last_name": f"Last{n}",
                    "username": f"user_{n:08d}",
                    "primary_email_address": f"user{n}@example.com",
                    "primary_phone_number": f"+1415{2_000_000 + n}",
                    "verified_email_addresses": f"user{n}@example.com",
                    "unverified_email_addresses": f"other{n}@example.com",
                    "verified_phone_numbers": f"+1415{2_000_000 + n}",
                    "unverified_phone_numbers": "",
                    "totp_secret": "",
                    "password_digest": DIGEST,
                    "password_hasher": "bcrypt",
                }
            )


def timed_import(path: str, batch_size: int) -> tuple[float, float, float, object]:
    from clerk_users.imports import clerk_csv
    from clerk_users.imports.context import suppress_webhooks

    before = rss_mb()
    peak = [before]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.05):
            peak[0] = max(peak[0], rss_mb())

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    with open(path, encoding="utf-8-sig", newline="") as handle, suppress_webhooks():
        report = clerk_csv.import_clerk_csv(handle, batch_size=batch_size)
    elapsed = time.perf_counter() - started
    done.set()
    sampler.join()
    return elapsed, before, max(peak[0], rss_mb()), report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()

    import django

    django.setup()
    from django.conf import settings
    from django.test.utils import get_runner, setup_test_environment

    setup_test_environment()
    runner = get_runner(settings)(verbosity=0, interactive=False)
    old_config = runner.setup_databases()
    engine = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"database: {engine}, batch size {args.batch_size}")
    try:
        offset = 0
        with tempfile.TemporaryDirectory() as tmp:
            for rows in args.rows:
                path = str(Path(tmp) / f"export_{rows}.csv")
                write_export(path, rows, offset)
                elapsed, before, peak, report = timed_import(path, args.batch_size)
                if report.rejected:  # type: ignore[attr-defined]
                    print("first rejection:", report.rejected[0])  # type: ignore[attr-defined]
                print(
                    f"{rows:>7} rows: {elapsed:7.1f}s  {rows / elapsed:6.0f} rows/s  "
                    f"RSS {before:.0f} MB -> peak {peak:.0f} MB (+{peak - before:.0f} MB)  "
                    f"[{report.created} created, {len(report.rejected)} rejected]"  # type: ignore[attr-defined]
                )
                if rows == min(args.rows):
                    elapsed, before, peak, report = timed_import(path, args.batch_size)
                    print(
                        f"{rows:>7} rows again: {elapsed:5.1f}s  {rows / elapsed:6.0f} rows/s  "
                        f"(+{peak - before:.0f} MB)  [{report.updated} updated]"  # type: ignore[attr-defined]
                    )
                offset += rows
    finally:
        runner.teardown_databases(old_config)


if __name__ == "__main__":
    main()
