"""Django system checks: each misconfiguration reported with a clear hint."""

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
