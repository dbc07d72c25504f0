"""Backend API of external accounts through Clerk's official SDK against a live server:
users with external accounts parse, ``users.delete_external_account`` and
``users.get_o_auth_access_token`` (allauth's stored tokens)."""

from __future__ import annotations

import json
from typing import Any

import pytest
import responses
from allauth.socialaccount.models import SocialAccount, SocialToken
from clerk_backend_api import models
from django.test import Client

from clerk_users.models import ExternalAccount
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider

from .conftest import error_code

pytestmark = pytest.mark.django_db(transaction=True)
DONE = "http://localhost:3000/done"
SDK_ERRORS = (models.ClerkErrors, models.SDKError)


def connect(user: Any, name: str) -> ExternalAccount:
    browser = Client()
    browser.force_login(user)
    response = browser.post(
        "/api/frontend/v1/me/external_accounts",
        json.dumps({"strategy": f"oauth_{name}", "redirect_url": DONE}),
        content_type="application/json",
    )
    pending = response.json()["response"]
    provider = PROVIDERS[name]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(
            browser, pending["verification"]["external_verification_redirect_url"], provider
        )
        assert callback(browser, query, code="c")["Location"] == DONE
    return ExternalAccount.objects.get(pk=pending["id"])


@pytest.fixture
def connected(user: Any) -> ExternalAccount:
    return connect(user, "github")


def test_sdk_parses_users_with_external_accounts(
    clerk: Any, user: Any, connected: ExternalAccount
) -> None:
    pending = user.create_external_account("oauth_google", DONE)
    got = clerk.users.get(user_id=user.pk)
    assert [a.id for a in got.external_accounts] == [connected.pk, pending.pk]
    first = got.external_accounts[0]
    assert first.provider == "oauth_github" and first.provider_user_id == "4242"
    assert first.email_address == "grace@example.org" and first.email_address_verified
    assert first.verification.status == "verified"
    assert first.verification.object == "verification_oauth"
    assert got.external_accounts[1].verification.status == "unverified"
    email = next(e for e in got.email_addresses if e.email_address == "grace@example.org")
    assert email.verification.strategy == "from_oauth_github"
    assert email.linked_to[0].id == connected.identification_id
    listed = clerk.users.list(request={"provider": "oauth_github", "provider_user_id": ["4242"]})
    assert [u.id for u in listed] == [user.pk]


def test_get_oauth_access_token(clerk: Any, user: Any, connected: ExternalAccount) -> None:
    for provider in ("oauth_github", "github"):
        tokens = clerk.users.get_o_auth_access_token(user_id=user.pk, provider=provider)
        assert len(tokens) == 1
        token = tokens[0]
        assert isinstance(token, models.OAuthAccessToken)
        assert token.token == "provider-access-token"
        assert token.external_account_id == connected.pk
        assert token.provider_user_id == "4242"
        assert token.provider == "oauth_github"
        assert token.scopes == ["read:user", "user:email"]
        assert token.expires_at and token.expires_at > 1_700_000_000
    assert clerk.users.get_o_auth_access_token(user_id=user.pk, provider="oauth_google") == []


def test_get_oauth_access_token_bad_input(clerk: Any, user: Any) -> None:
    with pytest.raises(SDK_ERRORS) as exc:
        clerk.users.get_o_auth_access_token(user_id=user.pk, provider="oauth_myspace")
    assert exc.value.status_code == 422
    with pytest.raises(SDK_ERRORS) as exc:
        clerk.users.get_o_auth_access_token(user_id="user_missing", provider="oauth_github")
    assert exc.value.status_code == 404


def test_delete_external_account(clerk: Any, user: Any, connected: ExternalAccount) -> None:
    deleted = clerk.users.delete_external_account(user_id=user.pk, external_account_id=connected.pk)
    assert deleted.object == "external_account" and deleted.id == connected.pk
    assert deleted.deleted is True
    assert not ExternalAccount.objects.exists()
    assert not SocialAccount.objects.exists() and not SocialToken.objects.exists()
    assert clerk.users.get(user_id=user.pk).external_accounts == []


