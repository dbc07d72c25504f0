"""``/me/web3_wallets`` with EIP-191 signature verification (eth-account)."""

from __future__ import annotations

import pytest
from eth_account import Account
from eth_account.messages import encode_defunct

from clerk_users import web3
from clerk_users.models import Web3Wallet
from tests.api.frontend.conftest import error_code

pytestmark = pytest.mark.django_db


def sign(account, message):
    return "0x" + account.sign_message(encode_defunct(text=message)).signature.hex()


@pytest.fixture
def wallet():
    return Account.create()


def add_and_prepare(api, account, body="json"):
    response = api.post("me/web3_wallets", {"web3_wallet": account.address}, body=body)
    assert response.status_code == 200, response.content
    wallet_id = response.json()["response"]["id"]
    response = api.post(
        f"me/web3_wallets/{wallet_id}/prepare_verification",
        {"strategy": "web3_metamask_signature"},
        body=body,
    )
    assert response.status_code == 200, response.content
    return wallet_id, response.json()["response"]["verification"]


def test_wallet_verified_by_signature(api, user, wallet, body):
    wallet_id, verification = add_and_prepare(api, wallet, body)
    assert verification["status"] == "unverified"
    assert verification["strategy"] == "web3_metamask_signature"
    assert verification["nonce"] in verification["message"]
    response = api.post(
        f"me/web3_wallets/{wallet_id}/attempt_verification",
        {"signature": sign(wallet, verification["message"])},
        body=body,
    )
    assert response.status_code == 200, response.content
    assert response.json()["response"]["verification"]["status"] == "verified"
    me = api.get("me").json()["response"]
    assert me["primary_web3_wallet_id"] == wallet_id
    assert [w["id"] for w in api.get("me/web3_wallets").json()["response"]] == [wallet_id]


def test_signature_by_another_key_is_incorrect(api, user, wallet, body):
    wallet_id, verification = add_and_prepare(api, wallet, body)
    response = api.post(
        f"me/web3_wallets/{wallet_id}/attempt_verification",
        {"signature": sign(Account.create(), verification["message"])},
        body=body,
    )
    assert (response.status_code, error_code(response)) == (422, "form_code_incorrect")
    assert Web3Wallet.objects.get(pk=wallet_id).verification_status == "unverified"


def test_signature_of_another_message_is_incorrect(api, user, wallet):
    wallet_id, _ = add_and_prepare(api, wallet)
    response = api.post(
        f"me/web3_wallets/{wallet_id}/attempt_verification",
        {"signature": sign(wallet, "some other message")},
    )
    assert (response.status_code, error_code(response)) == (422, "form_code_incorrect")


def test_old_nonce_is_useless_after_a_new_prepare(api, user, wallet):
    wallet_id, first = add_and_prepare(api, wallet)
    response = api.post(
        f"me/web3_wallets/{wallet_id}/prepare_verification", {"strategy": "web3_metamask_signature"}
    )
    second = response.json()["response"]["verification"]
    assert second["nonce"] != first["nonce"]
    response = api.post(
        f"me/web3_wallets/{wallet_id}/attempt_verification",
        {"signature": sign(wallet, first["message"])},
    )
    assert (response.status_code, error_code(response)) == (422, "form_code_incorrect")


def test_malformed_signature_and_attempt_limit(api, user, wallet):
    wallet_id, verification = add_and_prepare(api, wallet)
    path = f"me/web3_wallets/{wallet_id}/attempt_verification"
    response = api.post(path, {})
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    for _ in range(3):
        response = api.post(path, {"signature": "0x1234"})
        assert (response.status_code, error_code(response)) == (422, "form_param_format_invalid")
    response = api.post(path, {"signature": sign(wallet, verification["message"])})
    assert (response.status_code, error_code(response)) == (400, "verification_failed")
    assert Web3Wallet.objects.get(pk=wallet_id).verification_status == "failed"


