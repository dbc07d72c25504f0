"""The Backend user list at scale, on PostgreSQL: median and p95 per request at N/10 and N
users, with the growth factor.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale13 \\
        .venv/bin/python benchmarks/scale.py --users 1000000 [--requests 20] [--explain]

It (re)creates the database named in ``DATABASE_URL`` (never point it at a database you
keep), migrates it, loads N/10 realistic users with ``COPY`` (1-3 email addresses, 0-2 phone
numbers, a username for most, first and last names, a wallet for some, ``public_metadata``
like ``{"plan": "pro", "org": 4242}``), times every request of the table in-process through
Django's WSGI handler (the example settings: persistent connections, ``DEBUG`` off), loads
the rest up to N and times them again. ``--explain`` prints ``EXPLAIN ANALYZE`` of each
request's main statement at N. ``--keep`` reuses a database loaded by an earlier run
(``--phase`` picks N/10 or N), which is how the same data is timed with two code versions
(run the script with ``PYTHONPATH`` pointing at the other checkout).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout's clerk_users wins
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

FIRST = (
    "Alice Ali Alina Natalia Bob Carol Dave Eve Frank Grace Heidi Ivan Judy Mallory Niaj Olivia "
    "Peggy Rupert Sybil Trent Victor Walter Xavier Yolanda Zoe Liam Noah Emma Ava Sophia Mia "
    "Lucas Mason Ethan Logan Harper Evelyn Aria Chloe Mila Leo Omar Yusuf Fatima Aiko Kenji Wei "
    "Priya Arjun Sven"
).split()
LAST = (
    "Smith Johnson Williams Brown Jones Garcia Miller Davis Rodriguez Martinez Hernandez Lopez "
    "Gonzalez Wilson Anderson Thomas Taylor Moore Jackson Martin Lee Perez Thompson White Harris "
    "Sanchez Clark Ramirez Lewis Robinson Walker Young Allen King Wright Scott Torres Nguyen Hill "
    "Flores Green Adams Nelson Baker Hall Rivera Campbell Mitchell Carter Roberts"
).split()
DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "proton.me", "example.org")
PLANS = ("free", "free", "free", "pro", "pro", "team", "enterprise")
START = datetime(2023, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=3 * 365)


# -- loading -----------------------------------------------------------------------------
def _text(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, dict | list):
        value = json.dumps(value)
    elif isinstance(value, datetime):
        value = value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")


class Table:
    """COPY rows of one model: every concrete column, model defaults for the unset ones."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields]
        self.defaults = {}
        for field in self.fields:
            if field.has_default() and not callable(field.default):
                self.defaults[field.attname] = field.default
            elif field.has_default() and field.default in (dict, list):
                self.defaults[field.attname] = field.default()
            elif not field.null and field.get_internal_type() in ("CharField", "TextField"):
                self.defaults[field.attname] = ""
            else:
                self.defaults[field.attname] = None
        self.buffer = io.StringIO()

    def add(self, **values: Any) -> None:
        row = [_text(values.get(f.attname, self.defaults[f.attname])) for f in self.fields]
        self.buffer.write("\t".join(row) + "\n")

    def copy(self, cursor: Any) -> None:
        columns = ", ".join(f'"{f.column}"' for f in self.fields)
        table = self.model._meta.db_table
        with cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN') as copy:
            copy.write(self.buffer.getvalue())
        self.buffer = io.StringIO()


