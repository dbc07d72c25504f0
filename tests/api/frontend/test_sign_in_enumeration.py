"""Under ``ACCOUNT_PREVENT_ENUMERATION`` a sign-in tells nothing before its first factor: the
JSON for an existing and an unknown identifier of a kind differs only in values, never in
shape, and names, real identification ids and masked addresses stay hidden (attack F2)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail

from clerk_users import ids
from clerk_users.models import EmailAddress
from tests.api.frontend.conftest import FrontendClient
from tests.api.frontend.test_sign_ins import PASSWORD, clerk_js_browser, code_from, start

pytestmark = pytest.mark.django_db
ID_RE = re.compile(r"^([a-z_]+?)_([0-9A-Za-z]{27})$")


def shape(value: Any, identifier: str) -> Any:
    """``value`` with everything that may differ between identifiers abstracted away: the
    typed identifier, id bodies (kept: prefix and length), letters and digits (kept: count
    of runs), numbers (kept: type)."""
    if isinstance(value, dict):
        return {key: shape(item, identifier) for key, item in value.items()}
    if isinstance(value, list):
        return [shape(item, identifier) for item in value]
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int):
        return "<int>"
    if isinstance(value, str):
        if value == identifier:
            return "<identifier>"
        found = ID_RE.match(value)
        if found:
            return f"{found.group(1)}_<{len(found.group(2))}>"
        return re.sub(r"[0-9]+", "9", re.sub(r"[A-Za-z]", "x", value))
    return value


def ids_in(sign_in: dict[str, Any]) -> list[str]:
    return [
        factor[key]
        for factor in sign_in["supported_first_factors"]
        for key in ("email_address_id", "phone_number_id")
        if key in factor
    ]


@pytest.fixture
def account(make_user: Any) -> Any:
    user = make_user(username="gracehopper", email_address="grace@navy.example", first_name="Grace")
    user.last_name = "Hopper"
    user.save()
    return user


@pytest.mark.parametrize(
    ("existing", "unknown"),
    [("grace@navy.example", "nobody@navy.example"), ("gracehopper", "nobodyhere")],
    ids=["email", "username"],
)
def test_existing_and_unknown_identifiers_look_the_same(account, existing, unknown):
    answers = {}
    for identifier in (existing, unknown):
        sign_in = start(clerk_js_browser(), identifier)
        answers[identifier] = sign_in
        assert sign_in["status"] == "needs_first_factor"
        assert sign_in["user_data"]["first_name"] is None
        assert sign_in["user_data"]["last_name"] is None
        assert sign_in["user_data"]["image_url"].endswith(".png")
        # Ids of the factors: KSUID-shaped, with a plausible creation time, stable.
        for found in ids_in(sign_in):
            assert ids.is_valid(found, "idn")
            assert 1_500_000_000 < ids.timestamp_of(found) < 1_800_000_000
        assert ids_in(start(clerk_js_browser(), identifier)) == ids_in(sign_in)
    assert shape(answers[existing], existing) == shape(answers[unknown], unknown)
    real = set(EmailAddress.objects.filter(user=account).values_list("pk", flat=True))
    assert not real & set(ids_in(answers[existing]))
    text = str(answers[existing])
    assert "Grace" not in text and "Hopper" not in text and "navy" not in text.replace(existing, "")


def test_the_same_identifier_in_another_case_gets_the_same_avatar_and_ids(account):
    first = start(clerk_js_browser(), "grace@navy.example")
    second = start(clerk_js_browser(), "GRACE@Navy.example")
    assert first["user_data"] == second["user_data"]
    assert ids_in(first) == ids_in(second)


def test_names_show_once_the_first_factor_is_verified(account):
    browser = clerk_js_browser()
    sign_in = start(browser, "gracehopper")
    done = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "password", "password": PASSWORD},
        body="form",
    )
    assert done.status_code == 200, done.content
    assert done.json()["response"]["user_data"]["first_name"] == "Grace"


def test_a_derived_id_still_sends_to_the_account_and_resets(account):
    """A username's hidden address: the derived id sends to the primary address."""
    browser: FrontendClient = clerk_js_browser()
    sign_in = start(browser, "gracehopper")
    factor = next(
        f
        for f in sign_in["supported_first_factors"]
        if f["strategy"] == "reset_password_email_code"
    )
    assert factor["safe_identifier"] == "***@***"
    prepared = browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {"strategy": "reset_password_email_code", "email_address_id": factor["email_address_id"]},
        body="form",
    )
    assert prepared.status_code == 200, prepared.content
    assert mail.outbox[-1].to == ["grace@navy.example"]
    attempted = browser.post(
        f"client/sign_ins/{sign_in['id']}/attempt_first_factor",
        {"strategy": "reset_password_email_code", "code": code_from(mail.outbox[-1])},
        body="form",
    )
    assert attempted.status_code == 200, attempted.content
    assert attempted.json()["response"]["status"] == "needs_new_password"


def test_an_unknown_username_sends_nothing(account):
    browser = clerk_js_browser()
    sign_in = start(browser, "nobodyhere")
    factor = next(
        f
        for f in sign_in["supported_first_factors"]
        if f["strategy"] == "reset_password_email_code"
    )
    prepared = browser.post(
        f"client/sign_ins/{sign_in['id']}/prepare_first_factor",
        {"strategy": "reset_password_email_code", "email_address_id": factor["email_address_id"]},
        body="form",
    )
    assert prepared.status_code == 200, prepared.content
    assert mail.outbox == []


def test_without_enumeration_prevention_the_account_shows(account, settings):
    settings.ACCOUNT_PREVENT_ENUMERATION = False
    sign_in = start(clerk_js_browser(), "gracehopper")
    assert sign_in["user_data"]["first_name"] == "Grace"
    real = set(EmailAddress.objects.filter(user=account).values_list("pk", flat=True))
    assert set(ids_in(sign_in)) <= real
