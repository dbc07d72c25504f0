"""The fast paths of ``GET /me`` (the session's user from the prepared session query plus the
relations' UNION) and of the Backend ``GET /users/{id}`` (the prepared user query) answer,
byte for byte, the JSON the plain ORM gives for a user with every kind of relation: verified
and pending identifiers, an email linked to an external account, a web3 wallet, TOTP and
recovery codes, a profile image, metadata."""

from __future__ import annotations

import json
from typing import Any

import pytest
from allauth.mfa.models import Authenticator
from django.test import RequestFactory
from django.utils import timezone

from clerk_users import secret_keys
from clerk_users.api.serializers import user_json
from clerk_users.images.profile import request_context
from clerk_users.models import EmailAddress, ExternalAccount, Image, User
from tests.api.frontend.conftest import FrontendClient

pytestmark = pytest.mark.django_db


def _user_with_everything(make_user: Any) -> Any:
    user = make_user(
        email_address=["every1@example.com", "every2@example.com"],
        phone_number=["+14155550181", "+16285550182"],
        web3_wallet="0x" + "8" * 40,
        first_name="Every",
        last_name="Relation",
        public_metadata={"plan": "pro", "seats": [1, 2]},
        unsafe_metadata={"theme": "dark"},
        private_metadata={"internal": True},
    )
    account = ExternalAccount.objects.create(
        user=user,
        provider="oauth_github",
        provider_user_id="gh-every",
        verification_status="verified",
        email_address="every1@example.com",
        image_url="https://avatars.example.com/every.png",
    )
    linked = user.create_email_address("linked.every@example.com")
    EmailAddress.objects.filter(pk=linked.pk).update(linked_external_account=account)
    user.create_phone_number("+12125550183").prepare_verification("phone_code")
    user.create_email_address("pending.every@example.com").prepare_verification("email_code")
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={})
    Authenticator.objects.create(
        user=user, type=Authenticator.Type.RECOVERY_CODES, data={"seed": "x"}
    )
    image = Image.objects.create(
        name="every.webp",
        path="profile_images/img_every.webp",
        content_type="image/webp",
        width=1,
        height=1,
        size=1,
    )
    User.objects.filter(pk=user.pk).update(profile_image=image, last_login=timezone.now())
    return user


def _reference(user_id: str, *, backend: bool) -> bytes:
    """The JSON from a plain ``User.objects.get`` (every relation read lazily by the ORM),
    with image URLs made absolute as in a request to the test client's host."""
    with request_context(RequestFactory().get("/")):
        data = user_json(User.objects.get(pk=user_id), backend=backend)
    return json.dumps(data).encode()


def test_get_me_answers_the_json_of_the_plain_orm(make_user: Any) -> None:
    user = _user_with_everything(make_user)
    client = FrontendClient(user)
    assert client.get("me").status_code == 200  # the first request records activity
    response = client.get("me")
    assert response.status_code == 200
    body = response.json()["response"]
    assert body["two_factor_enabled"] and body["backup_code_enabled"] and body["has_image"]
    assert any(e["linked_to"] for e in body["email_addresses"])
    assert any(e["verification"]["status"] == "unverified" for e in body["phone_numbers"])
    assert json.dumps(body).encode() == _reference(user.pk, backend=False)


def test_backend_get_user_answers_the_json_of_the_plain_orm(make_user: Any, client: Any) -> None:
    user = _user_with_everything(make_user)
    _, key = secret_keys.create_secret_key("fast path")
    response = client.get(
        f"/api/backend/v1/users/{user.pk}", headers={"Authorization": f"Bearer {key}"}
    )
    assert response.status_code == 200
    assert response.json()["private_metadata"] == {"internal": True}
    assert json.dumps(response.json()).encode() == _reference(user.pk, backend=True)


def test_a_write_answers_the_json_of_the_plain_orm(make_user: Any) -> None:
    """``PATCH /me`` re-reads the user through the prepared user query."""
    user = _user_with_everything(make_user)
    response = FrontendClient(user).patch("me", {"first_name": "Changed"})
    assert response.status_code == 200
    body = response.json()["response"]
    assert body["first_name"] == "Changed"
    assert json.dumps(body).encode() == _reference(user.pk, backend=False)
