from __future__ import annotations

from django.apps import AppConfig


class ClerkUsersConfig(AppConfig):
    name = "clerk_users"
    verbose_name = "Clerk users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clerk_users import allauth_sync, checks, image_checks  # noqa: F401  (registers)

        allauth_sync.connect()
        from clerk_users import sessions, signing_keys  # noqa: F401  (login signals, key checks)

        sessions.connect()
        from clerk_users import oauth_flow

        oauth_flow.connect()  # allauth social signals -> ExternalAccount; provider check
        # The admin registers itself when django.contrib.admin autodiscovers clerk_users.admin.
