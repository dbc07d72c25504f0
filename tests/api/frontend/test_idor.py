"""IDOR matrix: user A on every ``{id}`` route of user B's identifiers gets 404, nothing changes."""

from __future__ import annotations

import pytest
from eth_account import Account

from clerk_users.models import EmailAddress, PhoneNumber, Web3Wallet
from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db

ACTIONS = [
    ("get", "", {}),
    ("delete", "", {}),
    ("post", "/prepare_verification", {"strategy": "{strategy}"}),
    ("post", "/attempt_verification", {"{param}": "123456"}),
]
KINDS = [
    ("me/email_addresses", "email_address", "email_code", "code"),
    ("me/phone_numbers", "phone_number", "phone_code", "code"),
    ("me/web3_wallets", "web3_wallet", "web3_metamask_signature", "signature"),
]


def snapshot():
    return [
        sorted(model.objects.values_list()) for model in (EmailAddress, PhoneNumber, Web3Wallet)
    ]


@pytest.fixture
def victim(make_user):
    """User B with a verified and an unverified identifier of each kind, one code pending."""
    b = make_user(phone_number="+14155550100", web3_wallet=Account.create().address)
    pending = b.create_email_address("pending@example.com")
    pending.prepare_verification("email_code")
    b.create_phone_number("+14155550101")
    b.create_web3_wallet(Account.create().address)
    return b


@pytest.mark.parametrize(("method", "suffix", "payload"), ACTIONS)
@pytest.mark.parametrize(("path", "kind", "strategy", "param"), KINDS)
@pytest.mark.parametrize("body", ["json", "form"])
def test_other_users_identifiers_are_404(
    user, victim, method, suffix, payload, path, kind, strategy, param, body
):
    attacker = FrontendClient(user)
    model = {"email_address": EmailAddress, "phone_number": PhoneNumber, "web3_wallet": Web3Wallet}[
        kind
    ]
    targets = list(model.objects.filter(user=victim))
    assert len(targets) == 2
    data = {k.format(param=param): v.format(strategy=strategy) for k, v in payload.items()}
    before = snapshot()
    for target in targets:
        response = attacker.call(method, f"{path}/{target.pk}{suffix}", data, body=body)
        assert response.status_code == 404, (path, suffix, response.content)
        assert error_code(response) == "resource_not_found"
    assert snapshot() == before
    listed = attacker.get(path).json()["response"]
    assert not {item["id"] for item in listed} & {t.pk for t in targets}


def test_primary_pointer_to_another_users_identifier_is_refused(user, victim):
    attacker = FrontendClient(user)
    for field in ("primary_email_address_id", "primary_phone_number_id", "primary_web3_wallet_id"):
        response = attacker.patch("me", {field: getattr(victim, field)})
        assert response.status_code == 422
    victim.refresh_from_db()
    user.refresh_from_db()
    assert user.primary_phone_number_id is None
    assert victim.primary_phone_number_id is not None
