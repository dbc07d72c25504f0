"""The Backend user list under concurrent load, over HTTP through gunicorn on PostgreSQL:
``GET /users?limit=10`` against ``GET /users/{id}`` with C connections at once.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scale13 \\
        .venv/bin/python benchmarks/concurrency.py [--connections 50] [--seconds 20]

The target (issue 13): ``GET /users?limit=10`` >= 0.8x the requests per second of
``GET /users/{id}`` under 50 concurrent connections (before migration 0007's indexes the
list topped out at 15 requests/s with a p99 of 9.5 s at 100 connections: sequential scans).

It needs a database already loaded by ``benchmarks/scale.py`` (``--users 1000000 --phase
small`` loads 100,000 users); it never recreates or migrates it, and only adds (then deletes) a
secret key. It starts gunicorn serving ``example_project.wsgi`` as the README's "Deployment"
recommends (sync workers, ``--workers`` default two per core, ``DJANGO_DEBUG=0``, each worker
keeping its PostgreSQL connection), through a settings module written to a temporary folder
that imports ``example_project.settings`` and raises ``BACKEND_API_RATE`` (Clerk's 1000 per
10 s per key would otherwise cap, with 429s, the load it measures). Then an asyncio client on
raw sockets holds C connections, each sending requests one after another, for a warm-up and
then ``--seconds`` per endpoint, in turn (``--rounds`` repeats the turn and pools the samples):

- ``GET /api/backend/v1/users?limit=10`` (default order, newest first);
- ``GET /api/backend/v1/users/{id}``, a real user from the middle of the table;
- ``GET /api/backend/v1/jwks``, the floor: the same secret-key authentication, rate limit and
  DRF cycle, and no user row read (the signing keys are cached in each worker).

Every answer other than 200 counts as an error (there must be none). The client asks for
keep-alive and honours ``Connection: close``: gunicorn's sync workers close each connection
after its answer, so every request opens a new connection on 127.0.0.1, for all three
endpoints alike; at most ``--workers`` requests are served at once, the rest wait in the
listen backlog, which is what the latencies show.

Client and server share the machine's cores (the client costs a fraction of one), and other
jobs on the machine move every absolute number: the ratio measured in one run is the number
to read.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.append(str(ROOT))  # after PYTHONPATH: another checkout's clerk_users wins
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "example_project.settings")
os.environ.setdefault("DJANGO_DEBUG", "0")

TARGET = 0.8
SETTINGS = """\
from example_project.settings import *  # noqa: F403

# Written by benchmarks/concurrency.py: no per-key rate limit in the way of the load.
CLERK_USERS = {**CLERK_USERS, "BACKEND_API_RATE": "1000000000/10s"}  # noqa: F405
"""


@dataclass
class Samples:
    """Latencies (s) of the 200 answers that ended inside the timed window, and the errors
    (counted during the warm-up too)."""

    latencies: list[float] = field(default_factory=list)
    errors: int = 0
    examples: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def error(self, text: str) -> None:
        self.errors += 1
        if len(self.examples) < 3:
            self.examples.append(text)


# -- the client --------------------------------------------------------------------------
async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bytes, bool]:
    """(status, body, server closes) of one HTTP/1.1 answer with a Content-Length."""
    head = await reader.readuntil(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ", 2)[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    close = headers.get("connection", "").lower() == "close"
    if "content-length" in headers:
        body = await reader.readexactly(int(headers["content-length"]))
    elif close and "transfer-encoding" not in headers:
        body = await reader.read()
    else:
        raise ValueError(f"no Content-Length: {head!r}")
    return status, body, close


async def _connection(
    port: int, request: bytes, start: float, stop: float, samples: Samples, timeout: float
) -> None:
    """One client connection: request after request until ``stop``; reconnects when closed.

    An answer counts when it ends between ``start`` and ``stop`` (whenever it began), so that
    requests per second is completions over the window even when requests queue for seconds;
    its latency includes the connect, as a client of a server without keep-alive sees it.
    """
    reader = writer = None
    while time.perf_counter() < stop:
        began = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.wait_for(
                    asyncio.open_connection("127.0.0.1", port), timeout
                )
            assert reader is not None and writer is not None
            writer.write(request)
            status, body, close = await asyncio.wait_for(_read_response(reader), timeout)
        except (OSError, ValueError, asyncio.IncompleteReadError, TimeoutError) as exc:
            samples.error(f"{type(exc).__name__}: {exc}")
            await _close(writer)
            reader = writer = None
            continue
        ended = time.perf_counter()
        if status != 200:
            samples.error(f"{status}: {body[:200]!r}")
        elif start <= ended <= stop:
            samples.latencies.append(ended - began)
        if close:
            await _close(writer)
            reader = writer = None
    await _close(writer)


async def _close(writer: asyncio.StreamWriter | None) -> None:
    if writer is not None:
        writer.close()
        try:
            await writer.wait_closed()
        except OSError:
            pass


async def drive(
    port: int, path: str, key: str, connections: int, warmup: float, seconds: float
) -> Samples:
    """``connections`` connections on ``path`` for ``warmup`` + ``seconds``; the latter timed."""
    request = (
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {key}\r\n"
        "Connection: keep-alive\r\n\r\n"
    ).encode()
    samples = Samples(seconds=seconds)
    start = time.perf_counter() + warmup
    stop = start + seconds
    await asyncio.gather(
        *(
            _connection(port, request, start, stop, samples, timeout=max(60.0, seconds))
            for _ in range(connections)
        )
    )
    return samples


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of a sorted list (``q`` in 0..100)."""
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


