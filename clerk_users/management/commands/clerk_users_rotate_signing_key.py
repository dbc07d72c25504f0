"""Rotate the RS256 key that signs session tokens.

With database keys (development), the active key is retired (it stays in the JWKS for
``SIGNING_KEY_RETIRED_PUBLISH_FOR`` seconds so tokens it signed keep verifying) and a new
one becomes active. With ``CLERK_USERS["SIGNING_KEYS"]`` configured, keys live in settings:
the command prints a new PEM to put first in that list, keeping the old key after it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from clerk_users.app_settings import app_settings
from clerk_users.sessions import signing_keys


class Command(BaseCommand):
    help = "Rotate the session-token signing key (the old key stays published for a while)."

    def handle(self, *args: Any, **options: Any) -> None:
        if app_settings.SIGNING_KEYS:
            pem = signing_keys.generate_private_key_pem()
            kid = signing_keys.public_jwk_of(signing_keys.load_private_key(pem))["kid"]
            self.stdout.write(
                "SIGNING_KEYS is configured in settings: put this new key FIRST in CLERK_USERS"
                '["SIGNING_KEYS"] and keep the current key after it (optionally as '
                '{"private_key": PEM, "retired_at": <now>}) until its tokens have expired.'
            )
            self.stdout.write(f"New kid: {kid}")
            self.stdout.write(pem)
            return
        new_kid, old_kid = signing_keys.rotate()
        if old_kid:
            self.stdout.write(
                f"Retired {old_kid} (still published for "
                f"{app_settings.SIGNING_KEY_RETIRED_PUBLISH_FOR} s)."
            )
        self.stdout.write(self.style.SUCCESS(f"Active signing key: {new_kid}"))
