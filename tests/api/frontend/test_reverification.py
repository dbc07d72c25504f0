"""Issue 12, finding 2: reverification (step-up) for sensitive actions, through the Frontend API.

Before the fix a stolen session (cookie or Bearer) added and verified an attacker's email,
made it primary, deleted the owner's, regenerated backup codes and disabled TOTP with no
password or code asked: every ``test_sensitive_*`` case failed on that code (200, not 403).
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone

from clerk_users import identifiers
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import EmailAddress, Session, User
from tests import totp
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code, session_of
from tests.sessions.helpers import settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXP"


@pytest.fixture(autouse=True)
def _keys(settings_keys: Any) -> None:
    return None


def make_stale(client: FrontendClient, minutes: int = 11) -> Session:
    session = session_of(client)
    at = timezone.now() - timedelta(minutes=minutes)
    Session.objects.filter(pk=session.pk).update(first_factor_verified_at=at)
    return session


def totp_code(offset: int = 0) -> str:
    return totp.code(SECRET, offset)


def sensitive_calls(user: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path, body) of every sensitive action of the Frontend API."""
    extra = identifiers.create_email_address(user, "second@example.com", verified=True)
    phone = identifiers.create_phone_number(user, "+14155550123", verified=True)
    return [
        ("post", "me/email_addresses", {"email_address": "attacker@evil.test"}),
        ("delete", f"me/email_addresses/{extra.pk}", {}),
        ("post", "me/phone_numbers", {"phone_number": "+14155550199"}),
        ("delete", f"me/phone_numbers/{phone.pk}", {}),
        ("patch", f"me/phone_numbers/{phone.pk}", {"reserved_for_second_factor": True}),
        ("patch", "me", {"primary_email_address_id": extra.pk}),
        ("post", "me/change_password", {"current_password": PASSWORD, "new_password": "x" * 12}),
        ("post", "me/totp", {}),
        ("delete", "me/totp", {}),
        ("post", "me/backup_codes", {}),
        (
            "post",
            "me/external_accounts",
            {"strategy": "oauth_github", "redirect_url": "http://localhost:3000/cb"},
        ),
        ("delete", "me/external_accounts/eac_2pWJ0000000000000000000000", {}),
        ("delete", "me", {}),
    ]


def test_sensitive_actions_need_a_recent_first_factor(user: Any) -> None:
    mfa.import_totp(user, SECRET)
    mfa.regenerate_backup_codes(user)
    api = FrontendClient(user)
    make_stale(api)
    before = (
        set(EmailAddress.objects.values_list("pk", flat=True)),
        User.objects.get(pk=user.pk).password,
        User.objects.get(pk=user.pk).primary_email_address_id,
    )
    for method, path, body in sensitive_calls(user):
        response = api.call(method, path, body)
        assert response.status_code == 403, (path, response.content)
        assert error_code(response) == "session_reverification_required"
        error = response.json()["errors"][0]
        assert error["meta"]["reverification"] == {"level": "first_factor", "after_minutes": 10}
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.password, fresh.primary_email_address_id) == before[1:]
    assert set(EmailAddress.objects.values_list("pk", flat=True)) == before[0] | {
        EmailAddress.objects.get(email_address="second@example.com").pk
    }
    assert mfa.totp_enabled(fresh) and mfa.backup_code_enabled(fresh)


def test_a_stolen_bearer_token_is_refused_too(user: Any) -> None:
    api = FrontendClient(user)
    session = make_stale(api)
    token = api.post(f"client/sessions/{session.id}/tokens").json()["jwt"]
    thief = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = thief.post(
        PREFIX + "me/email_addresses",
        {"email_address": "attacker@evil.test"},
        content_type="application/json",
    )
    assert response.status_code == 403
    assert error_code(response) == "session_reverification_required"
    assert not EmailAddress.objects.filter(email_address="attacker@evil.test").exists()


