"""Leaving Clerk (and coming back): ``clerk_csv`` (Clerk's dashboard CSV export in and out,
behind ``clerk_users_import_clerk`` / ``clerk_users_export_clerk``), ``bulk`` (the import's
fast path for new users), ``hashers`` (verifiers of every ``password_hasher`` Clerk imports)
and ``context`` (``suppress_webhooks()`` / ``webhooks_suppressed()`` while importing)."""
