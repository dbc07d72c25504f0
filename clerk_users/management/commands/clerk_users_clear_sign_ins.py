"""``manage.py clerk_users_clear_sign_ins``: delete finished ClerkJS sign-in/sign-up attempts.

An attempt is kept while it can still be used (until its ``abandon_at``) and a completed one
as long as an unfinished one would be (the client shows it until the next attempt); after
that nobody can read it. Run it from cron like Django's ``clearsessions``.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clerk_users.signin import cleanup


class Command(BaseCommand):
    help = "Delete ClerkJS sign-in and sign-up attempts past their abandon_at."

    def handle(self, *args: Any, **options: Any) -> None:
        sign_ins, sign_ups = cleanup.clear_expired()
        self.stdout.write(f"Deleted {sign_ins} sign-in and {sign_ups} sign-up attempts.")
