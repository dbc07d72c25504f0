"""``clerk_users.W050``: OAuth providers the site meant to offer but cannot.

It applies only where the site shows intent, so that a site without OAuth (the example's quick
start) is not told about 14 providers on every command:

- no provider has credentials and none is half-configured: OAuth is simply off; nothing to
  report (every ``oauth_<name>`` strategy answers 422 ``oauth_provider_not_enabled``);
- some providers have credentials: the *installed* provider apps still without credentials
  are listed (configure them, or remove their app from ``INSTALLED_APPS``);
- a half-configured provider (only one of ``CLERK_OAUTH_<NAME>_CLIENT_ID`` / ``_SECRET`` set)
  or credentials in ``SOCIALACCOUNT_PROVIDERS`` for an app that is not installed: always.

Provider apps that are not installed are otherwise the site's choice and not reported. At most
one warning, kept short; silence it with ``SILENCED_SYSTEM_CHECKS = ["clerk_users.W050"]``.
"""

from __future__ import annotations

from typing import Any


def _has_credentials(provider_id: str, app: str) -> bool:
    from django.db import DatabaseError

    from clerk_users.oauth import external_accounts

    try:
        return bool(external_accounts.configured_apps(provider_id))
    except DatabaseError:  # not migrated yet: settings-backed apps only
        from allauth.socialaccount.adapter import _build_apps_from_settings

        apps = _build_apps_from_settings(provider=provider_id).get(app, [])
        return any(a.client_id and a.secret for a in apps)


def _settings_credentials(app: str) -> bool:
    from django.conf import settings

    entry = getattr(settings, "SOCIALACCOUNT_PROVIDERS", {}).get(app, {})
    apps = [entry["APP"]] if entry.get("APP") else list(entry.get("APPS", []))
    return any(a.get("client_id") and a.get("secret") for a in apps)


def check_providers(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    from allauth.socialaccount.providers import registry
    from django.core.checks import Warning

    from clerk_users.oauth.providers import PROVIDERS, half_configured_from_env

    configured, without, not_installed = [], [], []
    for name, (app, provider_id) in PROVIDERS.items():
        if registry.get_class(app) is None:
            if _settings_credentials(app):
                not_installed.append(name)
        elif _has_credentials(provider_id, app):
            configured.append(name)
        else:
            without.append(name)
    half = half_configured_from_env()
    problems = []
    if half:
        problems.append("only one of _CLIENT_ID/_SECRET set for " + _strategies(half))
    if configured and without:
        problems.append("no credentials for " + _strategies(without))
    if not_installed:
        problems.append("provider app not installed for " + _strategies(not_installed))
    if not problems:
        return []
    return [
        Warning(
            f"OAuth providers unusable (422 oauth_provider_not_enabled): {'; '.join(problems)}.",
            hint="Set CLERK_OAUTH_<NAME>_CLIENT_ID and _SECRET (or add a SocialApp in the "
            "admin), or remove the provider's app from INSTALLED_APPS. README: OAuth providers.",
            id="clerk_users.W050",
        )
    ]


def _strategies(names: list[str]) -> str:
    return ", ".join(f"oauth_{name}" for name in names)
