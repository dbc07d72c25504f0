"""Clerk's user model, self-hosted: a reusable Django app.

Add ``"clerk_users"`` to ``INSTALLED_APPS`` and set ``AUTH_USER_MODEL = "clerk_users.User"``.
"""

__version__ = "0.1.0"