# -- the server --------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_gunicorn(folder: Path, port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    """gunicorn in ``folder`` (its settings module first on the path), then PYTHONPATH, ROOT."""
    (folder / "concurrency_settings.py").write_text(SETTINGS)
    paths = [str(folder), os.environ.get("PYTHONPATH", ""), str(ROOT)]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(p for p in paths if p),
        "DJANGO_SETTINGS_MODULE": "concurrency_settings",
        "DJANGO_DEBUG": "0",
    }
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "example_project.wsgi",
        f"--workers={workers}",
        "--worker-class=sync",
        f"--bind=127.0.0.1:{port}",
        "--timeout=60",
        f"--chdir={folder}",
        f"--error-logfile={log}",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(command, cwd=folder, env=env, stdout=out, stderr=out)


def wait_until_up(process: subprocess.Popen[bytes], port: int, path: str, key: str) -> None:
    """Until ``path`` answers 200 (raises if gunicorn exits or 60 s pass)."""
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}", headers={"Authorization": f"Bearer {key}"}
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}")
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.3)
    raise RuntimeError("gunicorn did not answer within 60 s")


def stop_gunicorn(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- the report --------------------------------------------------------------------------
def report(results: dict[str, Samples], connections: int, workers: int) -> bool:
    """Print the table and the ratios; True when there was no error."""
    print(f"\n{connections} connections, gunicorn {workers} sync workers\n")
    print("| request | requests/s | p50 ms | p95 ms | p99 ms | errors |")
    print("|---|---|---|---|---|---|")
    rates = {}
    for label, samples in results.items():
        ordered = sorted(samples.latencies)
        rates[label] = len(ordered) / samples.seconds
        cells = [f"{percentile(ordered, q) * 1000:.1f}" for q in (50, 95, 99)]
        print(f"| `{label}` | {rates[label]:.1f} | {' | '.join(cells)} | {samples.errors} |")
    for label, samples in results.items():
        for example in samples.examples:
            print(f"  error, {label}: {example}", file=sys.stderr)
    list_rate, detail_rate, floor_rate = rates.values()
    floor_label = list(rates)[2]
    ratio = list_rate / detail_rate if detail_rate else math.nan
    verdict = "MET" if ratio >= TARGET else "NOT MET"
    print(f"\nlist / detail: {ratio:.2f}x   <- target >= {TARGET}x: {verdict}")
    if floor_rate:
        print(
            f"list / floor: {list_rate / floor_rate:.2f}x, "
            f"detail / floor: {detail_rate / floor_rate:.2f}x (floor: {floor_label})"
        )
    return all(samples.errors == 0 for samples in results.values())


def main() -> None:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Needs gunicorn (pip install gunicorn).",
    )
    parser.add_argument(
        "--connections", type=int, default=50, help="client connections at once (default 50)"
    )
    parser.add_argument(
        "--seconds", type=float, default=20, help="timed seconds per endpoint (default 20)"
    )
    parser.add_argument(
        "--warmup", type=float, default=3, help="untimed seconds before each (default 3)"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="turns over the three endpoints, samples pooled; interleaves them on a busy "
        "machine (default 1)",
    )
    parser.add_argument(
        "--workers",
        type=int,
        default=2 * cores,
        help=f"gunicorn sync workers (default two per core: {2 * cores})",
    )
    args = parser.parse_args()
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database loaded by benchmarks/scale.py")

    import django

    django.setup()
    from django.db import connection

    from clerk_users import secret_keys
    from clerk_users.models import User

    count = User.objects.count()
    if not count:
        sys.exit("no users: load the database with benchmarks/scale.py first")
    user_id = User.objects.order_by("created_at", "id").values_list("id", flat=True)[count // 2]
    secret, key = secret_keys.create_secret_key("concurrency benchmark")
    connection.close()  # the server's workers are the only clients of the database meanwhile
    endpoints = {
        "GET /users?limit=10": "/api/backend/v1/users?limit=10",
        "GET /users/{id}": f"/api/backend/v1/users/{user_id}",
        "GET /jwks (floor)": "/api/backend/v1/jwks",
    }
    port = free_port()
    results = {label: Samples() for label in endpoints}
    print(f"{count:,} users; load average {os.getloadavg()[0]:.2f}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="clerk-concurrency-") as folder:
        log = Path(folder) / "gunicorn.log"
        process = start_gunicorn(Path(folder), port, args.workers, log)
        try:
            wait_until_up(process, port, endpoints["GET /users/{id}"], key)
            for round_ in range(args.rounds):
                for label, path in endpoints.items():
                    cpu, began = time.process_time(), time.perf_counter()
                    samples = asyncio.run(
                        drive(port, path, key, args.connections, args.warmup, args.seconds)
                    )
                    client = (time.process_time() - cpu) / (time.perf_counter() - began)
                    pooled = results[label]
                    pooled.latencies += samples.latencies
                    pooled.errors += samples.errors
                    pooled.examples += samples.examples[: 3 - len(pooled.examples)]
                    pooled.seconds += samples.seconds
                    rate = len(samples.latencies) / samples.seconds
                    print(
                        f"  round {round_ + 1} {label}: {rate:.1f}/s, {samples.errors} errors, "
                        f"client CPU {client:.0%} of a core, load {os.getloadavg()[0]:.2f}",
                        file=sys.stderr,
                        flush=True,
                    )
        except BaseException:
            print(log.read_text(errors="replace")[-3000:], file=sys.stderr)
            raise
        finally:
            stop_gunicorn(process)
            secret.delete()
    clean = report(results, args.connections, args.workers)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if not clean:
        sys.exit("errors: every answer must be 200")


if __name__ == "__main__":
    main()
