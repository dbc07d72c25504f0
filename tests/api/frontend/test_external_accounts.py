"""``/me/external_accounts``: bad input is 422 before any flow starts, ownership, deletion
with Clerk's "last way to sign in" rule, and reauthorization."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.test import override_settings
from django.utils import timezone

from clerk_users.models import ExternalAccount
from tests.api.frontend.conftest import FrontendClient, error_code
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider

DONE = "http://localhost:3000/done"


def connect(api: FrontendClient, name: str = "github", **extra: Any) -> dict[str, Any]:
    """Run a whole connect flow for ``name``; return the verified account's JSON."""
    response = api.post(
        "me/external_accounts", {"strategy": f"oauth_{name}", "redirect_url": DONE, **extra}
    )
    assert response.status_code == 200, response.content
    pending = response.json()["response"]
    provider = PROVIDERS[name]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(
            api.client, pending["verification"]["external_verification_redirect_url"], provider
        )
        assert callback(api.client, query, code="c")["Location"] == DONE
    # Connecting a provider account already connected folds the pending one into it.
    account = ExternalAccount.objects.filter(pk=pending["id"]).first() or (
        ExternalAccount.objects.get(provider=f"oauth_{name}", verification_status="verified")
    )
    return api.get(f"me/external_accounts/{account.pk}").json()["response"]


@pytest.mark.django_db
def test_create_answers_pending_account_in_envelope(api: FrontendClient, body: str) -> None:
    response = api.post(
        "me/external_accounts",
        {"strategy": "oauth_google", "redirect_url": DONE, "additional_scope": "drive.file"},
        body=body,
    )
    assert response.status_code == 200
    data = response.json()
    # the browser's client rides along (ClerkJS updates Clerk.user from it)
    assert data["client"]["object"] == "client"
    assert (
        data["client"]["sessions"][0]["user"]["external_accounts"][0]["id"]
        == (data["response"]["id"])
    )
    account = data["response"]
    assert account["object"] == "external_account" and account["id"].startswith("eac_")
    assert account["provider"] == "oauth_google"
    assert account["approved_scopes"] == "openid profile email drive.file"
    verification = account["verification"]
    assert verification["object"] == "verification_oauth"
    assert verification["status"] == "unverified"
    assert verification["strategy"] == "oauth_google"
    assert isinstance(verification["expire_at"], int)
    assert verification["external_verification_redirect_url"].startswith(
        "http://testserver/api/frontend/v1/oauth/start/"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "redirect_url",
    [
        "//evil.example/x",
        "https:evil.example",
        "https:/evil.example",
        "javascript:alert(document.cookie)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "http://localhost:3000\\@evil.example",
        "http:\\\\evil.example",
        "/\\evil.example",
        "\\\\evil.example",
        "http://evil.example/done",
        "http://localhost:3000.evil.example/",
        "http://localhost:3000@evil.example/",
        "http://localhost:3001/done",
        "https://localhost:3000/done",
        "http://localhost:3000/done\r\nLocation: http://evil.example",
        "/done",
        "",
    ],
)
def test_redirect_url_not_allowed_is_422_before_any_flow(
    api: FrontendClient, redirect_url: str
) -> None:
    response = api.post(
        "me/external_accounts", {"strategy": "oauth_github", "redirect_url": redirect_url}
    )
    assert response.status_code == 422, (redirect_url, response.content)
    assert error_code(response) in ("form_param_value_invalid", "form_param_format_invalid")
    assert response.json()["errors"][0]["meta"]["param_name"] == "redirect_url"
    assert not ExternalAccount.objects.exists()


@pytest.mark.django_db
def test_same_origin_redirect_is_allowed(api: FrontendClient) -> None:
    response = api.post(
        "me/external_accounts",
        {"strategy": "oauth_github", "redirect_url": "http://testserver/after"},
    )
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("params", "code", "param"),
    [
        (
            {"strategy": "oauth_myspace", "redirect_url": DONE},
            "form_param_value_invalid",
            "strategy",
        ),
        ({"strategy": "github", "redirect_url": DONE}, "form_param_value_invalid", "strategy"),
        ({"strategy": "oauth_linkedin_oidc", "redirect_url": DONE}, None, "strategy"),
        ({"redirect_url": DONE}, "form_param_missing", "strategy"),
        ({"strategy": "oauth_github"}, "form_param_missing", "redirect_url"),
        (
            {"strategy": "oauth_github", "redirect_url": DONE, "additional_scope": "a b<script>"},
            "form_param_format_invalid",
            "additional_scope",
        ),
        (
            {"strategy": "oauth_github", "redirect_url": DONE, "additional_scope": ["repo\n"]},
            "form_param_format_invalid",
            "additional_scope",
        ),
        (
            {"strategy": "oauth_github", "redirect_url": DONE, "provider_user_id": "1"},
            "form_param_unknown",
            "provider_user_id",
        ),
    ],
)
def test_bad_input_is_422_and_creates_nothing(
    api: FrontendClient, params: dict[str, Any], code: str | None, param: str
) -> None:
    response = api.post("me/external_accounts", params)
    assert response.status_code == 422, response.content
    if code:
        assert error_code(response) == code
    assert response.json()["errors"][0]["meta"]["param_name"] == param
    assert not ExternalAccount.objects.exists()


