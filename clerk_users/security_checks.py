"""System checks of the security model (issue 12): settings that quietly weaken it.

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
from django.core.checks import Warning, register

from clerk_users.app_settings import app_settings

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
    from clerk_users import mfa_adapter

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
