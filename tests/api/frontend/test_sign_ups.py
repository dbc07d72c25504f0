"""``/client/sign_ups`` through plain HTTP: fields, verification, completion, bad input."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.utils import timezone

from clerk_users.models import EmailAddress, Session, SignUpAttempt, User
from tests.api.frontend.conftest import FrontendClient, clerk_js_browser, code_from, error_code

pytestmark = pytest.mark.django_db
PASSWORD = "a long enough passphrase"


def create(browser: FrontendClient, **params: Any) -> Any:
    return browser.post("client/sign_ups", params, body="form")


def full(**extra: Any) -> dict[str, Any]:
    return {
        "email_address": "New.Person@Example.com",
        "username": "newperson",
        "password": PASSWORD,
        **extra,
    }


def test_email_password_sign_up_verifies_the_code_and_signs_in(browser):
    from allauth.account.signals import user_signed_up

    signed_up = []
    user_signed_up.connect(
        lambda sender, **kw: signed_up.append(kw["user"].pk), weak=False, dispatch_uid="t14su"
    )
    response = create(browser, **full(first_name="Ada", unsafe_metadata='{"plan": "pro"}'))
    assert response.status_code == 200, response.content
    sign_up = response.json()["response"]
    assert sign_up["object"] == "sign_up_attempt" and sign_up["id"].startswith("sua_")
    assert sign_up["status"] == "missing_requirements"
    assert sign_up["required_fields"] == ["email_address", "username", "password"]
    assert sign_up["missing_fields"] == []
    assert sign_up["unverified_fields"] == ["email_address"]
    assert sign_up["email_address"] == "new.person@example.com"
    assert sign_up["verifications"]["email_address"]["next_action"] == "needs_prepare"
    assert sign_up["has_password"] is True and "password" not in str(sign_up.get("password"))
    prepared = browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    ).json()["response"]
    assert prepared["verifications"]["email_address"]["next_action"] == "needs_attempt"
    assert mail.outbox[-1].to == ["new.person@example.com"]
    try:
        done = browser.post(
            f"client/sign_ups/{sign_up['id']}/attempt_verification",
            {"strategy": "email_code", "code": code_from(mail.outbox[-1])},
            body="form",
        ).json()["response"]
    finally:
        user_signed_up.disconnect(dispatch_uid="t14su")
    assert done["status"] == "complete"
    user = User.objects.get(pk=done["created_user_id"])
    assert signed_up == [user.pk]
    assert done["created_session_id"] == Session.objects.get(user=user).id
    assert user.username == "newperson" and user.first_name == "Ada"
    assert user.unsafe_metadata == {"plan": "pro"}
    assert user.check_password(PASSWORD)
    email = EmailAddress.objects.get(user=user)
    assert email.is_verified and email.verification_strategy == "email_code"
    assert user.primary_email_address_id == email.pk
    assert browser.get("me").json()["response"]["id"] == user.pk
    assert not SignUpAttempt.objects.get().password  # the hash lives on the user only


def test_missing_fields_then_patch(browser):
    sign_up = create(browser, email_address="later@example.com").json()["response"]
    assert sign_up["missing_fields"] == ["username", "password"]
    updated = browser.call(
        "post",
        f"client/sign_ups/{sign_up['id']}?_method=PATCH",
        {"username": "later", "password": PASSWORD},
        body="form",
    )
    assert updated.status_code == 200, updated.content
    assert updated.json()["response"]["missing_fields"] == []
    assert updated.json()["response"]["status"] == "missing_requirements"


def test_legal_consent_when_required(browser, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGN_UP_LEGAL_CONSENT_REQUIRED": True}
    sign_up = create(browser, **full()).json()["response"]
    assert "legal_accepted" in sign_up["missing_fields"]
    updated = browser.patch(
        f"client/sign_ups/{sign_up['id']}", {"legal_accepted": "true"}, body="form"
    )
    assert updated.json()["response"]["legal_accepted_at"] is not None
    assert updated.json()["response"]["missing_fields"] == []


def test_taken_username_is_clerks_error(browser, user):
    response = create(browser, **full(username=user.username))
    assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
    assert response.json()["errors"][0]["meta"]["param_name"] == "username"
    assert not SignUpAttempt.objects.exists()


def test_taken_email_tells_nothing_under_enumeration_prevention(browser, user):
    taken = user.email_addresses.get().email_address
    response = create(browser, **full(email_address=taken.upper()))
    assert response.status_code == 200
    sign_up = response.json()["response"]
    browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    )
    # The owner is told someone tried (allauth's mail), and gets no code.
    assert len(mail.outbox) == 1 and mail.outbox[0].to == [taken]
    assert not re.search(r"\b\d{6}\b", mail.outbox[0].body)
    for guess in ("000000", "123456"):
        response = browser.post(
            f"client/sign_ups/{sign_up['id']}/attempt_verification",
            {"strategy": "email_code", "code": guess},
            body="form",
        )
        assert response.status_code == 422 and error_code(response) == "form_code_incorrect"
    assert User.objects.count() == 1 and Session.objects.count() == 0


def test_taken_email_without_enumeration_prevention(browser, user, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    response = create(browser, **full(email_address=user.email_addresses.get().email_address))
    assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
    assert response.json()["errors"][0]["meta"]["param_name"] == "email_address"


@pytest.mark.parametrize(
    "params,code",
    [
        ({"password": "short"}, "form_password_length_too_short"),
        ({"password": "password123"}, "form_password_pwned"),
        ({"email_address": "not an email"}, "form_param_format_invalid"),
        ({"username": "x"}, "form_param_format_invalid"),
        ({"unsafe_metadata": "[1, 2]"}, "form_param_format_invalid"),
        ({"favourite_colour": "blue"}, "form_param_unknown"),
        ({"strategy": "oauth_github"}, "form_param_missing"),  # no redirect_url
        ({"strategy": "ticket"}, "form_param_value_invalid"),
        ({"legal_accepted": "maybe"}, "form_param_format_invalid"),
    ],
)
def test_bad_fields(browser, params, code):
    response = create(browser, **full(**params))
    assert response.status_code == 422, response.content
    assert error_code(response) == code
    assert not SignUpAttempt.objects.exists() and not User.objects.exists()


def test_wrong_codes_then_failed_and_no_user(browser):
    sign_up = create(browser, **full()).json()["response"]
    browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    )
    code = code_from(mail.outbox[-1])
    wrong = "000000" if code != "000000" else "111111"
    answers = []
    for guess in (wrong, wrong, wrong, code):
        response = browser.post(
            f"client/sign_ups/{sign_up['id']}/attempt_verification",
            {"strategy": "email_code", "code": guess},
            body="form",
        )
        answers.append((response.status_code, error_code(response)))
    assert answers == [(422, "form_code_incorrect")] * 3 + [(400, "verification_failed")]
    assert not User.objects.exists()


def test_resend_cooldown(browser):
    sign_up = create(browser, **full()).json()["response"]
    path = f"client/sign_ups/{sign_up['id']}/prepare_verification"
    assert browser.post(path, {"strategy": "email_code"}, body="form").status_code == 200
    again = browser.post(path, {"strategy": "email_code"}, body="form")
    assert again.status_code == 429 and error_code(again) == "too_many_requests"
    assert len(mail.outbox) == 1


def test_complete_sign_up_refuses_more_steps(browser):
    sign_up = create(browser, **full()).json()["response"]
    browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    )
    code = code_from(mail.outbox[-1])
    path = f"client/sign_ups/{sign_up['id']}/attempt_verification"
    assert (
        browser.post(path, {"strategy": "email_code", "code": code}, body="form").status_code == 200
    )
    replay = browser.post(path, {"strategy": "email_code", "code": code}, body="form")
    assert replay.status_code == 400 and error_code(replay) == "sign_up_status_invalid"
    patch = browser.patch(f"client/sign_ups/{sign_up['id']}", {"first_name": "X"}, body="form")
    assert patch.status_code == 400
    assert User.objects.count() == 1 and Session.objects.count() == 1


def test_another_clients_sign_up_is_not_found(browser):
    sign_up = create(browser, **full()).json()["response"]
    thief = clerk_js_browser()
    for method, path, params in [
        ("get", f"client/sign_ups/{sign_up['id']}", None),
        ("patch", f"client/sign_ups/{sign_up['id']}", {"email_address": "thief@example.com"}),
        (
            "post",
            f"client/sign_ups/{sign_up['id']}/prepare_verification",
            {"strategy": "email_code"},
        ),
        (
            "post",
            f"client/sign_ups/{sign_up['id']}/attempt_verification",
            {"strategy": "email_code", "code": "1"},
        ),
    ]:
        response = thief.call(method, path, params, body="form")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"
    assert len(mail.outbox) == 0
    assert SignUpAttempt.objects.get().email_address == "new.person@example.com"


def test_expired_sign_up_is_gone(browser):
    sign_up = create(browser, **full()).json()["response"]
    SignUpAttempt.objects.update(abandon_at=timezone.now() - timedelta(seconds=1))
    response = browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    )
    assert response.status_code == 404
    assert len(mail.outbox) == 0


def test_prepare_needs_a_known_strategy_and_value(browser):
    sign_up = create(browser, username="someone").json()["response"]
    path = f"client/sign_ups/{sign_up['id']}/prepare_verification"
    assert (
        error_code(browser.post(path, {"strategy": "email_code"}, body="form"))
        == "form_param_missing"
    )
    assert (
        error_code(browser.post(path, {"strategy": "carrier_pigeon"}, body="form"))
        == "form_param_value_invalid"
    )
    assert error_code(browser.post(path, {}, body="form")) == "form_param_missing"


def test_signed_in_client_cannot_sign_up(user):
    response = FrontendClient(user).post("client/sign_ups", full(), body="form")
    assert response.status_code == 400 and error_code(response) == "session_exists"


def test_closed_sign_up(browser, settings):
    settings.ACCOUNT_ADAPTER = "tests.api.frontend.test_sign_ups.ClosedAdapter"
    response = create(browser, **full())
    assert response.status_code == 403 and error_code(response) == "not_allowed_to_sign_up"


from allauth.account.adapter import DefaultAccountAdapter  # noqa: E402


class ClosedAdapter(DefaultAccountAdapter):
    def is_open_for_signup(self, request: Any) -> bool:
        return False


def test_the_client_carries_the_sign_up(browser):
    created = create(browser, **full()).json()
    assert created["client"]["sign_up"]["id"] == created["response"]["id"]
    assert browser.get("client").json()["response"]["sign_up"]["status"] == "missing_requirements"


def test_an_unverified_claim_does_not_block_sign_up(browser, user):
    """Issue 12's rule: another user's *unverified* address claims nothing."""
    from clerk_users import identifiers

    identifiers.create_email_address(user, "squatted@example.com")
    sign_up = create(browser, **full(email_address="squatted@example.com")).json()["response"]
    browser.post(
        f"client/sign_ups/{sign_up['id']}/prepare_verification",
        {"strategy": "email_code"},
        body="form",
    )
    assert mail.outbox[-1].to == ["squatted@example.com"]
    done = browser.post(
        f"client/sign_ups/{sign_up['id']}/attempt_verification",
        {"strategy": "email_code", "code": code_from(mail.outbox[-1])},
        body="form",
    ).json()["response"]
    assert done["status"] == "complete"
    owner = EmailAddress.objects.get(email_address="squatted@example.com")
    assert owner.user_id == done["created_user_id"] and owner.is_verified