def load(first: int, last: int, total: int, *, batch: int = 50_000) -> None:
    """Users number ``first`` .. ``last - 1`` of ``total`` (creation times spread evenly)."""
    from django.db import connection, transaction

    from clerk_users.ids import generate_id
    from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet

    rng = random.Random(first)
    password = "!unusable"
    tables = [m._meta.db_table for m in (User, EmailAddress, PhoneNumber, Web3Wallet)]
    with connection.cursor() as cursor:
        # Bulk-build migration 0007's indexes after the load instead of row by row.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE indexname LIKE 'cu\\_%%' "
            "AND tablename = ANY(%s)",
            [tables],
        )
        deferred = cursor.fetchall()
        for name, _ in deferred:
            cursor.execute(f'DROP INDEX "{name}"')
    for start in range(first, last, batch):
        users, emails = Table(User), Table(EmailAddress)
        phones, wallets = Table(PhoneNumber), Table(Web3Wallet)
        for n in range(start, min(start + batch, last)):
            created = START + SPAN * (n / total)
            stamp = created.timestamp()
            first_name, last_name = rng.choice(FIRST), rng.choice(LAST)
            user_id = generate_id("user", stamp)
            common = {"created_at": created, "updated_at": created}
            verified = {
                **common,
                "verification_status": "verified",
                "verification_strategy": "admin",
                "verified_at": created,
                "user_id": user_id,
            }
            email_ids, keys = [], {}  # the primaries' sort keys (identifiers.sort_key)
            for k in range(rng.choice((1, 1, 2, 2, 3))):
                address = (
                    f"{first_name}.{last_name}{n}@{rng.choice(DOMAINS)}",
                    f"{first_name[0]}{last_name}{n}@work{n % 997}.com",
                    f"{last_name}.{n}@mail.test",
                )[k].lower()
                email_ids.append(generate_id("idn", stamp))
                emails.add(id=email_ids[-1], email_address=address, **verified)
                keys.setdefault("primary_email_address_sort_key", address)
            phone_ids = []
            for k in range(rng.choice((0, 0, 1, 1, 1, 2))):
                number = (n * 2 + k) * 7919 % 8_000_000_000 + 2_000_000_000
                phone_ids.append(generate_id("idn", stamp))
                phones.add(id=phone_ids[-1], phone_number=f"+1{number}", **verified)
                keys.setdefault("primary_phone_number_sort_key", f"+1{number}")
            wallet_id = None
            if n % 10 == 0:
                wallet_id = generate_id("idn", stamp)
                wallet = f"0x{n * 2654435761 % 16**40:040x}"
                wallets.add(id=wallet_id, web3_wallet=wallet, **verified)
                keys["primary_web3_wallet_sort_key"] = wallet
            active = created + timedelta(days=rng.random() * 30) if n % 3 else None
            users.add(
                id=user_id,
                password=password,
                username=f"{first_name}{last_name}{n}".lower() if n % 4 else None,
                first_name=first_name,
                last_name=last_name,
                primary_email_address_id=email_ids[0],
                primary_phone_number_id=phone_ids[0] if phone_ids else None,
                primary_web3_wallet_id=wallet_id,
                **keys,
                public_metadata={"plan": rng.choice(PLANS), "org": rng.randrange(10_000)},
                private_metadata={"stripe": f"cus_{n}"} if n % 2 else {},
                last_active_at=active,
                last_login=active - timedelta(hours=1) if active else None,
                **common,
            )
        with transaction.atomic(), connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's cursor: COPY
            for table in (users, emails, phones, wallets):
                table.copy(raw)
        print(f"  loaded {min(start + batch, last):>9,} users", file=sys.stderr, flush=True)
    with connection.cursor() as cursor:
        for name, definition in deferred:
            print(f"  index {name}", file=sys.stderr, flush=True)
            cursor.execute(definition)
        cursor.execute("VACUUM ANALYZE")


# -- timing ------------------------------------------------------------------------------
def requests(size: int) -> list[tuple[str, str]]:
    """(label, path) of the table; the same rows exist at N/10 and N (users 0.. N/10-1)."""
    from clerk_users.models import EmailAddress, PhoneNumber, User

    sample = User.objects.order_by("created_at", "id").values_list("id", "username")[size // 2]
    user_id, username = sample
    email = EmailAddress.objects.filter(user_id=user_id).values_list("email_address", flat=True)[0]
    phone = PhoneNumber.objects.values_list("phone_number", flat=True).order_by("id").first()
    offset = size * 9 // 10
    return [
        ("GET /users?limit=10 (default order)", "/users?limit=10"),
        (f"?limit=10&offset={offset}", f"/users?limit=10&offset={offset}"),
        ("?order_by=-last_sign_in_at", "/users?limit=10&order_by=-last_sign_in_at"),
        ("?order_by=+last_active_at", "/users?limit=10&order_by=%2Blast_active_at"),
        ("?order_by=-username", "/users?limit=10&order_by=-username"),
        ("?order_by=+first_name", "/users?limit=10&order_by=%2Bfirst_name"),
        ("?order_by=+email_address", "/users?limit=10&order_by=%2Bemail_address"),
        ("?order_by=-phone_number", "/users?limit=10&order_by=-phone_number"),
        ("?query=ali", "/users?limit=10&query=ali"),
        ("?query=ali&limit=500", "/users?limit=500&query=ali"),
        ("?query=smith&offset=200", "/users?limit=10&offset=200&query=smith"),
        ("?query=a smith (names only)", "/users?limit=10&query=a%20smith"),
        ("?query=smith4242", "/users?limit=10&query=smith4242"),
        ("?query=xqzv9 (no match)", "/users?limit=10&query=xqzv9"),
        ("?query=1", "/users?limit=10&query=1"),
        ("?query=+1 (202)", "/users?limit=10&query=%2B1%20(202)"),
        ("?name_query=natalia garcia", "/users?limit=10&name_query=natalia%20garcia"),
        ("?email_address=<exact>", f"/users?email_address={email}"),
        ("?public_metadata.plan=enterprise", "/users?limit=10&public_metadata.plan=enterprise"),
        ("/users/count?query=ali", "/users/count?query=ali"),
        ("/users/count?query=smith4242", "/users/count?query=smith4242"),
        ("/users/count", "/users/count"),
        ("GET /users/{id}", f"/users/{user_id}"),
        ("?phone_number=<exact>", f"/users?phone_number={phone.replace('+', '%2B')}"),
        ("?username=<exact>", f"/users?username={username or 'none'}"),
        ("?user_id=<exact>", f"/users?user_id={user_id}"),
    ]


def time_requests(paths: list[tuple[str, str]], count: int, key: str) -> dict[str, Any]:
    from django.test import Client

    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {key}"}
    results: dict[str, Any] = {}
    for label, path in paths:
        url = "/api/backend/v1" + path
        samples, status = [], None
        begin = time.perf_counter()
        client.get(url, headers=headers)  # warm up
        slow = time.perf_counter() - begin > 2  # a pathological request: time it twice only
        for _ in range(2 if slow else count):
            begin = time.perf_counter()
            response = client.get(url, headers=headers)
            samples.append((time.perf_counter() - begin) * 1000)
            status = response.status_code
        samples.sort()
        p95 = samples[min(len(samples) - 1, round(0.95 * (len(samples) - 1)))]
        results[label] = (statistics.median(samples), p95, status)
    return results


def explain(paths: list[tuple[str, str]], key: str) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client()
    for label, path in paths:
        with CaptureQueriesContext(connection) as captured:
            client.get("/api/backend/v1" + path, headers={"Authorization": f"Bearer {key}"})
        statements = [q["sql"] for q in captured.captured_queries if "clerk_users_user" in q["sql"]]
        statements = [s for s in statements if "secretkey" not in s]
        if not statements:
            continue
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statements[0])
            plan = "\n".join("    " + row[0] for row in cursor.fetchall())
        print(f"\n-- {label}\n{plan}")


