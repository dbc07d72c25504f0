"""Django system checks: each misconfiguration reported with a clear hint.

The security-model checks at the end (issue 12):

- ``clerk_users.W120``: reverification is on (``REVERIFICATION_MAX_AGE``) but allauth's own
  pages (email management, password change) do not ask for reauthentication
  (``ACCOUNT_REAUTHENTICATION_REQUIRED``): a stolen cookie could use them instead.
- ``clerk_users.W121``: allauth is not using our account adapter or forms: its pages would
  compare addresses without our normalisation and count unverified claims as taken.
- ``clerk_users.W123``: allauth's MFA adapter is not ours: TOTP secrets and recovery-code
  seeds are stored in the clear.
- ``clerk_users.W122``: ``DEBUG`` is off and the default cache (rate limits, lockout of
  revoked sessions) is per process (local memory, dummy, file): limits multiply by the
  number of processes and a revocation is seen late by the others.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Warning, register
from django.utils.module_loading import import_string

from clerk_users.app_settings import DEFAULTS, app_settings

REQUIRED_APPS = (
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "rest_framework",
    "allauth",
    "allauth.account",
    "allauth.socialaccount",
    "allauth.mfa",
)


@register()
def check_configuration(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from django.apps import apps

    problems: list[Any] = []
    try:
        user_model = apps.get_model(settings.AUTH_USER_MODEL)
    except (LookupError, ValueError):
        user_model = None
    from clerk_users.models import AbstractClerkUser

    if user_model is None or not issubclass(user_model, AbstractClerkUser):
        problems.append(
            Error(
                "AUTH_USER_MODEL is not a clerk_users user.",
                hint='Set AUTH_USER_MODEL = "clerk_users.User" (or a subclass of '
                "clerk_users.models.AbstractClerkUser).",
                id="clerk_users.E001",
            )
        )
    installed = set(settings.INSTALLED_APPS)
    for app in REQUIRED_APPS:
        if app not in installed:
            problems.append(
                Error(
                    f"{app} is not in INSTALLED_APPS.",
                    hint=f'Add "{app}" to INSTALLED_APPS; clerk_users builds on it.',
                    id="clerk_users.E002",
                )
            )
    middleware = list(getattr(settings, "MIDDLEWARE", []))
    if "allauth.account.middleware.AccountMiddleware" not in middleware:
        problems.append(
            Error(
                "allauth's AccountMiddleware is missing from MIDDLEWARE.",
                hint='Add "allauth.account.middleware.AccountMiddleware" to MIDDLEWARE.',
                id="clerk_users.E003",
            )
        )
    configured = getattr(settings, "CLERK_USERS", {})
    if not isinstance(configured, dict):
        problems.append(
            Error("CLERK_USERS must be a dict.", hint="CLERK_USERS = {...}", id="clerk_users.E004")
        )
        return problems
    for key in configured:
        if key not in DEFAULTS:
            problems.append(
                Error(
                    f"CLERK_USERS has an unknown key {key!r}.",
                    hint=f"Known keys: {', '.join(sorted(DEFAULTS))}.",
                    id="clerk_users.E005",
                )
            )
    problems.extend(_check_values())
    hashers = getattr(settings, "PASSWORD_HASHERS", None)
    if hashers is not None and not any("BCrypt" in h for h in hashers):
        problems.append(
            Warning(
                "No bcrypt hasher in PASSWORD_HASHERS: bcrypt digests imported by earlier "
                "versions (stored as 'bcrypt$...') cannot be checked (digests imported now "
                "are checked by clerk_users.imports.hashers whatever PASSWORD_HASHERS holds).",
                hint='Add "django.contrib.auth.hashers.BCryptPasswordHasher" after your '
                "preferred hasher.",
                id="clerk_users.W001",
            )
        )
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", []))
    if "django.contrib.auth.backends.ModelBackend" in backends and any(
        "allauth" in b for b in backends
    ):
        problems.append(
            Warning(
                "Both ModelBackend and allauth's AuthenticationBackend are in "
                "AUTHENTICATION_BACKENDS: each wrong password is checked twice and counts "
                "twice toward the lockout.",
                hint='Keep only "allauth.account.auth_backends.AuthenticationBackend" (it '
                "signs in by username or email and is a ModelBackend for permissions).",
                id="clerk_users.W002",
            )
        )
    return problems


def _check_values() -> list[Any]:
    problems: list[Any] = []
    positive = (
        "METADATA_MAX_BYTES",
        "VERIFICATION_CODE_LENGTH",
        "VERIFICATION_CODE_LIFETIME",
        "VERIFICATION_MAX_ATTEMPTS",
        "LOCKOUT_MAX_ATTEMPTS",
        "LOCKOUT_DURATION",
        "IMAGE_MAX_BYTES",
        "IMAGE_MAX_PIXELS",
        "IMAGE_MAX_SIDE",
        "SESSION_TOKEN_LIFETIME",
    )
    for name in positive:
        value = app_settings.get(name)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            problems.append(
                Error(
                    f'CLERK_USERS["{name}"] must be a positive integer, not {value!r}.',
                    hint=f"The default is {DEFAULTS[name]!r}.",
                    id="clerk_users.E006",
                )
            )
    length = app_settings.get("VERIFICATION_CODE_LENGTH")
    if isinstance(length, int) and not 4 <= length <= 10:
        problems.append(
            Error(
                'CLERK_USERS["VERIFICATION_CODE_LENGTH"] must be between 4 and 10.',
                hint="Clerk uses 6-digit codes.",
                id="clerk_users.E007",
            )
        )
    for name in ("ADAPTER", "SMS_BACKEND"):
        path = app_settings.get(name)
        try:
            import_string(path)
        except ImportError:
            problems.append(
                Error(
                    f'CLERK_USERS["{name}"] = {path!r} cannot be imported.',
                    hint="Give a dotted path to a class.",
                    id="clerk_users.E008",
                )
            )
    region = app_settings.PHONE_DEFAULT_REGION
    if region is not None:
        import phonenumbers

        if region not in phonenumbers.SUPPORTED_REGIONS:
            problems.append(
                Error(
                    f'CLERK_USERS["PHONE_DEFAULT_REGION"] = {region!r} is not a region code.',
                    hint='Use an ISO 3166-1 alpha-2 code such as "US" or "GB", or None.',
                    id="clerk_users.E009",
                )
            )
    from clerk_users.internal.urls import origin_of

    for origin in app_settings.ALLOWED_REDIRECT_ORIGINS:
        if origin_of(origin) is None:
            problems.append(
                Error(
                    f'CLERK_USERS["ALLOWED_REDIRECT_ORIGINS"] has {origin!r}, not an origin.',
                    hint='Give origins such as "https://app.example.com".',
                    id="clerk_users.E010",
                )
            )
    timeout = app_settings.get("SEARCH_STATEMENT_TIMEOUT_MS")
    if isinstance(timeout, bool) or not isinstance(timeout, int) or timeout < 0:
        problems.append(
            Error(
                f'CLERK_USERS["SEARCH_STATEMENT_TIMEOUT_MS"] must be an integer >= 0, '
                f"not {timeout!r}.",
                hint="Milliseconds a user search may run on PostgreSQL; 0 means no limit.",
                id="clerk_users.E130",
            )
        )
    return problems


# -- the security model: settings that quietly weaken it ------------------------------------
PER_PROCESS_CACHES = (
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
)


@register()
def check_security(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from clerk_users import allauth_account

    problems: list[Any] = []
    if app_settings.REVERIFICATION_MAX_AGE is not None and not getattr(
        settings, "ACCOUNT_REAUTHENTICATION_REQUIRED", False
    ):
        problems.append(
            Warning(
                "Reverification is on, but allauth's pages change emails and passwords "
                "without asking for reauthentication.",
                hint="Set ACCOUNT_REAUTHENTICATION_REQUIRED = True and "
                'ACCOUNT_REAUTHENTICATION_TIMEOUT = CLERK_USERS["REVERIFICATION_MAX_AGE"].',
                id="clerk_users.W120",
            )
        )
    forms = getattr(settings, "ACCOUNT_FORMS", {}) or {}
    if getattr(settings, "ACCOUNT_ADAPTER", None) != allauth_account.ADAPTER_PATH or any(
        forms.get(name) != path for name, path in allauth_account.FORMS.items()
    ):
        problems.append(
            Warning(
                "allauth does not use clerk_users' account adapter and forms: its pages "
                "skip the email normalisation and the 'unverified claims nothing' rule.",
                hint=f"ACCOUNT_ADAPTER = {allauth_account.ADAPTER_PATH!r}; "
                f"ACCOUNT_FORMS = {allauth_account.FORMS!r}",
                id="clerk_users.W121",
            )
        )
    from clerk_users.mfa import adapter as mfa_adapter

    if getattr(settings, "MFA_ADAPTER", None) != mfa_adapter.ADAPTER_PATH:
        problems.append(
            Warning(
                "TOTP secrets and recovery-code seeds are stored in the clear.",
                hint=f"MFA_ADAPTER = {mfa_adapter.ADAPTER_PATH!r} (then migrate: existing "
                "rows are encrypted by clerk_users 0008).",
                id="clerk_users.W123",
            )
        )
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not settings.DEBUG and backend in PER_PROCESS_CACHES:
        problems.append(
            Warning(
                f"The default cache ({backend.rsplit('.', 1)[-1]}) is not shared between "
                "processes: rate limits and session revocation are per process.",
                hint="Use a shared cache (Redis or Memcached) in CACHES['default'].",
                id="clerk_users.W122",
            )
        )
    return problems
