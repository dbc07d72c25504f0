"""``/client/sign_ins`` through plain HTTP: every status transition, and bad input that
answers a Clerk error, creates no session and changes nothing."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from clerk_users.mfa import authenticators as mfa
from clerk_users.models import Session, SignInAttempt
from tests import totp
from tests.api.frontend.conftest import FrontendClient, clerk_js_browser, code_from, error_code

PASSWORD = "correct horse battery"
pytestmark = pytest.mark.django_db


def totp_now(user: Any) -> str:
    from allauth.mfa.models import Authenticator
    from allauth.mfa.utils import decrypt

    secret = decrypt(Authenticator.objects.get(user=user, type="totp").data["secret"])
    return totp.code(secret)


def enable_totp(user: Any) -> list[str]:
    secret = mfa.begin_totp(user)["secret"]
    return mfa.attempt_totp(user, totp.code(secret))["backup_codes"]


def sessions_of(user: Any) -> int:
    return Session.objects.filter(user=user).count()


def start(browser: FrontendClient, identifier: str, **extra: Any) -> dict[str, Any]:
    response = browser.post("client/sign_ins", {"identifier": identifier, **extra}, body="form")
    assert response.status_code == 200, response.content
    return response.json()["response"]


def offered_id(sign_in: dict[str, Any], strategy: str) -> str:
    """The identification id ``supported_first_factors`` offers for ``strategy``."""
    factor = next(f for f in sign_in["supported_first_factors"] if f["strategy"] == strategy)
    return factor.get("email_address_id") or factor["phone_number_id"]


# -- happy paths -------------------------------------------------------------------------------
def test_password_sign_in_creates_the_session_allauth_would(
    browser, user, django_assert_max_num_queries
):
    sign_in = start(browser, user.email_addresses.get().email_address)
    assert sign_in["object"] == "sign_in_attempt"
    assert sign_in["id"].startswith("sia_")
    assert sign_in["status"] == "needs_first_factor"
    strategies = [f["strategy"] for f in sign_in["supported_first_factors"]]
    # allauth's ACCOUNT_LOGIN_BY_CODE_ENABLED is off in the example site: no code-only login.
    assert strategies == ["password", "reset_password_email_code"]
    # Nothing about the account before the first factor (enumeration prevention, attack F2).
    assert sign_in["user_data"]["first_name"] is None
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 200, response.content
    done = response.json()["response"]
    assert done["status"] == "complete"
    assert done["first_factor_verification"]["status"] == "verified"
    session = Session.objects.get(user=user)
    assert done["created_session_id"] == session.id
    assert browser.client.session["_clerk_session_id"] == session.id
    assert browser.client.session["_auth_user_id"] == user.pk
    # The session works on the Frontend API at once.
    assert browser.get("me").json()["response"]["id"] == user.pk


def test_password_in_create_completes_in_one_request(browser, user):
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    assert sign_in["status"] == "complete"
    assert sign_in["created_session_id"] == Session.objects.get(user=user).id


def test_allauth_signals_fire(browser, user):
    from allauth.account.signals import user_logged_in

    seen = []
    user_logged_in.connect(
        lambda sender, **kw: seen.append(kw["user"].pk), weak=False, dispatch_uid="t14"
    )
    try:
        start(browser, user.username, strategy="password", password=PASSWORD)
    finally:
        user_logged_in.disconnect(dispatch_uid="t14")
    assert seen == [user.pk]


def test_email_code_sign_in(browser, user, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    email = user.email_addresses.get()
    sign_in = start(browser, email.email_address)
    prepared = browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {"strategy": "email_code", "email_address_id": offered_id(sign_in, "email_code")},
        body="form",
    ).json()["response"]
    assert prepared["first_factor_verification"]["status"] == "unverified"
    assert prepared["first_factor_verification"]["strategy"] == "email_code"
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [email.email_address]
    code = code_from(mail.outbox[0])
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "email_code", "code": code},
        body="form",
    ).json()["response"]
    assert done["status"] == "complete"
    assert done["created_session_id"] == Session.objects.get(user=user).id


def test_totp_second_factor(browser, user):
    enable_totp(user)
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    assert sign_in["status"] == "needs_second_factor"
    assert [f["strategy"] for f in sign_in["supported_second_factors"]] == ["totp", "backup_code"]
    assert sessions_of(user) == 0
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "totp", "code": totp_now(user)},
        body="form",
    ).json()["response"]
    assert done["status"] == "complete"
    assert done["second_factor_verification"]["status"] == "verified"
    assert sessions_of(user) == 1
    # The session remembers both factors (reverification and factor_verification_age).
    session = Session.objects.get(user=user)
    assert session.first_factor_verified_at and session.second_factor_verified_at


def test_backup_code_second_factor_is_used_once(browser, user):
    codes = enable_totp(user)
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "backup_code", "code": codes[0]},
        body="form",
    )
    assert done.json()["response"]["status"] == "complete"
    again = clerk_js_browser()
    sign_in = start(again, user.username, strategy="password", password=PASSWORD)
    replay = again.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "backup_code", "code": codes[0]},
        body="form",
    )
    assert replay.status_code == 422 and error_code(replay) == "form_code_incorrect"
    assert sessions_of(user) == 1


def test_reset_password_with_email_code(browser, user, make_user):
    email = user.email_addresses.get()
    other_browser = FrontendClient(user)  # another device, signed in
    sign_in = start(browser, email.email_address)
    browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {
            "strategy": "reset_password_email_code",
            "email_address_id": offered_id(sign_in, "reset_password_email_code"),
        },
        body="form",
    )
    code = code_from(mail.outbox[-1])
    verified = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "reset_password_email_code", "code": code},
        body="form",
    ).json()["response"]
    assert verified["status"] == "needs_new_password"
    weak = browser.post(
        f"client/sign_ins/{sign_in['id']}/reset_password", {"password": "short"}, body="form"
    )
    assert weak.status_code == 422 and error_code(weak) == "form_password_length_too_short"
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/reset_password",
        {"password": "a brand new passphrase", "sign_out_of_other_sessions": "true"},
        body="form",
    ).json()["response"]
    assert done["status"] == "complete"
    user.refresh_from_db()
    assert user.check_password("a brand new passphrase")
    assert other_browser.get("me").status_code == 401
    assert Session.objects.filter(user=user, status="active").count() == 1


# -- bad input: a Clerk error, no session, nothing changed -----------------------------------
def assert_nothing_happened(user: Any, browser: FrontendClient) -> None:
    assert sessions_of(user) == 0
    assert "_auth_user_id" not in browser.client.session


def test_unknown_strategy_at_create(browser, user):
    response = browser.post(
        "client/sign_ins", {"identifier": user.username, "strategy": "carrier_pigeon"}, body="form"
    )
    assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
    assert response.json()["errors"][0]["meta"]["param_name"] == "strategy"
    assert not SignInAttempt.objects.exists()
    assert_nothing_happened(user, browser)


@pytest.mark.parametrize(
    "action,params,code,status",
    [
        (
            "attempt_first_factor",
            {"strategy": "carrier_pigeon", "code": "1"},
            "form_param_value_invalid",
            422,
        ),
        (
            "attempt_first_factor",
            {"strategy": "phone_code", "code": "123456"},
            "strategy_for_user_invalid",
            422,
        ),
        ("prepare_first_factor", {"strategy": "phone_code"}, "strategy_for_user_invalid", 422),
        (
            "prepare_first_factor",
            {"strategy": "reset_password_email_code", "email_address_id": "idn_x"},
            "form_param_value_invalid",
            422,
        ),
        ("prepare_first_factor", {"strategy": "email_code"}, "strategy_for_user_invalid", 422),
        (
            "attempt_second_factor",
            {"strategy": "totp", "code": "123456"},
            "sign_in_status_invalid",
            400,
        ),
        ("prepare_second_factor", {"strategy": "totp"}, "sign_in_status_invalid", 400),
        ("reset_password", {"password": "a brand new passphrase"}, "sign_in_status_invalid", 400),
        (
            "attempt_first_factor",
            {"strategy": "password", "password": PASSWORD, "x": "1"},
            "form_param_unknown",
            422,
        ),
        ("attempt_first_factor", {"strategy": "password"}, "form_param_missing", 422),
    ],
)
def test_bad_factor_requests(browser, user, action, params, code, status):
    enable_totp(user)
    sign_in = start(browser, user.username)
    response = browser.post(f"client/sign_ins/{sign_in['id']}/{action}", params, body="form")
    assert response.status_code == status, response.content
    assert error_code(response) == code
    assert SignInAttempt.objects.get().status == "needs_first_factor"
    assert_nothing_happened(user, browser)
    assert len(mail.outbox) == 0


def test_another_users_email_id_is_not_a_factor(browser, user, other_user):
    sign_in = start(browser, user.username)
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {
            "strategy": "reset_password_email_code",
            "email_address_id": other_user.email_addresses.get().id,
        },
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
    assert len(mail.outbox) == 0


def test_no_password_factor_for_a_user_without_password(browser, make_user, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = False  # else offered as for any account (below)
    passwordless = make_user(password=None)
    sign_in = start(browser, passwordless.username)
    assert "password" not in [f["strategy"] for f in sign_in["supported_first_factors"]]
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": "anything at all"},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "strategy_for_user_invalid"
    assert_nothing_happened(passwordless, browser)


def test_a_user_without_password_looks_like_any_account(browser, make_user):
    """Under enumeration prevention the password factor is offered (as for nobody) and fails."""
    passwordless = make_user(password=None)
    sign_in = start(browser, passwordless.username)
    assert "password" in [f["strategy"] for f in sign_in["supported_first_factors"]]
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": "anything at all"},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_password_incorrect"
    assert_nothing_happened(passwordless, browser)


def test_attempts_on_a_complete_sign_in_are_refused(browser, user):
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    for action, params in [
        ("attempt_first_factor", {"strategy": "password", "password": PASSWORD}),
        ("prepare_first_factor", {"strategy": "reset_password_email_code"}),
        ("attempt_second_factor", {"strategy": "totp", "code": "123456"}),
        ("reset_password", {"password": "a brand new passphrase"}),
    ]:
        response = browser.post(f"client/sign_ins/{sign_in['id']}/{action}", params, body="form")
        assert response.status_code == 400 and error_code(response) == "sign_in_status_invalid"
    assert sessions_of(user) == 1
    # Reading it still works (ClerkJS reloads it).
    assert (
        browser.get(f"client/sign_ins/{sign_in['id']}").json()["response"]["status"] == "complete"
    )


def test_expired_sign_in_is_gone(browser, user):
    from datetime import timedelta

    from django.utils import timezone

    sign_in = start(browser, user.username)
    SignInAttempt.objects.update(abandon_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 404 and error_code(response) == "resource_not_found"
    assert SignInAttempt.objects.get().status == "abandoned"
    assert_nothing_happened(user, browser)


def test_another_clients_sign_in_is_not_found(browser, user):
    sign_in = start(browser, user.username)
    thief = clerk_js_browser()
    for method, path, params in [
        ("get", f"client/sign_ins/{sign_in['id']}", None),
        (
            "post",
            f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "password", "password": PASSWORD},
        ),
        (
            "post",
            f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
            {"strategy": "email_code"},
        ),
        (
            "post",
            "client/sign_ins/not-an-id/attempt_first_factor",
            {"strategy": "password", "password": PASSWORD},
        ),
    ]:
        response = thief.call(method, path, params, body="form")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"
    assert_nothing_happened(user, thief)
    assert len(mail.outbox) == 0
    assert SignInAttempt.objects.get().status == "needs_first_factor"


def test_wrong_password_is_clerks_error_and_counts_toward_the_lockout(browser, user):
    sign_in = start(browser, user.username)
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": "not the password"},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_password_incorrect"
    user.refresh_from_db()
    assert user.failed_verification_attempts == 1
    assert_nothing_happened(user, browser)


def test_allauth_login_rate_limit_applies(browser, user):
    sign_in = start(browser, user.username)
    statuses = []
    for _ in range(6):
        response = browser.post(
            f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "password", "password": "not the password"},
            body="form",
        )
        statuses.append(response.status_code)
    # allauth's login_failed limit: 5 per 5 minutes per login (ACCOUNT_LOGIN_ATTEMPTS_LIMIT).
    assert statuses == [422] * 5 + [429]
    assert error_code(response) == "too_many_requests"
    user.refresh_from_db()
    assert user.failed_verification_attempts == 5


def test_ten_wrong_passwords_lock_the_user(browser, user, settings):
    settings.ACCOUNT_LOGIN_ATTEMPTS_LIMIT = 100
    sign_in = start(browser, user.username)
    for _ in range(10):
        response = browser.post(
            f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "password", "password": "not the password"},
            body="form",
        )
    assert response.status_code == 403 and error_code(response) == "user_locked"
    assert 3500 < response.json()["errors"][0]["meta"]["lockout_expires_in_seconds"] <= 3600
    right = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert right.status_code == 403 and error_code(right) == "user_locked"
    assert_nothing_happened(user, browser)


def test_wrong_email_codes_fail_then_the_right_one_is_refused(browser, user, settings):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = True
    email = user.email_addresses.get()
    sign_in = start(browser, email.email_address, strategy="email_code")
    code = code_from(mail.outbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for attempt in (wrong, wrong, wrong, code):
        response = browser.post(
            f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "email_code", "code": attempt},
            body="form",
        )
        answers.append((response.status_code, error_code(response)))
    assert answers == [(422, "form_code_incorrect")] * 3 + [(400, "verification_failed")]
    assert_nothing_happened(user, browser)


def test_a_code_works_once(browser, user):
    email = user.email_addresses.get()
    sign_in = start(browser, email.email_address, strategy="reset_password_email_code")
    code = code_from(mail.outbox[-1])
    first = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "reset_password_email_code", "code": code},
        body="form",
    )
    assert first.json()["response"]["status"] == "needs_new_password"
    replay = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "reset_password_email_code", "code": code},
        body="form",
    )
    assert replay.status_code == 400 and error_code(replay) == "sign_in_status_invalid"


def test_totp_code_cannot_be_replayed(browser, user):
    enable_totp(user)
    code = totp_now(user)
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    ok = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "totp", "code": code},
        body="form",
    )
    assert ok.json()["response"]["status"] == "complete"
    again = clerk_js_browser()
    sign_in = start(again, user.username, strategy="password", password=PASSWORD)
    replay = again.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "totp", "code": code},
        body="form",
    )
    assert replay.status_code == 422 and error_code(replay) == "form_code_incorrect"
    assert sessions_of(user) == 1


@pytest.mark.parametrize("by_code", [False, True])
def test_unknown_identifier_tells_nothing_under_enumeration_prevention(
    browser, user, settings, by_code
):
    settings.ACCOUNT_LOGIN_BY_CODE_ENABLED = by_code
    known = start(browser, user.email_addresses.get().email_address)
    unknown = start(clerk_js_browser(), "nobody@example.com")
    assert unknown["status"] == known["status"] == "needs_first_factor"
    assert [f["strategy"] for f in unknown["supported_first_factors"]] == [
        f["strategy"] for f in known["supported_first_factors"]
    ]
    again = start(clerk_js_browser(), "nobody@example.com")
    assert again["supported_first_factors"] == unknown["supported_first_factors"]
    other = clerk_js_browser()
    sign_in = start(other, "nobody@example.com", strategy="reset_password_email_code")
    assert sign_in["first_factor_verification"]["status"] == "unverified"
    assert len(mail.outbox) == 0
    wrong = other.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert wrong.status_code == 422 and error_code(wrong) == "form_password_incorrect"
    assert not Session.objects.exists()


def test_unknown_identifier_without_enumeration_prevention(browser, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    response = browser.post("client/sign_ins", {"identifier": "nobody@example.com"}, body="form")
    assert response.status_code == 422 and error_code(response) == "form_identifier_not_found"
    assert not SignInAttempt.objects.exists()


def test_unverified_address_claims_nothing(browser, user, make_user):
    from clerk_users import identifiers

    identifiers.create_email_address(user, "pending@example.com")
    sign_in = start(browser, "pending@example.com")
    assert sign_in["supported_first_factors"][-1]["email_address_id"] not in set(
        user.email_addresses.values_list("id", flat=True)
    )
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_password_incorrect"
    assert_nothing_happened(user, browser)


def test_cross_site_request_is_refused(browser, user):
    response = browser.client.post(
        "/api/frontend/v1/client/sign_ins",
        {"identifier": user.username, "strategy": "password", "password": PASSWORD},
        HTTP_ORIGIN="https://evil.example",
    )
    assert response.status_code == 403 and error_code(response) == "csrf_token_invalid"
    assert not SignInAttempt.objects.exists()
    assert_nothing_happened(user, browser)
    same = browser.client.post(
        "/api/frontend/v1/client/sign_ins",
        {"identifier": user.username, "strategy": "password", "password": PASSWORD},
        HTTP_ORIGIN="http://testserver",
    )
    assert same.status_code == 200


def test_signed_in_client_cannot_start_another_sign_in(user, other_user):
    signed_in = FrontendClient(user)
    response = signed_in.post(
        "client/sign_ins",
        {"identifier": other_user.username, "strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 400 and error_code(response) == "session_exists"
    assert sessions_of(other_user) == 0


@pytest.mark.parametrize("block", ["ban", "lock"])
def test_banned_or_locked_user_cannot_sign_in(browser, user, block):
    from clerk_users import passwords, users

    users.ban(user) if block == "ban" else passwords.lock(user)
    sign_in = start(browser, user.username)
    response = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 403
    assert error_code(response) == ("user_banned" if block == "ban" else "user_locked")
    assert_nothing_happened(user, browser)


def test_oauth_redirect_url_off_site_is_refused(browser):
    response = browser.post(
        "client/sign_ins",
        {"strategy": "oauth_github", "redirect_url": "https://evil.example/callback"},
        body="form",
    )
    assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
    assert response.json()["errors"][0]["meta"]["param_name"] == "redirect_url"
    assert not SignInAttempt.objects.exists()
    response = browser.post(
        "client/sign_ins",
        {
            "strategy": "oauth_github",
            "redirect_url": "http://testserver/sso-callback",
            "action_complete_redirect_url": "https://evil.example/",
        },
        body="form",
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["meta"]["param_name"] == "action_complete_redirect_url"


def test_oauth_sign_in_starts_allauths_login_flow(browser):
    from urllib.parse import parse_qs, urlsplit

    response = browser.post(
        "client/sign_ins",
        {"strategy": "oauth_github", "redirect_url": "http://testserver/sign-in/sso-callback"},
        body="form",
    )
    assert response.status_code == 200, response.content
    verification = response.json()["response"]["first_factor_verification"]
    assert verification["status"] == "unverified" and verification["strategy"] == "oauth_github"
    start_url = verification["external_verification_redirect_url"]
    assert start_url.startswith("http://testserver/api/frontend/v1/oauth/attempt/sia_")
    redirect = browser.client.get(start_url)
    assert redirect.status_code == 302
    location = urlsplit(redirect["Location"])
    assert location.netloc == "github.com"
    assert parse_qs(location.query)["client_id"] == ["github-client-id"]
    # Another browser cannot open this sign-in's start URL.
    assert clerk_js_browser().client.get(start_url).status_code == 404


def test_no_login_without_a_verified_email_when_allauth_requires_one(browser, make_user):
    from clerk_users.models import User

    no_email = User.objects.create_user("noemail", password=PASSWORD)
    response = browser.post(
        "client/sign_ins",
        {"identifier": "noemail", "strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert response.status_code == 403
    assert error_code(response) == "email_address_verification_required"
    assert_nothing_happened(no_email, browser)


def test_query_counts(browser, user, django_assert_max_num_queries):
    with django_assert_max_num_queries(13):
        sign_in = start(browser, user.username)
    with django_assert_max_num_queries(39):
        response = browser.post(
            f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
            {"strategy": "password", "password": PASSWORD},
            body="form",
        )
    assert response.json()["response"]["status"] == "complete"


# -- the client and the environment --------------------------------------------------------------
def test_the_client_carries_the_sign_in(browser, user):
    sign_in = browser.post("client/sign_ins", {"identifier": user.username}, body="form").json()
    assert sign_in["client"]["sign_in"]["id"] == sign_in["response"]["id"]
    assert sign_in["client"]["sessions"] == []
    client = browser.get("client").json()["response"]
    assert client["sign_in"]["status"] == "needs_first_factor"
    done = browser.post(
        f"client/sign_ins/{sign_in['response']['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    ).json()
    session_id = done["response"]["created_session_id"]
    assert [s["id"] for s in done["client"]["sessions"]] == [session_id]
    assert done["client"]["last_active_session_id"] == session_id
    assert done["client"]["sessions"][0]["last_active_token"]["jwt"]
    assert done["client"]["sign_in"]["status"] == "complete"
    assert done["client"]["id"] == Session.objects.get(pk=session_id).client_id


def test_the_environment_points_at_the_sign_in_pages(browser, settings):
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "SIGN_IN_URL": "/sign-in/",
        "SIGN_UP_URL": "/sign-up/",
    }
    env = browser.get("environment").json()
    display = env["display_config"]
    assert display["sign_in_url"] == "http://testserver/sign-in/"
    assert display["sign_up_url"] == "http://testserver/sign-up/"
    assert env["user_settings"]["attack_protection"]["enumeration_protection"]["enabled"] is True
    assert env["user_settings"]["sign_up"]["legal_consent_enabled"] is False
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGN_UP_LEGAL_CONSENT_REQUIRED": True}
    assert browser.get("environment").json()["user_settings"]["sign_up"]["legal_consent_enabled"]


def test_wrong_second_factor_codes_count_toward_the_lockout(browser, user, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "LOCKOUT_MAX_ATTEMPTS": 3}
    enable_totp(user)
    sign_in = start(browser, user.username, strategy="password", password=PASSWORD)
    answers = []
    for _ in range(3):
        response = browser.post(
            f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
            {"strategy": "totp", "code": "000000"},
            body="form",
        )
        answers.append((response.status_code, error_code(response)))
    assert answers == [(422, "form_code_incorrect")] * 2 + [(403, "user_locked")]
    locked = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_second_factor",
        {"strategy": "totp", "code": totp_now(user)},
        body="form",
    )
    assert locked.status_code == 403 and error_code(locked) == "user_locked"
    assert_nothing_happened(user, browser)


def test_phone_code_sign_in_when_phone_is_a_login_method(browser, make_user, settings, sms_outbox):
    settings.ACCOUNT_LOGIN_METHODS = {"email", "username", "phone"}
    phoned = make_user(phone_number="+14155550123")
    sign_in = start(browser, "+1 415 555 0123")
    assert sign_in["identifier"] == "+14155550123"
    factor = next(f for f in sign_in["supported_first_factors"] if f["strategy"] == "phone_code")
    # Derived from the identifier, not the account's id (enumeration prevention, attack F2).
    assert factor["phone_number_id"] != phoned.phone_numbers.get().id
    browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {"strategy": "phone_code", "phone_number_id": factor["phone_number_id"]},
        body="form",
    )
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "phone_code", "code": code},
        body="form",
    ).json()["response"]
    assert done["status"] == "complete"
    assert sessions_of(phoned) == 1


def test_no_phone_factor_unless_phone_is_a_login_method(browser, make_user):
    phoned = make_user(phone_number="+14155550124")
    sign_in = start(browser, phoned.username)
    assert {f["strategy"] for f in sign_in["supported_first_factors"]} == {
        "password",
        "reset_password_email_code",
    }
