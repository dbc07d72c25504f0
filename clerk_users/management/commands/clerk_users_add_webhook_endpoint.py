"""``manage.py clerk_users_add_webhook_endpoint URL [--events a,b]``: a webhook endpoint.

Prints the endpoint's ``whsec_`` signing secret as the last line (scripts can ``| tail -1``);
the admin shows it again on request. Refuses non-http(s) URLs, URLs of this site (a loop)
and unknown event names.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from clerk_users.webhooks import endpoints, events


class Command(BaseCommand):
    help = "Create a webhook endpoint and print its whsec_ signing secret."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("url", help="the receiver's http(s) URL")
        parser.add_argument(
            "--events",
            default="",
            help=f"comma-separated event names (default: all): {','.join(events.EVENT_TYPES)}",
        )
        parser.add_argument("--description", default="", help="shown in the admin")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            endpoint = endpoints.create_endpoint(
                options["url"], event_types=options["events"], description=options["description"]
            )
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        what = ", ".join(endpoint.event_types) or "all events"
        self.stderr.write(f"Created webhook endpoint {endpoint.pk} for {what}; signing secret:")
        self.stdout.write(endpoint.secret)
