"""``oauth_<provider>`` sign-in: ClerkJS's redirect through allauth's login flow and back,
with the provider's endpoints mocked (tests/oauth/mocks.py)."""

from __future__ import annotations

from typing import Any

import pytest
import responses

from clerk_users.models import Session, SignInAttempt, User
from tests.api.frontend.conftest import error_code
from tests.api.frontend.test_sign_ins import clerk_js_browser
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider

pytestmark = pytest.mark.django_db
REDIRECT = "http://testserver/sign-in/sso-callback"


def oauth_sign_in(
    browser: Any, name: str = "github", resource: str = "sign_ins", **params: Any
) -> tuple[Any, dict[str, Any]]:
    """Create the sign-in (or sign-up), follow its start URL to the provider and come back;
    returns allauth's callback response and the attempt as ClerkJS then reads it."""
    created = browser.post(
        f"client/{resource}",
        {"strategy": f"oauth_{name}", "redirect_url": REDIRECT, **params},
        body="form",
    )
    assert created.status_code == 200, created.content
    sign_in = created.json()["response"]
    if resource == "sign_ins":
        verification = sign_in["first_factor_verification"]
    else:
        verification = sign_in["verifications"]["external_account"]
    assert verification["status"] == "unverified"
    start = verification["external_verification_redirect_url"]
    provider = PROVIDERS[name]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, provider)
        query = follow_to_provider(browser.client, start, provider)
        back = callback(browser.client, query, code="c")
    return back, sign_in


def test_oauth_sign_in_of_a_new_user_signs_up_through_allauth_and_completes():
    browser = clerk_js_browser()
    back, sign_in = oauth_sign_in(browser)
    # allauth's callback sends the browser to our return view, which completes the sign-in
    # and goes on to the redirect_url where ClerkJS's handleRedirectCallback reads the client.
    assert back.status_code == 302
    final = browser.client.get(back["Location"])
    assert final.status_code == 302 and final["Location"] == REDIRECT
    user = User.objects.get(username="ghopper")
    session = Session.objects.get(user=user)
    client = browser.get("client").json()["response"]
    assert client["sign_in"]["id"] == sign_in["id"]
    assert client["sign_in"]["status"] == "complete"
    assert client["sign_in"]["created_session_id"] == session.id
    assert client["sign_in"]["first_factor_verification"]["status"] == "verified"
    assert [s["id"] for s in client["sessions"]] == [session.id]
    assert user.external_accounts.get().provider_user_id == "4242"


def test_oauth_sign_in_of_a_known_user():
    first = clerk_js_browser()
    back, _ = oauth_sign_in(first)
    first.client.get(back["Location"])
    user = User.objects.get(username="ghopper")
    again = clerk_js_browser()
    back, sign_in = oauth_sign_in(again)
    again.client.get(back["Location"])
    done = again.get(f"client/sign_ins/{sign_in['id']}").json()["response"]
    assert done["status"] == "complete"
    assert Session.objects.get(pk=done["created_session_id"]).user_id == user.pk
    assert User.objects.count() == 1


def test_denied_oauth_sign_in_records_the_error_and_creates_no_session():
    browser = clerk_js_browser()
    created = browser.post(
        "client/sign_ins", {"strategy": "oauth_github", "redirect_url": REDIRECT}, body="form"
    ).json()["response"]
    start = created["first_factor_verification"]["external_verification_redirect_url"]
    query = follow_to_provider(browser.client, start, PROVIDERS["github"])
    denied = callback(browser.client, query, error="access_denied")
    assert denied.status_code == 302 and denied["Location"] == REDIRECT
    attempt = SignInAttempt.objects.get()
    assert attempt.status == "needs_first_factor"
    verification = browser.get(f"client/sign_ins/{attempt.pk}").json()["response"][
        "first_factor_verification"
    ]
    assert verification["status"] == "failed"
    assert verification["error"]["code"] == "oauth_access_denied"
    assert not Session.objects.exists()


def test_unconfigured_provider_is_refused(settings):
    settings.SOCIALACCOUNT_PROVIDERS = {}
    browser = clerk_js_browser()
    response = browser.post(
        "client/sign_ins", {"strategy": "oauth_github", "redirect_url": REDIRECT}, body="form"
    )
    assert response.status_code == 422 and error_code(response) == "oauth_provider_not_enabled"
    assert not SignInAttempt.objects.exists()


def test_the_return_view_of_another_browser_does_nothing():
    browser = clerk_js_browser()
    back, _ = oauth_sign_in(browser)
    thief = clerk_js_browser()
    response = thief.client.get(back["Location"])
    assert response.status_code == 404
    assert SignInAttempt.objects.get().status == "needs_first_factor"


def test_oauth_sign_up_through_allauth_completes_the_sign_up():
    """<SignUp/>'s social buttons: ``POST /client/sign_ups`` with ``oauth_<provider>``."""
    from clerk_users.models import SignUpAttempt

    browser = clerk_js_browser()
    back, sign_up = oauth_sign_in(browser, resource="sign_ups")
    assert sign_up["object"] == "sign_up_attempt" and sign_up["status"] == "missing_requirements"
    assert sign_up["external_account_strategy"] == "oauth_github"
    final = browser.client.get(back["Location"])
    assert final["Location"] == REDIRECT
    user = User.objects.get(username="ghopper")
    client = browser.get("client").json()["response"]
    assert client["sign_up"]["status"] == "complete"
    assert client["sign_up"]["created_user_id"] == user.pk
    assert client["sign_up"]["verifications"]["external_account"]["status"] == "verified"
    assert client["sign_up"]["created_session_id"] == Session.objects.get(user=user).id
    assert SignUpAttempt.objects.get().created_user_id == user.pk


def test_oauth_sign_up_refuses_an_off_site_redirect():
    from clerk_users.models import SignUpAttempt

    browser = clerk_js_browser()
    response = browser.post(
        "client/sign_ups",
        {"strategy": "oauth_github", "redirect_url": "https://evil.example/cb"},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
    assert not SignUpAttempt.objects.exists()
