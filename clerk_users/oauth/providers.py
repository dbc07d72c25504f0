"""Build allauth's ``SOCIALACCOUNT_PROVIDERS`` for Clerk's 14 OAuth providers from env vars.

Imported by settings modules, so it must not import Django models (or anything that needs
the app registry). Each provider reads ``CLERK_OAUTH_<NAME>_CLIENT_ID`` and
``CLERK_OAUTH_<NAME>_SECRET`` (``<NAME>`` is Clerk's name: ``GITHUB``, ``TWITTER``,
``LINKEDIN``...); a provider whose variables are missing gets no app, which the system check
``clerk_users.W050`` reports and the API refuses with 422 ``oauth_provider_not_enabled``.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

# Clerk's provider name (``oauth_<name>``) -> allauth provider app (the INSTALLED_APPS entry
# suffix) and the allauth provider id (``SocialAccount.provider``).
PROVIDERS: dict[str, tuple[str, str]] = {
    "facebook": ("facebook", "facebook"),
    "github": ("github", "github"),
    "google": ("google", "google"),
    "hubspot": ("hubspot", "hubspot"),
    "tiktok": ("tiktok", "tiktok"),
    "gitlab": ("gitlab", "gitlab"),
    "discord": ("discord", "discord"),
    "twitter": ("twitter_oauth2", "twitter_oauth2"),
    "twitch": ("twitch", "twitch"),
    "linkedin": ("openid_connect", "linkedin"),
    "dropbox": ("dropbox", "dropbox"),
    "bitbucket": ("bitbucket_oauth2", "bitbucket_oauth2"),
    "microsoft": ("microsoft", "microsoft"),
    "notion": ("notion", "notion"),
}

LINKEDIN_SERVER_URL = "https://www.linkedin.com/oauth"

# Per-provider allauth settings that are not credentials: the scopes Clerk asks for by
# default, and PKCE wherever the provider supports it for web apps (X requires it).
PKCE = {"OAUTH_PKCE_ENABLED": True}
PROVIDER_SETTINGS: dict[str, dict[str, Any]] = {
    "github": {"SCOPE": ["read:user", "user:email"]},
    "google": {
        "SCOPE": ["openid", "profile", "email"],
        "AUTH_PARAMS": {"access_type": "online"},
        **PKCE,
    },
    "gitlab": {"SCOPE": ["read_user"], **PKCE},
    "discord": {"SCOPE": ["identify", "email"]},
    "twitter_oauth2": {"SCOPE": ["users.read", "tweet.read"], **PKCE},
    "twitch": {"SCOPE": ["user:read:email"]},
    "dropbox": {**PKCE},
    "microsoft": {"SCOPE": ["User.Read", "openid", "email", "profile"], **PKCE},
    "openid_connect": {"SCOPE": ["openid", "profile", "email"]},
}


def installed_apps() -> list[str]:
    """The allauth provider apps to add to ``INSTALLED_APPS`` (each once)."""
    apps: list[str] = []
    for app, _provider_id in PROVIDERS.values():
        dotted = f"allauth.socialaccount.providers.{app}"
        if dotted not in apps:
            apps.append(dotted)
    return apps


def app_config(
    name: str, client_id: str, secret: str, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """One allauth ``APP`` entry for Clerk provider ``name``."""
    config: dict[str, Any] = {"client_id": client_id, "secret": secret, "key": ""}
    if name == "linkedin":
        config.update(
            provider_id="linkedin",
            name="LinkedIn",
            settings={"server_url": LINKEDIN_SERVER_URL},
        )
    if extra:
        config.setdefault("settings", {}).update(extra)
    return config


def socialaccount_providers(
    credentials: Mapping[str, tuple[str, str]],
) -> dict[str, dict[str, Any]]:
    """``SOCIALACCOUNT_PROVIDERS`` with an app for each Clerk name in ``credentials``."""
    result: dict[str, dict[str, Any]] = {
        app: dict(PROVIDER_SETTINGS.get(app, {})) for app, _pid in PROVIDERS.values()
    }
    for name, (client_id, secret) in credentials.items():
        app, _pid = PROVIDERS[name]
        entry = app_config(name, client_id, secret)
        if app == "openid_connect":
            result[app].setdefault("APPS", []).append(entry)
        else:
            result[app]["APP"] = entry
    return result


def credentials_from_env(environ: Mapping[str, str] | None = None) -> dict[str, tuple[str, str]]:
    """``{clerk_name: (client_id, secret)}`` for each provider configured in the environment."""
    env = os.environ if environ is None else environ
    found: dict[str, tuple[str, str]] = {}
    for name in PROVIDERS:
        client_id = env.get(f"CLERK_OAUTH_{name.upper()}_CLIENT_ID", "").strip()
        secret = env.get(f"CLERK_OAUTH_{name.upper()}_SECRET", "").strip()
        if client_id and secret:
            found[name] = (client_id, secret)
    return found


def half_configured_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """Clerk names with only one of ``_CLIENT_ID`` / ``_SECRET`` set (check W050 reports them:
    ``credentials_from_env`` needs both)."""
    env = os.environ if environ is None else environ
    return [
        name
        for name in PROVIDERS
        if bool(env.get(f"CLERK_OAUTH_{name.upper()}_CLIENT_ID", "").strip())
        != bool(env.get(f"CLERK_OAUTH_{name.upper()}_SECRET", "").strip())
    ]


def socialaccount_providers_from_env(
    environ: Mapping[str, str] | None = None,
) -> dict[str, dict[str, Any]]:
    return socialaccount_providers(credentials_from_env(environ))