def test_delete_other_users_or_missing_account_is_404(
    clerk: Any, other_user: Any, connected: ExternalAccount
) -> None:
    for user_id, account_id in ((other_user.pk, connected.pk), (connected.user_id, "eac_nope")):
        with pytest.raises(SDK_ERRORS) as exc:
            clerk.users.delete_external_account(user_id=user_id, external_account_id=account_id)
        assert exc.value.status_code == 404
        if isinstance(exc.value, models.ClerkErrors):
            assert error_code(exc.value) == "resource_not_found"
    assert ExternalAccount.objects.filter(pk=connected.pk).exists()


def test_admin_may_delete_the_last_way_to_sign_in(clerk: Any, make_user: Any) -> None:
    lonely = make_user(username=None, email_address=[], password=None)
    lonely.set_unusable_password()
    lonely.save()
    account = connect(lonely, "twitter")
    clerk.users.delete_external_account(user_id=lonely.pk, external_account_id=account.pk)
    assert not ExternalAccount.objects.filter(pk=account.pk).exists()


def test_requires_secret_key(client: Any, user: Any, connected: ExternalAccount) -> None:
    base = "/api/backend/v1/users"
    response = client.get(f"{base}/{user.pk}/oauth_access_tokens/oauth_github")
    assert response.status_code == 401
    response = client.delete(f"{base}/{user.pk}/external_accounts/{connected.pk}")
    assert response.status_code == 401
    assert ExternalAccount.objects.filter(pk=connected.pk).exists()


def _expire(account: ExternalAccount) -> None:
    from datetime import timedelta

    from django.utils import timezone

    SocialToken.objects.filter(account_id=account.social_account_id).update(
        expires_at=timezone.now() - timedelta(minutes=1)
    )


def test_expired_token_is_refreshed_with_the_refresh_token(
    clerk: Any, user: Any, connected: ExternalAccount
) -> None:
    from urllib.parse import parse_qs

    _expire(connected)
    with responses.RequestsMock() as rsps:
        rsps.add(
            "POST",
            "https://github.com/login/oauth/access_token",
            json={"access_token": "refreshed-token", "expires_in": 7200},
        )
        tokens = clerk.users.get_o_auth_access_token(user_id=user.pk, provider="oauth_github")
        sent = parse_qs(rsps.calls[0].request.body)
    assert sent["grant_type"] == ["refresh_token"]
    assert sent["refresh_token"] == ["provider-refresh-token"]
    assert sent["client_id"] == ["github-client-id"]
    assert tokens[0].token == "refreshed-token"
    stored = SocialToken.objects.get(account_id=connected.social_account_id)
    assert stored.token == "refreshed-token"
    assert stored.token_secret == "provider-refresh-token"  # kept: none came back
    import time

    assert tokens[0].expires_at > time.time() + 7000


def test_refused_refresh_is_oauth_token_retrieval_error(
    clerk: Any, user: Any, connected: ExternalAccount
) -> None:
    _expire(connected)
    with responses.RequestsMock() as rsps:
        rsps.add(
            "POST",
            "https://github.com/login/oauth/access_token",
            json={"error": "bad_refresh_token"},
            status=400,
        )
        with pytest.raises(SDK_ERRORS) as exc:
            clerk.users.get_o_auth_access_token(user_id=user.pk, provider="oauth_github")
    assert exc.value.status_code == 422
    assert error_code(exc.value) == "oauth_token_retrieval_error"
    assert SocialToken.objects.get(account_id=connected.social_account_id).token == (
        "provider-access-token"
    )


def test_paginated_token_list(api: Any, clerk: Any, user: Any, connected: ExternalAccount) -> None:
    """paginated=true answers Clerk's page object (what @clerk/backend sends and reads); the
    Python SDK, which parses a bare array, gets one without it."""
    path = f"/users/{user.pk}/oauth_access_tokens/oauth_github"
    page = api.get(path, {"paginated": "true", "limit": 1, "offset": 1}).json()
    assert page == {"data": [], "total_count": 1}
    page = api.get(path, {"paginated": "true", "limit": 1}).json()
    assert page["total_count"] == 1
    assert [t["token"] for t in page["data"]] == ["provider-access-token"]
    assert api.get(path, {"paginated": "maybe"}).status_code == 422
    got = clerk.users.get_o_auth_access_token(user_id=user.pk, provider="oauth_github")
    assert [t.token for t in got] == ["provider-access-token"]
