"""External accounts end to end: for each of the 14 providers the whole connect flow through
the test client (provider endpoints mocked at the ``requests`` layer), plus sign-up with a
provider, denied and failed callbacks, wrong or replayed state, and the unverified-email
takeover case."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount, SocialToken
from django.test import Client, override_settings

from clerk_users.models import EmailAddress, ExternalAccount
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider
from tests.sort_keys import assert_sort_keys_match, keys_of

DONE = "http://localhost:3000/done"
ME = "/api/frontend/v1/me/external_accounts"


def start_connect(client: Client, strategy: str, **extra: Any) -> dict[str, Any]:
    body = {"strategy": strategy, "redirect_url": DONE, **extra}
    response = client.post(ME, json.dumps(body), content_type="application/json")
    assert response.status_code == 200, response.content
    return response.json()["response"]


@pytest.fixture
def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(PROVIDERS))
def test_connect_flow_for_each_provider(name: str, user: Any, browser: Client) -> None:
    provider = PROVIDERS[name]
    pending = start_connect(browser, f"oauth_{name}")
    assert pending["verification"]["status"] == "unverified"
    start_url = pending["verification"]["external_verification_redirect_url"]
    assert start_url.startswith("http://testserver/api/frontend/v1/oauth/start/")

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(browser, start_url, provider)
        pkce = name in ("twitter", "google", "gitlab", "dropbox", "microsoft")
        if pkce:  # allauth sends the challenge, then the verifier to the token endpoint
            assert query["code_challenge_method"] == "S256" and query["code_challenge"]
        response = callback(browser, query, code="the-code")
        token_calls = [c for c in rsps.calls if "token" in c.request.url.lower()]
        token_body = str(token_calls[0].request.body or "") + token_calls[0].request.url
        assert ("code_verifier" in token_body) == pkce
    assert response.status_code == 302, response.content[:400]
    assert response["Location"] == DONE
    assert token_calls, "the token endpoint was called"

    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.user_id == user.pk
    assert account.verification_status == "verified"
    assert account.verification_error is None
    assert account.provider == f"oauth_{name}"
    for field_name, value in provider.expected.items():
        assert getattr(account, field_name) == value, field_name
    social = SocialAccount.objects.get(pk=account.social_account_id)
    assert social.user_id == user.pk and social.uid == account.provider_user_id
    assert SocialToken.objects.get(account=social).token == "provider-access-token"

    data = browser.get(f"{ME}/{account.pk}").json()["response"]
    assert data["verification"]["status"] == "verified"
    assert data["verification"]["external_verification_redirect_url"] is None
    email = provider.expected.get("email_address")
    if email:
        ours = EmailAddress.objects.get(email_address=email)
        assert ours.user_id == user.pk and ours.linked_external_account_id == account.pk
        verified = provider.expected.get("email_address_verified")
        if verified:
            assert ours.verification_strategy == f"from_oauth_{name}" and ours.is_verified
        elif verified is False:
            assert not ours.is_verified


@pytest.mark.django_db
def test_connected_account_in_user_json_and_sdk_model(user: Any, browser: Client) -> None:
    from clerk_backend_api import models

    from clerk_users.api.serializers import user_json
    from clerk_users.models import User

    pending = start_connect(browser, "oauth_github")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, PROVIDERS["github"])
        query = follow_to_provider(
            browser,
            pending["verification"]["external_verification_redirect_url"],
            PROVIDERS["github"],
        )
        callback(browser, query, code="c")
    start_connect(browser, "oauth_google")  # a second one, still pending
    fresh = User.objects.with_identifiers().get(pk=user.pk)
    data = user_json(fresh)
    assert [a["verification"]["status"] for a in data["external_accounts"]] == [
        "verified",
        "unverified",
    ]
    email = next(e for e in data["email_addresses"] if e["email_address"] == "grace@example.org")
    assert email["verification"]["object"] == "verification_from_oauth"
    assert email["verification"]["strategy"] == "from_oauth_github"
    assert email["linked_to"] == [
        {"type": "oauth_github", "id": data["external_accounts"][0]["identification_id"]}
    ]
    parsed = models.User.model_validate(data)
    assert parsed.external_accounts[0].provider_user_id == "4242"
    assert [a.id for a in fresh.verified_external_accounts] == [data["external_accounts"][0]["id"]]
    assert len(fresh.unverified_external_accounts) == 1


@pytest.mark.django_db
def test_python_api_create_external_account(user: Any) -> None:
    account = user.create_external_account("oauth_github", DONE, ["repo"])
    assert account.verification_status == "unverified"
    assert account.external_verification_redirect_url.startswith("/api/frontend/v1/oauth/start/")
    assert account.approved_scopes == "read:user user:email repo"
    from clerk_users.errors import ClerkError

    with pytest.raises(ClerkError) as exc:
        user.create_external_account("oauth_myspace")
    assert exc.value.clerk_code == "form_param_value_invalid"


@pytest.mark.django_db
@pytest.mark.parametrize("error", ["access_denied", "server_error"])
def test_denied_or_failed_callback_records_error(error: str, browser: Client) -> None:
    pending = start_connect(browser, "oauth_github")
    query = follow_to_provider(
        browser,
        pending["verification"]["external_verification_redirect_url"],
        PROVIDERS["github"],
    )
    response = callback(browser, query, error=error)
    assert response.status_code == 302
    location = urlsplit(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == DONE
    expected = "oauth_access_denied" if error == "access_denied" else "oauth_callback_error"
    assert parse_qs(location.query)["error"] == [expected]
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.verification_status == "unverified"
    assert account.verification_error["code"] == expected
    assert account.social_account is None
    data = browser.get(f"{ME}/{account.pk}").json()["response"]
    assert data["verification"]["error"]["code"] == expected


@pytest.mark.django_db
def test_token_endpoint_failure_records_error(browser: Client) -> None:
    pending = start_connect(browser, "oauth_gitlab")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, PROVIDERS["gitlab"], token_status=500)
        query = follow_to_provider(
            browser,
            pending["verification"]["external_verification_redirect_url"],
            PROVIDERS["gitlab"],
        )
        response = callback(browser, query, code="c")
    assert response.status_code == 302
    assert "error=oauth_token_exchange_error" in response["Location"]
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.verification_status == "unverified"
    assert not SocialAccount.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("bad_state", ["wrong-state", "replay"])
def test_wrong_or_replayed_state_changes_nothing(bad_state: str, browser: Client) -> None:
    provider = PROVIDERS["github"]
    pending = start_connect(browser, "oauth_github")
    start = pending["verification"]["external_verification_redirect_url"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(browser, start, provider)
        if bad_state == "replay":
            assert callback(browser, query, code="c")["Location"] == DONE
            before = ExternalAccount.objects.get(pk=pending["id"]).updated_at
        else:
            query = {**query, "state": "not-the-state"}
            before = ExternalAccount.objects.get(pk=pending["id"]).updated_at
        calls = len(rsps.calls)
        response = callback(browser, query, code="c")
        assert len(rsps.calls) == calls, "no request reached the provider"
    assert response.status_code != 302 or DONE not in response.get("Location", "")
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.updated_at == before
    assert SocialAccount.objects.count() == (1 if bad_state == "replay" else 0)


@pytest.mark.django_db
def test_start_link_of_another_user_is_refused(browser: Client, other_user: Any) -> None:
    pending = start_connect(browser, "oauth_github")
    intruder = Client()
    intruder.force_login(other_user)
    before = ExternalAccount.objects.get(pk=pending["id"]).updated_at
    response = intruder.get(pending["verification"]["external_verification_redirect_url"])
    assert response.status_code == 302 and "error=session_mismatch" in response["Location"]
    assert "socialaccount_states" not in intruder.session
    assert ExternalAccount.objects.get(pk=pending["id"]).updated_at == before
    anonymous = Client().get(pending["verification"]["external_verification_redirect_url"])
    assert "error=session_mismatch" in anonymous["Location"]
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.updated_at == before and account.verification_error is None
    forged = pending["verification"]["external_verification_redirect_url"][:-3] + "abc"
    assert browser.get(forged).status_code == 404


@pytest.mark.django_db
def test_provider_account_of_another_user_is_refused(browser: Client, make_user: Any) -> None:
    provider = PROVIDERS["github"]
    owner = make_user()
    owner_browser = Client()
    owner_browser.force_login(owner)
    for client in (owner_browser, browser):
        pending = start_connect(client, "oauth_github")
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            mock_provider(rsps, provider)
            query = follow_to_provider(
                client, pending["verification"]["external_verification_redirect_url"], provider
            )
            response = callback(client, query, code="c")
    assert "error=external_account_exists" in response["Location"]
    refused = ExternalAccount.objects.get(pk=pending["id"])
    assert refused.verification_status == "unverified"
    assert refused.verification_error["code"] == "external_account_exists"
    assert SocialAccount.objects.get().user_id == owner.pk


# -- sign-in and sign-up through allauth's own views -------------------------------------------
def login_with(client: Client, name: str) -> Any:
    provider = PROVIDERS[name]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        from allauth.socialaccount.adapter import get_adapter

        pid = {"twitter": "twitter_oauth2", "bitbucket": "bitbucket_oauth2"}.get(name, name)
        login_url = get_adapter().get_provider(None, pid).get_login_url(None)
        response = client.post(login_url)
        assert response.status_code == 302, response.content[:300]
        query = {k: v[0] for k, v in parse_qs(urlsplit(response["Location"]).query).items()}
        return callback(client, query, code="c")


@pytest.mark.django_db
def test_sign_up_with_provider_creates_user_account_and_verified_email() -> None:
    from clerk_users.models import User

    client = Client()
    response = login_with(client, "github")
    assert response.status_code == 302
    user = User.objects.get(username="ghopper")
    assert client.session["_auth_user_id"] == user.pk
    account = user.external_accounts.get()
    assert account.verification_status == "verified" and account.provider_user_id == "4242"
    email = EmailAddress.objects.get(email_address="grace@example.org")
    assert email.user_id == user.pk and email.is_verified
    assert email.verification_strategy == "from_oauth_github"
    assert email.linked_external_account_id == account.pk
    assert user.primary_email_address_id == email.pk
    assert keys_of(user)[0] == "grace@example.org"  # the sort key of the list's order_by
    assert_sort_keys_match()
    assert not user.has_usable_password()
    from allauth.account.models import EmailAddress as AllauthEmail

    assert list(AllauthEmail.objects.filter(user=user).values_list("email", "verified")) == [
        ("grace@example.org", True)
    ]
    # Signing in again finds the same user by (provider, provider user id).
    again = Client()
    assert login_with(again, "github").status_code == 302
    assert again.session["_auth_user_id"] == user.pk
    assert User.objects.count() == 1 and ExternalAccount.objects.count() == 1


@pytest.mark.django_db
def test_unverified_provider_email_is_not_verified_here() -> None:
    from clerk_users.models import User

    client = Client()
    login_with(client, "gitlab")  # GitLab's email is not marked verified by allauth
    user = User.objects.get(username="mr.gitlab")
    email = EmailAddress.objects.get(email_address="mr.gitlab@example.com")
    assert email.user_id == user.pk and not email.is_verified
    assert user.primary_email_address_id is None


@pytest.mark.django_db
@pytest.mark.parametrize("email_authentication", [False, True])
def test_provider_email_never_takes_over_an_unverified_address(
    make_user: Any, email_authentication: bool
) -> None:
    """A victim has ``grace@example.org`` unverified; an attacker's GitHub account claims it
    (verified at GitHub). Even with SOCIALACCOUNT_EMAIL_AUTHENTICATION on, the login must not
    land in the victim's account, nor link to or verify the victim's address."""
    from clerk_users.models import User

    victim = make_user(username="victim", email_address="victim@example.com")
    victim.create_email_address("grace@example.org")  # unverified
    password_before = User.objects.get(pk=victim.pk).password
    with override_settings(
        SOCIALACCOUNT_EMAIL_AUTHENTICATION=email_authentication,
        SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT=True,
    ):
        client = Client()
        login_with(client, "github")
    assert client.session.get("_auth_user_id") != victim.pk
    victim = User.objects.get(pk=victim.pk)
    assert victim.password == password_before and victim.has_usable_password()
    assert not victim.external_accounts.exists()
    # An unverified identifier claims nothing (issue 12): the provider-verified address is
    # the new account's, and the victim's unproven claim of it is released, never verified.
    address = EmailAddress.objects.get(email_address="grace@example.org")
    assert address.user_id != victim.pk and address.is_verified
    assert not EmailAddress.objects.filter(user=victim, email_address="grace@example.org")
    assert not SocialAccount.objects.filter(user=victim).exists()


@pytest.mark.django_db
def test_email_authentication_does_match_a_verified_address(make_user: Any) -> None:
    """The control for the case above: the same login does sign in to a *verified* owner."""
    owner = make_user(username="owner", email_address="grace@example.org")
    with override_settings(
        SOCIALACCOUNT_EMAIL_AUTHENTICATION=True,
        SOCIALACCOUNT_EMAIL_AUTHENTICATION_AUTO_CONNECT=True,
    ):
        client = Client()
        login_with(client, "github")
    assert client.session.get("_auth_user_id") == owner.pk
    account = owner.external_accounts.get()
    assert account.is_verified and account.provider_user_id == "4242"


@pytest.mark.django_db
def test_user_json_with_external_accounts_is_constant_query(
    make_user: Any, django_assert_num_queries: Any
) -> None:
    from clerk_users.api.serializers import user_json
    from clerk_users.models import User

    def populate(count: int) -> None:
        for _ in range(count):
            owner = make_user()
            for n in range(2):
                account = owner.create_external_account("oauth_github", DONE)
                account.provider_user_id = f"{owner.pk}-{n}"
                account.save()

    def render() -> list[Any]:
        return [user_json(u) for u in User.objects.with_identifiers().all()]

    populate(2)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert len(render()) == 2
    populate(10)
    with django_assert_num_queries(len(small.captured_queries)):
        rendered = render()
    assert len(rendered) == 12 and all(len(u["external_accounts"]) == 2 for u in rendered)


def test_settings_from_environment() -> None:
    from clerk_users.oauth import providers as oauth_settings

    env = {
        "CLERK_OAUTH_GITHUB_CLIENT_ID": "gh-id",
        "CLERK_OAUTH_GITHUB_SECRET": "gh-secret",
        "CLERK_OAUTH_LINKEDIN_CLIENT_ID": "li-id",
        "CLERK_OAUTH_LINKEDIN_SECRET": "li-secret",
        "CLERK_OAUTH_GOOGLE_CLIENT_ID": "only-the-id",
    }
    providers = oauth_settings.socialaccount_providers_from_env(env)
    assert providers["github"]["APP"]["client_id"] == "gh-id"
    assert providers["github"]["SCOPE"] == ["read:user", "user:email"]
    assert "APP" not in providers["google"]  # a secret is required too
    linkedin = providers["openid_connect"]["APPS"][0]
    assert linkedin["provider_id"] == "linkedin"
    assert linkedin["settings"]["server_url"] == "https://www.linkedin.com/oauth"
    assert len(oauth_settings.installed_apps()) == 14


@pytest.mark.django_db
def test_expired_start_link_marks_verification_expired(browser: Client) -> None:
    from datetime import timedelta

    from django.utils import timezone

    pending = start_connect(browser, "oauth_github")
    ExternalAccount.objects.filter(pk=pending["id"]).update(
        verification_expire_at=timezone.now() - timedelta(seconds=1)
    )
    response = browser.get(pending["verification"]["external_verification_redirect_url"])
    assert response.status_code == 302
    assert response["Location"].startswith(DONE + "?error=verification_expired")
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.verification_status == "expired"
    assert account.verification_error["code"] == "verification_expired"


@pytest.mark.django_db
def test_unreachable_discovery_document_is_recorded(browser: Client) -> None:
    pending = start_connect(browser, "oauth_linkedin")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.add("GET", PROVIDERS["linkedin"].setup[0][1].replace("\\", ""), status=503)
        response = browser.get(pending["verification"]["external_verification_redirect_url"])
    assert response.status_code == 302
    assert "error=oauth_provider_unavailable" in response["Location"]
    account = ExternalAccount.objects.get(pk=pending["id"])
    assert account.verification_error["code"] == "oauth_provider_unavailable"


@pytest.mark.django_db
def test_sign_in_refreshes_the_external_account_from_the_provider() -> None:
    import copy

    client = Client()
    login_with(client, "github")
    account = ExternalAccount.objects.get()
    changed = copy.deepcopy(PROVIDERS["github"])
    changed.profile[0][2].update(name="Grace B. Hopper", login="amazing-grace")
    PROVIDERS["github"], original = changed, PROVIDERS["github"]
    try:
        login_with(Client(), "github")
    finally:
        PROVIDERS["github"] = original
    account.refresh_from_db()
    assert account.username == "amazing-grace"
    assert (account.first_name, account.last_name) == ("Grace", "B. Hopper")
    assert ExternalAccount.objects.count() == 1


@pytest.mark.django_db
def test_sign_up_with_provider_without_email_through_allauth_form() -> None:
    """X gives no email: allauth asks for one on its sign-up form; the account still gets the
    provider's names, and the typed address is unverified until confirmed."""
    from django.core import mail

    from clerk_users.models import User

    client = Client()
    response = login_with(client, "twitter")
    assert response.status_code == 302 and "/signup/" in response["Location"]
    response = client.post(
        response["Location"], {"email": "typed@example.com", "username": "typedname"}
    )
    assert response.status_code == 302, response.content[:500]
    user = User.objects.get(username="typedname")
    account = user.external_accounts.get()
    assert account.is_verified and account.provider_user_id == "2244994945"
    assert (account.first_name, account.last_name) == ("X", "Dev")
    assert account.username == "xdevelopers"
    email = EmailAddress.objects.get(email_address="typed@example.com")
    assert email.user_id == user.pk and not email.is_verified
    assert len(mail.outbox) == 1  # allauth's confirmation of the typed address