def fmt_table(small: int, big: int, before: dict[str, Any], after: dict[str, Any]) -> str:
    lines = [
        f"| request | {small:,} p50 / p95 ms | {big:,} p50 / p95 ms | growth (p50) |",
        "|---|---|---|---|",
    ]
    for label in after or before:
        s, b = before.get(label), after.get(label)
        growth = f"{b[0] / s[0]:.2f}x" if s and b else ""
        lines.append(f"| `{label}` | {_cell(s)} | {_cell(b)} | {growth} |")
    return "\n".join(lines)


def _cell(result: Any) -> str:
    if not result:
        return ""
    median, p95, status = result
    return f"{median:.1f} / {p95:.1f}" + ("" if status == 200 else f" ({status})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, required=True, help="N (the larger size)")
    parser.add_argument("--requests", type=int, default=20, help="timed requests per row")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE at N")
    parser.add_argument("--keep", action="store_true", help="reuse the loaded database")
    parser.add_argument("--phase", choices=("small", "big", "both"), default="both")
    parser.add_argument("--cap-ms", type=int, default=0, help="statement_timeout for all")
    parser.add_argument("--save", help="JSON file the results of each phase are merged into")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database this script may recreate")

    import django

    small, big = args.users // 10, args.users
    if not args.keep:
        _recreate(url)
    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from clerk_users import secret_keys

    settings.CLERK_USERS = {**settings.CLERK_USERS, "BACKEND_API_RATE": "100000000/10s"}

    call_command("migrate", verbosity=0)  # with --keep: what this checkout adds
    _, key = secret_keys.create_secret_key("scale benchmark")
    from clerk_users.models import User

    loaded = User.objects.count()
    results: dict[str, dict[str, Any]] = {}
    for phase, size in (("small", small), ("big", big)):
        if args.phase not in (phase, "both"):
            continue
        if loaded < size:
            print(f"loading {size - loaded:,} users ...", file=sys.stderr, flush=True)
            began = time.perf_counter()
            load(loaded, size, big)
            print(f"  {time.perf_counter() - began:.0f} s", file=sys.stderr, flush=True)
            loaded = size
        if loaded > size:
            sys.exit(f"the database holds {loaded:,} users, more than {size:,}")
        if args.cap_ms:
            # A cap on every statement while timing, so that code without its own timeout
            # finishes the table (its pathological requests then answer 500).
            from django.db import connection

            options = connection.settings_dict.setdefault("OPTIONS", {})
            options["options"] = f"-c statement_timeout={args.cap_ms}"
            connection.close()
        paths = requests(small)
        results[phase] = time_requests(paths, args.requests, key)
        print(json.dumps({phase: results[phase]}), file=sys.stderr, flush=True)
        if args.explain and phase == "big":
            explain(paths, key)
    if args.save:
        saved = json.loads(Path(args.save).read_text()) if Path(args.save).exists() else {}
        saved.update(results)
        Path(args.save).write_text(json.dumps(saved, indent=1))
        results = saved
    print(fmt_table(small, big, results.get("small", {}), results.get("big", {})))


def _recreate(url: str) -> None:
    import psycopg

    name = url.rsplit("/", 1)[1]
    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')


if __name__ == "__main__":
    main()
