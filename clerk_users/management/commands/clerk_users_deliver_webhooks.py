"""``manage.py clerk_users_deliver_webhooks [--once] [--threads N]``: the webhook worker.

``--purge-older-than DAYS`` instead deletes delivered and failed messages older than that
(pending ones are kept whatever their age), e.g. daily from cron.

Runs until stopped (Ctrl-C / SIGTERM finish the message in flight), or with ``--once``
delivers what is due now and exits (cron). Start as many as you like on as many machines as
you like on PostgreSQL (row locks share the work); on SQLite run one.
"""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import connection

from clerk_users.webhooks import delivery


class Command(BaseCommand):
    help = "Deliver webhook messages from the outbox (until stopped, or --once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--once", action="store_true", help="deliver what is due, then exit")
        parser.add_argument("--threads", type=int, default=1, help="worker threads (PostgreSQL)")
        parser.add_argument(
            "--poll-interval", type=float, default=1.0, help="seconds between polls when idle"
        )
        parser.add_argument(
            "--purge-older-than",
            type=float,
            metavar="DAYS",
            help="delete delivered and failed messages older than DAYS, then exit",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["purge_older_than"] is not None:
            removed = delivery.purge(options["purge_older_than"])
            self.stdout.write(f"Deleted {removed} delivered or failed webhook message(s).")
            return
        stop = threading.Event()
        threads = max(1, options["threads"])
        if threads > 1 and not connection.features.has_select_for_update_skip_locked:
            self.stderr.write("This database has no SKIP LOCKED: using one thread.")
            threads = 1
        if threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGINT, signal.SIGTERM):
                signal.signal(sig, lambda *_: stop.set())
        counts: list[int] = []

        def work() -> None:
            from django.db import connection as thread_connection

            try:
                counts.append(
                    delivery.run_worker(
                        stop, poll_interval=options["poll_interval"], once=options["once"]
                    )
                )
            finally:
                thread_connection.close()

        if threads == 1:
            counts.append(
                delivery.run_worker(
                    stop, poll_interval=options["poll_interval"], once=options["once"]
                )
            )
        else:
            workers = [threading.Thread(target=work, daemon=True) for _ in range(threads)]
            for worker in workers:
                worker.start()
            for worker in workers:
                worker.join()
        self.stdout.write(f"Sent {sum(counts)} webhook message(s) (delivered or retried later).")
