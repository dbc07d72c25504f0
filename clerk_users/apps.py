from __future__ import annotations

from django.apps import AppConfig


class ClerkUsersConfig(AppConfig):
    name = "clerk_users"
    verbose_name = "Clerk users"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from clerk_users import (  # noqa: F401  (registers)
            allauth_account,
            allauth_sync,
            checks,
            publishable_keys,
        )
        from clerk_users.images import checks as image_checks  # noqa: F401  (registers)
        from clerk_users.oauth import flow as oauth_flow
        from clerk_users.sessions import lifecycle as sessions
        from clerk_users.sessions import (
            reverification,
            signing_keys,  # noqa: F401  (key checks)
        )
        from clerk_users.signin import client as signin_client
        from clerk_users.webhooks import checks as webhook_checks  # noqa: F401  (registers)
        from clerk_users.webhooks import receivers as webhooks

        allauth_account.install()  # allauth counts only verified holders as "taken"
        allauth_sync.connect()
        sessions.connect()
        reverification.connect()  # allauth's reauthentication refreshes the session
        oauth_flow.connect()  # allauth social signals -> ExternalAccount; provider check
        webhooks.connect()  # clerk_users.signals -> webhook outbox
        signin_client.connect()  # client.sign_in / client.sign_up in the client JSON
        # The admin registers itself when django.contrib.admin autodiscovers clerk_users.admin.