def connect_github(browser: Client) -> ExternalAccount:
    pending = start_connect(browser, "oauth_github")
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, PROVIDERS["github"])
        query = follow_to_provider(
            browser,
            pending["verification"]["external_verification_redirect_url"],
            PROVIDERS["github"],
        )
        assert callback(browser, query, code="c")["Location"] == DONE
    return ExternalAccount.objects.get(pk=pending["id"])


@pytest.mark.django_db
def test_disconnect_through_allauth_removes_the_external_account(
    user: Any, browser: Client
) -> None:
    account = connect_github(browser)
    response = browser.post("/accounts/3rdparty/", {"account": account.social_account_id})
    assert response.status_code == 302
    assert not ExternalAccount.objects.filter(pk=account.pk).exists()
    assert not SocialAccount.objects.exists()
    email = EmailAddress.objects.get(email_address="grace@example.org")
    assert email.linked_external_account_id is None and email.is_verified


@pytest.mark.django_db
def test_deleting_the_user_deletes_its_external_accounts(user: Any, browser: Client) -> None:
    from clerk_users import users

    connect_github(browser)
    users.delete_user(user)
    assert not ExternalAccount.objects.exists()
    assert not SocialAccount.objects.exists() and not SocialToken.objects.exists()


@pytest.mark.django_db
def test_admin_lists_and_deletes_external_accounts(user: Any, browser: Client) -> None:
    from clerk_users.models import User

    account = connect_github(browser)
    admin_user = User.objects.create_superuser("root", "a long password", email_address=[])
    staff = Client()
    staff.force_login(admin_user)
    listing = staff.get("/admin/clerk_users/externalaccount/", {"q": "4242"})
    assert listing.status_code == 200 and account.pk.encode() in listing.content
    page = staff.get(f"/admin/clerk_users/externalaccount/{account.pk}/change/")
    assert page.status_code == 200
    response = staff.post(
        f"/admin/clerk_users/externalaccount/{account.pk}/delete/", {"post": "yes"}
    )
    assert response.status_code == 302
    assert not ExternalAccount.objects.exists() and not SocialAccount.objects.exists()


