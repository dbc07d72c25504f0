"""``manage.py clerk_users_publishable_key [--host HOST] [--test]``: the key ClerkJS loads with.

Prints ``CLERK_USERS["PUBLISHABLE_KEY"]`` when it is set, else the key derived for ``HOST``
(default: the first entry of ``ALLOWED_HOSTS`` that is not a wildcard, else ``localhost``),
alone on the last line. Pages rendered by the site use ``{% clerk_publishable_key %}``.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_users import publishable_keys
from clerk_users.app_settings import app_settings


class Command(BaseCommand):
    help = "Print the site's publishable key (for ClerkJS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", help="the site's host (default: from ALLOWED_HOSTS)")
        parser.add_argument("--test", action="store_true", help="a pk_test_ key")

    def handle(self, *args: Any, **options: Any) -> None:
        configured = app_settings.PUBLISHABLE_KEY
        if configured:
            if publishable_keys.decode(configured) is None:
                raise CommandError("CLERK_USERS['PUBLISHABLE_KEY'] is invalid (check E070).")
            self.stdout.write(configured)
            return
        host = options["host"] or next(
            (h.lstrip(".") for h in settings.ALLOWED_HOSTS if h and "*" not in h), "localhost"
        )
        key = publishable_keys.publishable_key(host=host)
        if options["test"]:
            key = "pk_test_" + key[len("pk_live_") :]
        self.stdout.write(key)
