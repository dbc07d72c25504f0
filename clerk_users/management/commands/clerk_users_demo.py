"""``manage.py clerk_users_demo``: a demo user (if missing) and a fresh Backend API key.

Used by the README quick start so the example site can be called with Clerk's SDK at once.
The raw key is the last line of the output.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser

from clerk_users import identifiers, secret_keys

DEMO_USERNAME = "demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PASSWORD = "demo-password-1234"


class Command(BaseCommand):
    help = "Create the demo user if missing and print a new Backend API secret key."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", default="demo", help="name of the new secret key")

    def handle(self, *args: Any, **options: Any) -> None:
        user_model = get_user_model()
        user = user_model.objects.filter(username=DEMO_USERNAME).first()
        if user is None and identifiers.find("email_address", DEMO_EMAIL) is None:
            user = user_model.objects.create_user(
                DEMO_USERNAME,
                DEMO_PASSWORD,
                email_address=DEMO_EMAIL,
                first_name="Demo",
                last_name="User",
                is_staff=True,
                is_superuser=True,
            )
            self.stdout.write(
                f"Created the demo user: username {DEMO_USERNAME!r}, password "
                f"{DEMO_PASSWORD!r} (also an admin at /admin/)."
            )
        else:
            self.stdout.write(f"The demo user {DEMO_USERNAME!r} already exists.")
        key, raw_key = secret_keys.create_secret_key(options["name"])
        # The sentence names no id: the key's own id (sk_...) looked like the key itself.
        self.stdout.write(
            "Site: http://127.0.0.1:8000/ - Backend API: http://127.0.0.1:8000/api/backend/v1 "
            "(docs at /api/backend/v1/docs/)."
        )
        self.stdout.write(
            f"New Backend API secret key {key.name!r}, shown only once, alone on the next line:"
        )
        self.stdout.write(raw_key)