@pytest.mark.django_db
def test_provider_without_credentials_is_422(api: FrontendClient, settings: Any) -> None:
    providers = {k: dict(v) for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["twitch"].pop("APP")
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        response = api.post(
            "me/external_accounts", {"strategy": "oauth_twitch", "redirect_url": DONE}
        )
    assert response.status_code == 422
    assert error_code(response) == "oauth_provider_not_enabled"
    assert not ExternalAccount.objects.exists()


@pytest.mark.django_db
def test_provider_from_socialapp_row(api: FrontendClient, settings: Any) -> None:
    from allauth.socialaccount.models import SocialApp

    providers = {k: dict(v) for k, v in settings.SOCIALACCOUNT_PROVIDERS.items()}
    providers["twitch"].pop("APP")
    SocialApp.objects.create(provider="twitch", name="Twitch", client_id="db", secret="s")
    with override_settings(SOCIALACCOUNT_PROVIDERS=providers):
        response = api.post(
            "me/external_accounts", {"strategy": "oauth_twitch", "redirect_url": DONE}
        )
        assert response.status_code == 200, response.content
        start = response.json()["response"]["verification"]["external_verification_redirect_url"]
        location = api.client.get(start)["Location"]
    assert parse_qs(urlsplit(location).query)["client_id"] == ["db"]


@pytest.mark.django_db
def test_requires_session(frontend: Any) -> None:
    response = frontend().post(
        "me/external_accounts", {"strategy": "oauth_github", "redirect_url": DONE}
    )
    assert response.status_code == 401


@pytest.mark.django_db
def test_another_users_account_is_404(api: FrontendClient, frontend: Any, other_user: Any) -> None:
    mine = connect(api)
    theirs = frontend(other_user)
    assert theirs.get(f"me/external_accounts/{mine['id']}").status_code == 404
    assert theirs.delete(f"me/external_accounts/{mine['id']}").status_code == 404
    response = theirs.patch(
        f"me/external_accounts/{mine['id']}/reauthorize", {"redirect_url": DONE}
    )
    assert response.status_code == 404
    assert ExternalAccount.objects.get(pk=mine["id"]).verification_status == "verified"


@pytest.mark.django_db
def test_delete_removes_account_social_account_and_tokens(api: FrontendClient) -> None:
    account = connect(api)
    response = api.delete(f"me/external_accounts/{account['id']}")
    assert response.status_code == 200
    assert response.json()["response"] == {
        "object": "external_account",
        "id": account["id"],
        "deleted": True,
    }
    assert not ExternalAccount.objects.exists()
    assert not SocialAccount.objects.exists() and not SocialToken.objects.exists()


@pytest.mark.django_db
def test_delete_last_way_to_sign_in_is_refused(make_user: Any, frontend: Any) -> None:
    from clerk_users.models import User

    user = make_user(username=None, email_address=[], password=None)
    user.set_unusable_password()
    user.save()
    api = frontend(user)
    account = connect(api, "twitter")  # X gives no email: the account is the only way in
    response = api.delete(f"me/external_accounts/{account['id']}")
    assert response.status_code == 403
    assert error_code(response) == "last_identification_deletion_failed"
    assert ExternalAccount.objects.filter(pk=account["id"]).exists()
    assert SocialAccount.objects.filter(user_id=user.pk).exists()
    # A second verified account is another way in: now the first one may go.
    connect(api, "discord")
    assert api.delete(f"me/external_accounts/{account['id']}").status_code == 200
    assert User.objects.get(pk=user.pk).external_accounts.count() == 1


@pytest.mark.django_db
def test_reauthorizing_the_last_way_to_sign_in_keeps_it(make_user: Any, frontend: Any) -> None:
    """Reauthorize, then delete: the account is still the only way in, so the guard holds
    (it stays verified until the callback completes or fails)."""
    user = make_user(username=None, email_address=[], password=None)
    user.set_unusable_password()
    user.save()
    api = frontend(user)
    account = connect(api, "twitter")
    response = api.patch(
        f"me/external_accounts/{account['id']}/reauthorize", {"redirect_url": DONE}
    )
    assert response.status_code == 200, response.content
    shown = response.json()["response"]["verification"]
    assert shown["status"] == "unverified"  # Clerk's wire: a flow is open...
    start = shown["external_verification_redirect_url"]
    assert start
    assert ExternalAccount.objects.get(pk=account["id"]).verification_status == "verified"
    deleted = api.delete(f"me/external_accounts/{account['id']}")
    assert deleted.status_code == 403
    assert error_code(deleted) == "last_identification_deletion_failed"
    # The flow fails (here: it expired): the account stays verified, the error is recorded
    # and the start link is dead.
    ExternalAccount.objects.filter(pk=account["id"]).update(
        verification_expire_at=timezone.now() - timedelta(seconds=1)
    )
    assert api.client.get(start).status_code == 302
    stored = ExternalAccount.objects.get(pk=account["id"])
    assert stored.verification_status == "verified"
    assert stored.verification_error["code"] == "verification_expired"
    data = api.get(f"me/external_accounts/{account['id']}").json()["response"]
    assert data["verification"]["status"] == "verified"
    assert data["verification"]["external_verification_redirect_url"] is None
    assert api.client.get(start).status_code == 404
    assert api.delete(f"me/external_accounts/{account['id']}").status_code == 403
    assert SocialAccount.objects.filter(user_id=user.pk).exists()


@pytest.mark.django_db
def test_pending_account_may_always_be_deleted(make_user: Any, frontend: Any) -> None:
    user = make_user(username=None, email_address=[], password=None)
    api = frontend(user)
    pending = api.post(
        "me/external_accounts", {"strategy": "oauth_github", "redirect_url": DONE}
    ).json()["response"]
    assert api.delete(f"me/external_accounts/{pending['id']}").status_code == 200


@pytest.mark.django_db
def test_reauthorize_adds_scopes_and_runs_the_flow_again(api: FrontendClient) -> None:
    account = connect(api)
    response = api.patch(
        f"me/external_accounts/{account['id']}/reauthorize",
        {"redirect_url": DONE, "additional_scope": ["repo"]},
    )
    assert response.status_code == 200, response.content
    pending = response.json()["response"]
    assert pending["id"] == account["id"]
    assert pending["verification"]["status"] == "unverified"
    start = pending["verification"]["external_verification_redirect_url"]
    provider = PROVIDERS["github"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(api.client, start, provider)
        assert set(query["scope"].split()) == {"read:user", "user:email", "repo"}
        assert callback(api.client, query, code="c")["Location"] == DONE
    done = api.get(f"me/external_accounts/{account['id']}").json()["response"]
    assert done["verification"]["status"] == "verified"
    assert done["approved_scopes"] == "read:user user:email repo"
    assert ExternalAccount.objects.count() == 1 and SocialAccount.objects.count() == 1


@pytest.mark.django_db
def test_old_start_link_is_dead_after_reauthorize(api: FrontendClient) -> None:
    pending = api.post(
        "me/external_accounts", {"strategy": "oauth_github", "redirect_url": DONE}
    ).json()["response"]
    old = pending["verification"]["external_verification_redirect_url"]
    api.patch(f"me/external_accounts/{pending['id']}/reauthorize", {"redirect_url": DONE})
    assert api.client.get(old).status_code == 404


@pytest.mark.django_db
def test_connecting_twice_keeps_one_account(api: FrontendClient) -> None:
    first = connect(api)
    second = connect(api)
    assert second["id"] == first["id"]
    assert ExternalAccount.objects.count() == 1


@pytest.mark.django_db
def test_oidc_prompt_and_login_hint_reach_the_authorize_url(api: FrontendClient) -> None:
    response = api.post(
        "me/external_accounts",
        {
            "strategy": "oauth_google",
            "redirect_url": DONE,
            "oidc_prompt": "select_account",
            "oidc_login_hint": "ada@example.net",
        },
    )
    assert response.status_code == 200, response.content
    start = response.json()["response"]["verification"]["external_verification_redirect_url"]
    query = follow_to_provider(api.client, start, PROVIDERS["google"])
    assert query["prompt"] == "select_account"
    assert query["login_hint"] == "ada@example.net"
    assert query["access_type"] == "online"  # the provider's own settings are kept


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("extra", "param"),
    [
        ({"oidc_prompt": "always"}, "oidc_prompt"),
        ({"oidc_prompt": "login\nconsent"}, "oidc_prompt"),
        ({"oidc_login_hint": "x" * 400}, "oidc_login_hint"),
        ({"oidc_login_hint": {"a": 1}}, "oidc_login_hint"),
    ],
)
def test_bad_oidc_params_are_422(api: FrontendClient, extra: dict[str, Any], param: str) -> None:
    response = api.post(
        "me/external_accounts", {"strategy": "oauth_google", "redirect_url": DONE, **extra}
    )
    assert response.status_code == 422
    assert error_code(response) == "form_param_format_invalid"
    assert response.json()["errors"][0]["meta"]["param_name"] == param
    assert not ExternalAccount.objects.exists()
