"""Hermetic test settings: the example project's, with fast hashing, in-memory email, SMS and
cache. ``DATABASE_URL`` runs the suite on PostgreSQL; ``REDIS_URL`` uses Redis as the cache."""

from __future__ import annotations

import os

from clerk_users.oauth import providers as oauth_settings
from example_project.settings import *  # noqa: F403
from example_project.settings import BASE_DIR, DATABASES

SECRET_KEY = "tests-secret-key"
DEBUG = False
ALLOWED_HOSTS = ["*"]

if not os.environ.get("DATABASE_URL"):
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}}
else:
    # A lock nobody releases (a connection left idle in a transaction) fails the statement
    # waiting on it after a minute, naming the lock, instead of hanging the suite: the
    # browser tests' live server answers one request at a time, so one such wait stalls
    # every page. No test waits on a lock for that long on purpose.
    if "postgresql" in DATABASES["default"]["ENGINE"]:
        options = DATABASES["default"].setdefault("OPTIONS", {})
        options["options"] = f"{options.get('options', '')} -c lock_timeout=60000".strip()

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.MD5PasswordHasher",
    "django.contrib.auth.hashers.BCryptPasswordHasher",
]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "clerk-users-tests",
    }
}
MEDIA_ROOT = BASE_DIR / "build" / "test-media"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Test credentials for every OAuth provider, so each flow can run against mocked endpoints.
SOCIALACCOUNT_PROVIDERS = oauth_settings.socialaccount_providers(
    {name: (f"{name}-client-id", f"{name}-secret") for name in oauth_settings.PROVIDERS}
)
CLERK_USERS = {
    "SMS_BACKEND": "clerk_users.sms.InMemorySMSBackend",
    "ALLOWED_REDIRECT_ORIGINS": ["http://localhost:3000"],
    "PHONE_DEFAULT_REGION": "US",
    # The webhooks tests' receiver listens on 127.0.0.1 (tests/webhooks/test_ssrf.py turns
    # this off to prove the default).
    "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True,
}

# The browser tests log every Frontend API call the live server answers (tests/browser).
MIDDLEWARE = [
    "tests.browser.fapi_log.SerializeRequests",
    *MIDDLEWARE,  # noqa: F405
    "tests.browser.fapi_log.FrontendCallLog",
]
