"""Reauthorizing an external account (attack finding F1): it is a sensitive action (a stale
session must reverify first), and the callback may only refresh the SAME provider account."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import responses
from allauth.socialaccount.models import SocialAccount
from django.utils import timezone

from clerk_users.models import EmailAddress, ExternalAccount, Session
from tests.api.frontend.conftest import FrontendClient, error_code
from tests.api.frontend.test_external_accounts import DONE, connect
from tests.oauth.mocks import PROVIDERS, callback, follow_to_provider, mock_provider

# Another GitHub account (uid 6666) with its own verified email.
ATTACKER = dataclasses.replace(
    PROVIDERS["github"],
    profile=[
        (
            "GET",
            r"https://api\.github\.com/user$",
            {"id": 6666, "login": "mallory", "name": "Mal Lory"},
        ),
        (
            "GET",
            r"https://api\.github\.com/user/emails",
            [{"email": "mallory@evil.example", "primary": True, "verified": True}],
        ),
    ],
)


@pytest.mark.django_db
def test_reauthorize_with_a_stale_session_needs_reverification(
    make_user: Any, frontend: Any
) -> None:
    user = make_user()
    api: FrontendClient = frontend(user)
    account = connect(api)
    Session.objects.filter(user=user).update(
        first_factor_verified_at=timezone.now() - timedelta(hours=2)
    )
    response = api.patch(
        f"me/external_accounts/{account['id']}/reauthorize", {"redirect_url": DONE}
    )
    assert response.status_code == 403
    assert error_code(response) == "session_reverification_required"
    stored = ExternalAccount.objects.get(pk=account["id"])
    assert stored.verification_nonce == "" and stored.external_verification_redirect_url == ""


@pytest.mark.django_db
def test_reauthorize_with_another_provider_account_is_refused(api: FrontendClient) -> None:
    account = connect(api)
    assert account["provider_user_id"] == "4242"
    emails_before = set(EmailAddress.objects.values_list("email_address", flat=True))
    response = api.patch(
        f"me/external_accounts/{account['id']}/reauthorize", {"redirect_url": DONE}
    )
    assert response.status_code == 200, response.content
    start = response.json()["response"]["verification"]["external_verification_redirect_url"]
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        mock_provider(rsps, ATTACKER)
        query = follow_to_provider(api.client, start, ATTACKER)
        location = callback(api.client, query, code="c")["Location"]
    assert location.startswith(DONE)
    assert parse_qs(urlsplit(location).query)["error"] == ["external_account_mismatch"]
    # Nothing linked: the attacker's GitHub account cannot sign in as this user...
    assert not SocialAccount.objects.filter(uid="6666").exists()
    assert list(SocialAccount.objects.values_list("uid", flat=True)) == ["4242"]
    # ...the account still points at the user's own GitHub account, with the error...
    stored = ExternalAccount.objects.get(pk=account["id"])
    assert stored.provider_user_id == "4242"
    assert stored.verification_status == "verified"
    assert stored.verification_error["code"] == "external_account_mismatch"
    assert ExternalAccount.objects.count() == 1
    # ...and the provider's email was not added.
    assert set(EmailAddress.objects.values_list("email_address", flat=True)) == emails_before
    assert not EmailAddress.objects.filter(email_address="mallory@evil.example").exists()
