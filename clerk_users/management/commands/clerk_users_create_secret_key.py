"""``manage.py clerk_users_create_secret_key --name NAME``: a new Backend API secret key.

The raw key is printed once, as the last line of the output (scripts can ``| tail -1``).
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from clerk_users import secret_keys


class Command(BaseCommand):
    help = "Create a Backend API secret key and print it (shown only once)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="label shown in the admin")
        parser.add_argument(
            "--live", action="store_true", help="create an sk_live_ key (default sk_test_)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key, raw_key = secret_keys.create_secret_key(
            options["name"], "live" if options["live"] else "test"
        )
        # No id in this sentence: a key's id (sk_...) looks like a key and is not one.
        self.stderr.write(
            f"Created secret key {key.name!r}; it is shown only once, alone on the next line:"
        )
        self.stdout.write(raw_key)