def test_ordinary_actions_do_not_need_reverification(user: Any) -> None:
    api = FrontendClient(user)
    make_stale(api)
    assert api.get("me").status_code == 200
    assert api.patch("me", {"first_name": "Ada"}).status_code == 200
    assert api.patch("me/metadata", {"unsafe_metadata": {"a": 1}}).status_code == 200


def test_a_fresh_sign_in_is_a_first_factor(user: Any) -> None:
    api = FrontendClient(user)
    response = api.post("me/email_addresses", {"email_address": "fresh@example.com"})
    assert response.status_code == 200, response.content


def test_reverification_can_be_turned_off(user: Any, settings: Any) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": None}
    api = FrontendClient(user)
    make_stale(api, minutes=60 * 24)
    assert api.post("me/email_addresses", {"email_address": "off@example.com"}).status_code == 200


def test_reverify_with_password_then_act(user: Any) -> None:
    api = FrontendClient(user)
    session = make_stale(api)
    base = f"client/sessions/{session.id}/verify"
    started = api.post(base, {"level": "first_factor"})
    assert started.status_code == 200, started.content
    body = started.json()
    verification = body["response"]
    assert verification["object"] == "session_verification"
    assert verification["status"] == "needs_first_factor"
    assert verification["level"] == "first_factor"
    assert verification["session"]["id"] == session.id
    assert verification["session"]["factor_verification_age"] == [11, -1]
    strategies = [f["strategy"] for f in verification["supported_first_factors"]]
    assert strategies == ["password", "email_code"]
    assert body["client"]["sessions"][0]["id"] == session.id

    wrong = api.post(f"{base}/attempt_first_factor", {"strategy": "password", "password": "no"})
    assert wrong.status_code == 422 and error_code(wrong) == "form_password_incorrect"
    assert User.objects.get(pk=user.pk).failed_verification_attempts == 1
    done = api.post(f"{base}/attempt_first_factor", {"strategy": "password", "password": PASSWORD})
    assert done.status_code == 200, done.content
    verification = done.json()["response"]
    assert verification["status"] == "complete"
    assert verification["first_factor_verification"]["status"] == "verified"
    assert verification["session"]["factor_verification_age"] == [0, -1]
    assert User.objects.get(pk=user.pk).failed_verification_attempts == 0
    response = api.post("me/email_addresses", {"email_address": "after@example.com"})
    assert response.status_code == 200, response.content


def test_reverify_with_an_email_code(user: Any) -> None:
    api = FrontendClient(user)
    session = make_stale(api)
    base = f"client/sessions/{session.id}/verify"
    api.post(base, {})
    email_id = user.primary_email_address_id
    mail.outbox.clear()
    prepared = api.post(
        f"{base}/prepare_first_factor", {"strategy": "email_code", "email_address_id": email_id}
    )
    assert prepared.status_code == 200, prepared.content
    first = prepared.json()["response"]["first_factor_verification"]
    assert first["strategy"] == "email_code" and first["status"] == "unverified"
    assert mail.outbox[-1].to == [user.primary_email_address.email_address]
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    wrong = api.post(f"{base}/attempt_first_factor", {"strategy": "email_code", "code": "000000"})
    assert wrong.status_code == 422 and error_code(wrong) == "form_code_incorrect"
    assert User.objects.get(pk=user.pk).failed_code_attempts == 1
    done = api.post(f"{base}/attempt_first_factor", {"strategy": "email_code", "code": code})
    assert done.status_code == 200 and done.json()["response"]["status"] == "complete"
    assert api.post("me/backup_codes", {}).status_code != 403


def test_email_code_goes_only_to_a_verified_address_of_the_user(user: Any, other_user: Any) -> None:
    api = FrontendClient(user)
    session = make_stale(api)
    base = f"client/sessions/{session.id}/verify"
    api.post(base, {})
    unverified = identifiers.create_email_address(user, "pending@example.com")
    for email_id in (unverified.pk, other_user.primary_email_address_id, "idn_nope"):
        response = api.post(
            f"{base}/prepare_first_factor", {"strategy": "email_code", "email_address_id": email_id}
        )
        assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"