def test_prepare_errors(api, user, wallet):
    response = api.post("me/web3_wallets", {"web3_wallet": wallet.address})
    wallet_id = response.json()["response"]["id"]
    path = f"me/web3_wallets/{wallet_id}/prepare_verification"
    response = api.post(path, {"strategy": "email_code"})
    assert (response.status_code, error_code(response)) == (422, "form_param_value_invalid")
    response = api.post(path, {})
    assert (response.status_code, error_code(response)) == (422, "form_param_missing")
    response = api.post(f"me/web3_wallets/{wallet_id}/attempt_verification", {"signature": "0x1"})
    assert (response.status_code, error_code(response)) == (400, "verification_missing")


def test_create_errors(api, user, wallet, other_user, body):
    response = api.post("me/web3_wallets", {"web3_wallet": "0x123"}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_param_format_invalid")
    api.post("me/web3_wallets", {"web3_wallet": wallet.address}, body=body)
    response = api.post("me/web3_wallets", {"web3_wallet": wallet.address.lower()}, body=body)
    assert (response.status_code, error_code(response)) == (422, "form_identifier_exists")


def test_without_eth_account_the_routes_say_backend_api_only(api, user, wallet, monkeypatch):
    existing = user.create_web3_wallet(wallet.address)
    monkeypatch.setattr(web3, "available", lambda: False)
    calls = [
        ("me/web3_wallets", {"web3_wallet": Account.create().address}),
        (
            f"me/web3_wallets/{existing.pk}/prepare_verification",
            {"strategy": "web3_metamask_signature"},
        ),
        (f"me/web3_wallets/{existing.pk}/attempt_verification", {"signature": "0x00"}),
    ]
    for path, payload in calls:
        response = api.post(path, payload)
        assert (response.status_code, error_code(response)) == (422, "web3_unavailable")
        assert "Backend API" in response.json()["errors"][0]["long_message"]
    assert Web3Wallet.objects.filter(user=user).count() == 1
    # reading and deleting still work
    assert api.get("me/web3_wallets").status_code == 200
    assert api.delete(f"me/web3_wallets/{existing.pk}").status_code == 200


# -- issue 12, finding 6: an EIP-4361 (Sign-In with Ethereum) message bound to the site ---------
def test_the_message_is_eip_4361_for_this_site(api, user, wallet):
    """Failed before: the message was a bare nonce, valid for any site that relayed it."""
    from eth_utils import to_checksum_address

    _wallet_id, verification = add_and_prepare(api, wallet)
    message = verification["message"]
    lines = message.split("\n")
    assert lines[0] == "testserver wants you to sign in with your Ethereum account:"
    assert lines[1] == to_checksum_address(wallet.address)
    fields = web3.siwe_fields(message)
    assert fields["URI"] == "http://testserver"
    assert fields["Version"] == "1" and fields["Chain ID"] == "1"
    assert fields["Nonce"] == verification["nonce"] and len(fields["Nonce"]) >= 8
    assert fields["Issued At"].endswith("Z") and fields["Expiration Time"] > fields["Issued At"]


def test_a_signature_made_for_another_domain_is_refused(api, user, wallet, settings):
    """The server checks the domain of the message it issued against the attempt's host."""
    from django.test import RequestFactory

    from clerk_users import errors, verification

    wallet_id, prepared = add_and_prepare(api, wallet)
    signature = sign(wallet, prepared["message"])
    settings.ALLOWED_HOSTS = ["*"]
    identifier = Web3Wallet.objects.get(pk=wallet_id)
    elsewhere = RequestFactory().post("/", HTTP_HOST="evil.example")
    with pytest.raises(errors.ClerkError):
        verification.attempt(identifier, None, signature=signature, request=elsewhere)
    assert not Web3Wallet.objects.get(pk=wallet_id).is_verified
    here = RequestFactory().post("/", HTTP_HOST="testserver")
    verification.attempt(identifier, None, signature=signature, request=here)
    assert Web3Wallet.objects.get(pk=wallet_id).is_verified
