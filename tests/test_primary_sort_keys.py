"""The primary sort keys (``identifiers.primary_columns``) after every operation that moves a
primary pointer: each user's ``primary_<kind>_sort_key`` is its primary's value (lowercase
email and wallet, E.164 phone) or NULL without one. ``GET /users?order_by=email_address``
orders by them, so a stale key would misplace a user in the list.

The admin, the OAuth sign-up and the import command are checked in their own test modules
(``tests/admin``, ``tests/oauth``, ``tests/imports``); the migration's backfill in
``tests/models/test_sort_key_backfill.py``."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache

from clerk_users import identifiers, sms
from clerk_users.models import EmailAddress, User
from tests.api.frontend.conftest import FrontendClient, code_from
from tests.sort_keys import assert_sort_keys_match, keys_of

pytestmark = pytest.mark.django_db

WALLET = "0x" + "AB" * 20


@pytest.fixture
def backend(client: Any, db: Any) -> Any:
    """``backend("patch", "/users/...", {...})``: the Backend API with a secret key."""
    from clerk_users import secret_keys

    headers = {"Authorization": f"Bearer {secret_keys.create_secret_key('tests')[1]}"}

    def call(method: str, path: str, data: Any = None) -> Any:
        kwargs: dict[str, Any] = {"headers": headers}
        if data is not None:
            kwargs.update(data=json.dumps(data), content_type="application/json")
        response = getattr(client, method)("/api/backend/v1" + path, **kwargs)
        assert response.status_code == 200, response.content
        return response.json()

    return call


@pytest.fixture
def me(user: Any) -> FrontendClient:
    cache.clear()  # rate-limit counters of earlier tests
    return FrontendClient(user)


def test_user_creation_keys_the_first_of_each_kind(make_user: Any) -> None:
    user = make_user(
        email_address=["Zed.Person@Example.COM", "amy@example.com"],
        phone_number=["+1 (415) 555-0101", "+14155550100"],
        web3_wallet=[WALLET, "0x" + "01" * 20],
    )
    assert keys_of(user) == ("zed.person@example.com", "+14155550101", WALLET.lower())
    bare = make_user(email_address=None)
    assert keys_of(bare) == (None, None, None)
    assert_sort_keys_match()


def test_verifying_the_first_identifier_of_a_kind_keys_it(me: FrontendClient, user: Any) -> None:
    """Frontend code flow (``verification.complete``): the user had no phone number."""
    created = me.post("me/phone_numbers", {"phone_number": "+1 415 555 0199"}).json()
    base = f"me/phone_numbers/{created['response']['id']}"
    assert keys_of(user)[1] is None  # unverified: not primary
    me.post(f"{base}/prepare_verification", {"strategy": "phone_code"})
    code = code_from(sms.outbox[-1])
    response = me.post(f"{base}/attempt_verification", {"code": code})
    assert response.status_code == 200, response.content
    assert keys_of(user)[1] == "+14155550199"
    assert_sort_keys_match()


def test_backend_verify_of_a_first_email_keys_it(backend: Any, make_user: Any) -> None:
    """``identifiers.verify`` (Backend PATCH verified=true) of a user without an email."""
    user = make_user(email_address=None, phone_number="+14155550123")
    email = identifiers.create_email_address(user, "First@Example.com")
    assert keys_of(user)[0] is None
    backend("patch", f"/email_addresses/{email.pk}", {"verified": True})
    assert keys_of(user)[0] == "first@example.com"
    assert_sort_keys_match()


def test_backend_patch_user_moves_every_key(backend: Any, make_user: Any) -> None:
    user = make_user(
        email_address=["a@example.com", "b@example.com"],
        phone_number=["+14155550101", "+14155550102"],
        web3_wallet=["0x" + "01" * 20, WALLET],
    )
    data = backend("get", f"/users/{user.pk}")
    backend(
        "patch",
        f"/users/{user.pk}",
        {
            "primary_email_address_id": data["email_addresses"][1]["id"],
            "primary_phone_number_id": data["phone_numbers"][1]["id"],
            "primary_web3_wallet_id": data["web3_wallets"][1]["id"],
        },
    )
    assert keys_of(user) == ("b@example.com", "+14155550102", WALLET.lower())
    assert_sort_keys_match()


def test_backend_patch_identifier_primary_moves_the_key(backend: Any, make_user: Any) -> None:
    user = make_user(email_address="a@example.com", phone_number=["+14155550101"])
    email = identifiers.create_email_address(user, "z@example.com", verified=True)
    phone = identifiers.create_phone_number(user, "+14155550109", verified=True)
    backend("patch", f"/email_addresses/{email.pk}", {"primary": True})
    backend("patch", f"/phone_numbers/{phone.pk}", {"primary": True})
    assert keys_of(user)[:2] == ("z@example.com", "+14155550109")
    assert_sort_keys_match()


def test_frontend_patch_me_moves_the_key(me: FrontendClient, user: Any) -> None:
    second = identifiers.create_email_address(user, "Second@Example.com", verified=True)
    response = me.patch("me", {"primary_email_address_id": second.pk})
    assert response.status_code == 200, response.content
    assert keys_of(user)[0] == "second@example.com"
    assert_sort_keys_match()


def test_deleting_the_primary_with_a_new_primary_moves_the_key(make_user: Any) -> None:
    user = make_user(email_address=["a@example.com", "b@example.com"])
    primary = EmailAddress.objects.get(pk=user.primary_email_address_id)
    second = EmailAddress.objects.get(email_address="b@example.com")
    identifiers.delete_identifier(primary, new_primary=second)
    assert keys_of(user)[0] == "b@example.com"
    assert_sort_keys_match()


def test_deleting_the_last_identifier_of_a_kind_clears_its_key(
    backend: Any, me: FrontendClient, user: Any
) -> None:
    identifiers.create_phone_number(user, "+14155550177", verified=True)
    identifiers.create_web3_wallet(user, WALLET, verified=True)
    assert keys_of(user) == (
        user.primary_email_address.email_address,
        "+14155550177",
        WALLET.lower(),
    )
    backend("delete", f"/email_addresses/{user.primary_email_address_id}")
    response = me.delete(f"me/phone_numbers/{User.objects.get(pk=user.pk).primary_phone_number_id}")
    assert response.status_code == 200, response.content
    backend("delete", f"/users/{user.pk}/web3_wallets/{user.primary_web3_wallet_id}")
    assert keys_of(user) == (None, None, None)
    assert_sort_keys_match()


@pytest.mark.parametrize("status", ["verified", "unverified"])
def test_replacing_the_email_address_keys_the_new_one_or_none(
    backend: Any, make_user: Any, status: str
) -> None:
    user = make_user(email_address=["a@example.com", "b@example.com"])
    body = {"email_address": "New@Example.com", "identification_status": status}
    backend("put", f"/users/{user.pk}/email_address", body)
    assert keys_of(user)[0] == ("new@example.com" if status == "verified" else None)
    assert_sort_keys_match()


def test_a_legacy_mixed_case_address_is_keyed_in_lowercase(make_user: Any) -> None:
    """Rows stored before normalisation (or written by hand) may hold capitals: the key is
    lowercase, as the unique index compares."""
    user = make_user(email_address="a@example.com")
    legacy = EmailAddress.objects.create(
        user=user, email_address="Legacy.Person@Example.com", verification_status="verified"
    )
    identifiers.set_primary(user, legacy)
    assert keys_of(user)[0] == "legacy.person@example.com"
    assert_sort_keys_match()


def test_the_user_object_carries_the_keys_it_wrote(make_user: Any) -> None:
    """``move_primary`` sets pointer and key on the object too: a later full ``save()`` of
    that object writes them back as a pair."""
    user = make_user(email_address=["a@example.com", "b@example.com"])
    second = EmailAddress.objects.get(email_address="b@example.com")
    identifiers.set_primary(user, second)
    assert (user.primary_email_address_id, user.primary_email_address_sort_key) == (
        second.pk,
        "b@example.com",
    )
    user.first_name = "Saved"
    user.save()
    assert keys_of(user)[0] == "b@example.com"
    assert_sort_keys_match()