@pytest.mark.django_db
def test_connecting_never_links_another_users_address(
    make_user: Any, browser: Client, user: Any
) -> None:
    """Another user's *unverified* claim is never linked nor verified for them; as an
    unverified identifier claims nothing (issue 12), the provider-verified address becomes
    the connecting user's and the other claim is released."""
    victim = make_user(username="victim2", email_address="v2@example.com")
    claim = victim.create_email_address("grace@example.org")  # unverified, the other's
    account = connect_github(browser)
    assert account.is_verified and account.user_id == user.pk
    address = EmailAddress.objects.get(email_address="grace@example.org")
    assert address.user_id == user.pk and address.is_verified
    assert address.linked_external_account_id == account.pk
    assert not EmailAddress.objects.filter(pk=claim.pk).exists()


@pytest.mark.django_db
def test_connecting_never_touches_another_users_verified_address(
    make_user: Any, browser: Client, user: Any
) -> None:
    owner = make_user(username="owner2", email_address="grace@example.org")
    account = connect_github(browser)
    assert account.is_verified and account.user_id == user.pk
    address = EmailAddress.objects.get(email_address="grace@example.org")
    assert address.user_id == owner.pk and address.linked_external_account_id is None


@pytest.mark.django_db
def test_connecting_verifies_the_users_own_unverified_address(user: Any, browser: Client) -> None:
    own = user.create_email_address("grace@example.org")
    assert not own.is_verified
    account = connect_github(browser)
    own.refresh_from_db()
    assert own.is_verified and own.verification_strategy == "from_oauth_github"
    assert own.linked_external_account_id == account.pk
