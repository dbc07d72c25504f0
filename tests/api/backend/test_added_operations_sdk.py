"""``sessions.create``, ``users.delete_web3_wallet`` and ``users.delete_passkey`` through Clerk's
official SDK against a live server (errors that the SDK refuses to send go through the test
client)."""

from __future__ import annotations

from typing import Any

import pytest
from clerk_backend_api import models
from eth_account import Account

from clerk_users import identifiers
from clerk_users.models import Session, User, Web3Wallet
from tests.sessions.helpers import settings_keys

from .conftest import error_code

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db(transaction=True)


def _wallet(user: Any) -> Web3Wallet:
    return identifiers.create_web3_wallet(user, Account.create().address, verified=True)


def _not_found(call: Any) -> None:
    with pytest.raises((models.ClerkErrors, models.SDKError)) as caught:
        call()
    assert caught.value.raw_response.status_code == 404
    assert error_code(caught.value) == "resource_not_found"


def test_create_session_is_active_and_mints_tokens(
    clerk: Any, user: Any, settings_keys: Any
) -> None:
    created = clerk.sessions.create(request={"user_id": user.pk})
    assert isinstance(created, models.Session)
    assert created.id.startswith("sess_") and created.user_id == user.pk
    assert created.status == models.Status.ACTIVE
    assert created.expire_at > created.created_at and created.latest_activity is not None
    stored = Session.objects.get(pk=created.id)
    assert stored.user_id == user.pk and stored.current_status == "active"
    assert clerk.sessions.get(session_id=created.id).id == created.id
    listed = clerk.sessions.list(user_id=user.pk)
    assert [s.id for s in listed] == [created.id]
    assert clerk.sessions.create_token(session_id=created.id).jwt
    assert clerk.sessions.revoke(session_id=created.id).status == models.Status.REVOKED


def test_create_session_errors_change_nothing(clerk: Any, api: Any, user: Any) -> None:
    _not_found(lambda: clerk.sessions.create(request={"user_id": "user_missing"}))
    missing = api.post("/sessions", {})
    assert missing.status_code == 422 and missing.json()["errors"][0]["code"] == (
        "form_param_missing"
    )
    assert missing.json()["errors"][0]["meta"]["param_name"] == "user_id"
    unknown = api.post("/sessions", {"user_id": user.pk, "colour": "red"})
    assert unknown.status_code == 422
    assert unknown.json()["errors"][0]["code"] == "form_param_unknown"
    organization = api.post("/sessions", {"user_id": user.pk, "active_organization_id": "org_1"})
    assert organization.status_code == 404
    assert api.post("/sessions", {"user_id": 7}).status_code == 422
    assert not Session.objects.exists()


def test_delete_web3_wallet_with_primary_rules(clerk: Any, user: Any) -> None:
    primary, other = _wallet(user), _wallet(user)
    user.refresh_from_db()
    assert user.primary_web3_wallet_id == primary.pk
    with pytest.raises((models.ClerkErrors, models.SDKError)) as caught:
        clerk.users.delete_web3_wallet(user_id=user.pk, web3_wallet_identification_id=primary.pk)
    assert error_code(caught.value) == "primary_identification_cannot_be_deleted"
    assert Web3Wallet.objects.filter(pk=primary.pk).exists()

    deleted = clerk.users.delete_web3_wallet(
        user_id=user.pk, web3_wallet_identification_id=other.pk
    )
    assert isinstance(deleted, models.DeletedObject)
    assert (deleted.object, deleted.id, deleted.deleted) == ("web3_wallet", other.pk, True)
    assert not Web3Wallet.objects.filter(pk=other.pk).exists()
    # The last wallet may go, leaving no primary one.
    clerk.users.delete_web3_wallet(user_id=user.pk, web3_wallet_identification_id=primary.pk)
    assert clerk.users.get(user_id=user.pk).web3_wallets == []
    assert User.objects.get(pk=user.pk).primary_web3_wallet_id is None


def test_delete_web3_wallet_not_found(clerk: Any, user: Any, other_user: Any) -> None:
    theirs = _wallet(other_user)
    _not_found(
        lambda: clerk.users.delete_web3_wallet(
            user_id=user.pk, web3_wallet_identification_id=theirs.pk
        )
    )
    _not_found(
        lambda: clerk.users.delete_web3_wallet(
            user_id="user_missing", web3_wallet_identification_id=theirs.pk
        )
    )
    _not_found(
        lambda: clerk.users.delete_web3_wallet(
            user_id=user.pk, web3_wallet_identification_id="idn_missing"
        )
    )
    assert Web3Wallet.objects.filter(pk=theirs.pk).exists()


def test_delete_passkey_is_always_not_found(clerk: Any, user: Any) -> None:
    """No passkeys here: any id of a known user, or any user unknown, is 404."""
    assert clerk.users.get(user_id=user.pk).passkeys == []
    _not_found(
        lambda: clerk.users.delete_passkey(user_id=user.pk, passkey_identification_id="idn_1")
    )
    with pytest.raises((models.ClerkErrors, models.SDKError)) as caught:
        clerk.users.delete_passkey(user_id="user_missing", passkey_identification_id="idn_1")
    assert caught.value.raw_response.status_code == 404
    assert "user" in caught.value.raw_response.json()["errors"][0]["long_message"]