def test_email_code_allows_three_attempts(user: Any) -> None:
    api = FrontendClient(user)
    session = make_stale(api)
    base = f"client/sessions/{session.id}/verify"
    api.post(base, {})
    api.post(
        f"{base}/prepare_first_factor",
        {"strategy": "email_code", "email_address_id": user.primary_email_address_id},
    )
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    for _ in range(3):
        api.post(f"{base}/attempt_first_factor", {"strategy": "email_code", "code": "000000"})
    spent = api.post(f"{base}/attempt_first_factor", {"strategy": "email_code", "code": code})
    assert spent.status_code == 400 and error_code(spent) == "verification_failed"
    assert make_stale(api).first_factor_verified_at < timezone.now() - timedelta(minutes=10)


def test_second_factor_when_two_factor_is_on(user: Any) -> None:
    mfa.import_totp(user, SECRET)
    api = FrontendClient(user)
    session = make_stale(api)
    base = f"client/sessions/{session.id}/verify"
    started = api.post(base, {"level": "second_factor"}).json()["response"]
    assert started["supported_second_factors"] == [{"strategy": "totp"}]
    early = api.post(f"{base}/attempt_second_factor", {"strategy": "totp", "code": totp_code()})
    assert early.status_code == 400
    after_first = api.post(
        f"{base}/attempt_first_factor", {"strategy": "password", "password": PASSWORD}
    ).json()["response"]
    assert after_first["status"] == "needs_second_factor"
    assert api.post(f"{base}/prepare_second_factor", {"strategy": "totp"}).status_code == 200
    wrong = api.post(f"{base}/attempt_second_factor", {"strategy": "totp", "code": "000000"})
    assert wrong.status_code == 422 and error_code(wrong) == "form_code_incorrect"
    done = api.post(f"{base}/attempt_second_factor", {"strategy": "totp", "code": totp_code()})
    assert done.status_code == 200, done.content
    verification = done.json()["response"]
    assert verification["status"] == "complete"
    assert verification["session"]["factor_verification_age"] == [0, 0]


def test_only_the_requests_own_session_reverifies(user: Any, other_user: Any) -> None:
    api, mine_elsewhere, theirs = (
        FrontendClient(user),
        FrontendClient(user),
        FrontendClient(other_user),
    )
    for target in (session_of(mine_elsewhere), session_of(theirs)):
        response = api.post(f"client/sessions/{target.id}/verify", {})
        assert response.status_code == 404 and error_code(response) == "resource_not_found"


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"level": "everything"}, "form_param_value_invalid"),
        ({"level": "first_factor", "extra": 1}, "form_param_unknown"),
    ],
)
def test_bad_verify_input(user: Any, body: dict[str, Any], code: str) -> None:
    api = FrontendClient(user)
    session = session_of(api)
    response = api.post(f"client/sessions/{session.id}/verify", body)
    assert response.status_code == 422 and error_code(response) == code


def test_attempt_without_start_and_bad_strategy(user: Any) -> None:
    api = FrontendClient(user)
    session = session_of(api)
    base = f"client/sessions/{session.id}/verify"
    response = api.post(f"{base}/attempt_first_factor", {"strategy": "password", "password": "x"})
    assert response.status_code == 400 and error_code(response) == "verification_missing"
    api.post(base, {})
    response = api.post(f"{base}/attempt_first_factor", {"strategy": "passkey"})
    assert response.status_code == 422 and error_code(response) == "form_param_value_invalid"
    response = api.post(f"{base}/attempt_first_factor", {"strategy": "password"})
    assert response.status_code == 422 and error_code(response) == "form_param_missing"


def test_environment_and_session_json_announce_reverification(user: Any) -> None:
    api = FrontendClient(user)
    make_stale(api, minutes=3)
    environment = api.get("environment").json()
    assert environment["auth_config"]["reverification"] is True
    client = api.get("client").json()["response"]
    assert client["sessions"][0]["factor_verification_age"] == [3, -1]
