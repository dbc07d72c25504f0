"""Check ``clerk_users.W050`` (clerk_users.oauth.checks): once, short, only where it applies."""

from __future__ import annotations

from typing import Any

import pytest

from clerk_users.oauth import providers as oauth_settings
from clerk_users.oauth.checks import check_providers

pytestmark = pytest.mark.django_db


def _without(settings: Any, *names: str) -> None:
    """Drop the credentials of Clerk providers ``names`` from the test settings."""
    credentials = {n: (f"{n}-id", f"{n}-secret") for n in oauth_settings.PROVIDERS}
    for name in names:
        credentials.pop(name)
    settings.SOCIALACCOUNT_PROVIDERS = oauth_settings.socialaccount_providers(credentials)


def test_every_installed_provider_configured_is_silent() -> None:
    assert check_providers() == []


def test_no_provider_configured_at_all_is_silent(settings: Any) -> None:
    """OAuth off (the example's quick start): nothing on every command."""
    _without(settings, *oauth_settings.PROVIDERS)
    assert check_providers() == []


def test_some_configured_lists_the_installed_ones_without_credentials(settings: Any) -> None:
    _without(settings, "linkedin", "notion")
    found = check_providers()
    assert [w.id for w in found] == ["clerk_users.W050"]
    assert found[0].msg.endswith("no credentials for oauth_linkedin, oauth_notion.")
    assert "oauth_github" not in found[0].msg
    assert len(found[0].msg) + len(found[0].hint) < 400


def test_a_secret_missing_in_the_environment_is_reported(settings: Any, monkeypatch: Any) -> None:
    _without(settings, *oauth_settings.PROVIDERS)
    monkeypatch.setenv("CLERK_OAUTH_GITHUB_CLIENT_ID", "gh-id")
    monkeypatch.delenv("CLERK_OAUTH_GITHUB_SECRET", raising=False)
    (warning,) = check_providers()
    assert "only one of _CLIENT_ID/_SECRET set for oauth_github." in warning.msg


def test_credentials_for_an_app_that_is_not_installed(monkeypatch: Any) -> None:
    from allauth.socialaccount.providers import registry

    real = registry.get_class
    monkeypatch.setattr(registry, "get_class", lambda app: None if app == "notion" else real(app))
    (warning,) = check_providers()
    assert warning.msg.endswith("provider app not installed for oauth_notion.")


def test_an_app_not_installed_without_credentials_is_the_sites_choice(
    settings: Any, monkeypatch: Any
) -> None:
    from allauth.socialaccount.providers import registry

    _without(settings, "notion")
    real = registry.get_class
    monkeypatch.setattr(registry, "get_class", lambda app: None if app == "notion" else real(app))
    assert check_providers() == []


def test_half_configured_from_env() -> None:
    env = {
        "CLERK_OAUTH_GITHUB_CLIENT_ID": "id",
        "CLERK_OAUTH_GOOGLE_SECRET": "secret",
        "CLERK_OAUTH_GITLAB_CLIENT_ID": "id",
        "CLERK_OAUTH_GITLAB_SECRET": "secret",
        "CLERK_OAUTH_NOTION_CLIENT_ID": "  ",
    }
    assert oauth_settings.half_configured_from_env(env) == ["github", "google"]
