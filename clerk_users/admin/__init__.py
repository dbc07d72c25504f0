"""The Django admin of clerk_users, one module per resource.

Importing this package (Django's admin autodiscovery does) registers every admin: users with
their identifier inlines and profile image (``users``, ``identifiers``, ``images``), external
accounts, backend secret keys, MFA authenticators (without their secrets), sessions / signing
keys / JWT templates, and webhooks.
"""

from clerk_users.admin import external_accounts, mfa, secret_keys, sessions, webhooks  # noqa: F401
from clerk_users.admin.users import ClerkUserAdmin

__all__ = ["ClerkUserAdmin"]
