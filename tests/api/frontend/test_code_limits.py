"""Per address/number limits on sign-up and sign-in codes (attack F3): codes sent and codes
compared are counted per normalised identifier value across every attempt, so many anonymous
sign-ups can neither mail-bomb / SMS-pump an address nor multiply the guesses of its codes."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from clerk_users import sms
from tests.api.frontend.conftest import FrontendClient, error_code
from tests.api.frontend.test_sign_ins import PASSWORD, clerk_js_browser, start

pytestmark = pytest.mark.django_db


@pytest.fixture
def rates(settings: Any) -> Any:
    def set_rates(**values: str) -> None:
        settings.CLERK_USERS = {**settings.CLERK_USERS, **values}

    return set_rates


def sign_up(email: str | None = None, phone: str | None = None) -> tuple[FrontendClient, str]:
    browser = clerk_js_browser()
    params: dict[str, Any] = {"username": f"u{abs(hash((email, phone))) % 10**8}x"}
    if email:
        params["email_address"] = email
        params["password"] = PASSWORD
    if phone:
        params["phone_number"] = phone
    response = browser.post("client/sign_ups", params, body="form")
    assert response.status_code == 200, response.content
    return browser, response.json()["response"]["id"]


def prepare(browser: FrontendClient, sign_up_id: str, strategy: str = "email_code") -> Any:
    return browser.post(
        f"client/sign_ups/{sign_up_id}/prepare_verification", {"strategy": strategy}, body="form"
    )


def assert_limited(response: Any) -> None:
    assert response.status_code == 429, response.content
    assert error_code(response) == "too_many_requests"
    assert int(response["Retry-After"]) >= 1


def test_sign_up_emails_per_address_are_limited_across_sign_ups(rates):
    rates(VERIFICATION_PREPARE_RATE="3/3600s")
    answers = []
    for variant in ("victim@example.com", "Victim@Example.com", "victim@EXAMPLE.com"):
        browser, sign_up_id = sign_up(email=variant)
        answers.append(prepare(browser, sign_up_id).status_code)
    assert answers == [200, 200, 200]
    browser, sign_up_id = sign_up(email="VICTIM@example.com")
    assert_limited(prepare(browser, sign_up_id))
    assert len(mail.outbox) == 3
    # Another address is not held back.
    browser, sign_up_id = sign_up(email="someone.else@example.com")
    assert prepare(browser, sign_up_id).status_code == 200


def test_sign_up_sms_per_number_are_limited_across_sign_ups(rates):
    rates(VERIFICATION_PREPARE_RATE="2/3600s")
    sms.outbox.clear()
    answers = []
    for _ in range(3):
        browser, sign_up_id = sign_up(phone="+14155550199")
        answers.append(prepare(browser, sign_up_id, "phone_code"))
    assert [a.status_code for a in answers[:2]] == [200, 200]
    assert_limited(answers[2])
    assert len(sms.outbox) == 2


def test_sign_ins_and_sign_ups_share_the_address_limit(rates, make_user):
    rates(VERIFICATION_PREPARE_RATE="2/3600s")
    make_user(email_address="owner@example.com", username="theowner")
    browser, sign_up_id = sign_up(email="owner2@example.com")
    assert prepare(browser, sign_up_id).status_code == 200
    for _ in range(2):
        browser = clerk_js_browser()
        sign_in = start(browser, "owner2@example.com")  # nobody: counted all the same
        prepared = browser.post(
            f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
            {"strategy": "reset_password_email_code"},
            body="form",
        )
        answers = prepared
    assert_limited(answers)


def test_sign_in_codes_to_an_account_are_limited_per_address(rates, make_user):
    rates(VERIFICATION_PREPARE_RATE="1/3600s")
    make_user(email_address="owner@example.com", username="theowner")
    answers = []
    for identifier in ("owner@example.com", "theowner"):
        browser = clerk_js_browser()
        sign_in = start(browser, identifier)
        answers.append(
            browser.post(
                f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
                {"strategy": "reset_password_email_code"},
                body="form",
            )
        )
    assert answers[0].status_code == 200
    assert_limited(answers[1])
    assert len(mail.outbox) == 1


def test_wrong_codes_per_address_are_capped_across_parallel_sign_ups(rates):
    rates(VERIFICATION_PREPARE_RATE="100/3600s", VERIFICATION_GUESS_RATE="4/3600s")
    started = []
    for _ in range(3):
        browser, sign_up_id = sign_up(email="victim@example.com")
        assert prepare(browser, sign_up_id).status_code == 200
        started.append((browser, sign_up_id))
    answers = []
    for browser, sign_up_id in started:
        for _ in range(2):
            answers.append(
                browser.post(
                    f"client/sign_ups/{sign_up_id}/attempt_verification",
                    {"strategy": "email_code", "code": "not-a-code"},
                    body="form",
                )
            )
    assert [a.status_code for a in answers[:4]] == [422] * 4
    for response in answers[4:]:
        assert_limited(response)
    # Even the right code is not compared any more for this address within the window.
    browser, sign_up_id = started[2]
    code = next(m for m in reversed(mail.outbox)).body
    import re

    right = re.search(r"\b(\d{6})\b", code).group(1)
    assert_limited(
        browser.post(
            f"client/sign_ups/{sign_up_id}/attempt_verification",
            {"strategy": "email_code", "code": right},
            body="form",
        )
    )


def test_wrong_sign_in_codes_count_toward_the_address(rates, make_user):
    rates(VERIFICATION_GUESS_RATE="2/3600s")
    make_user(email_address="owner@example.com", username="theowner")
    browser, sign_up_id = sign_up(email="owner@example.com")  # taken: nothing sent
    assert prepare(browser, sign_up_id).status_code == 200
    for _ in range(2):
        answer = browser.post(
            f"client/sign_ups/{sign_up_id}/attempt_verification",
            {"strategy": "email_code", "code": "000000"},
            body="form",
        )
        assert answer.status_code == 422
    sign_in_browser = clerk_js_browser()
    sign_in = start(sign_in_browser, "owner@example.com")
    path = f"client/sign_ins/{sign_in['id']}"
    prepared = sign_in_browser.post(
        f"{path}/prepare_first_factor", {"strategy": "reset_password_email_code"}, body="form"
    )
    assert prepared.status_code == 200
    assert_limited(
        sign_in_browser.post(
            f"{path}/attempt_first_factor",
            {"strategy": "reset_password_email_code", "code": "000000"},
            body="form",
        )
    )
