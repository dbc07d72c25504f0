"""Every users operation through Clerk's official SDK (clerk-backend-api 7.0.0) against a
live server: responses parse with the SDK's models, errors come back as ``ClerkErrors``
carrying Clerk's codes."""

from __future__ import annotations

from typing import Any

import pytest
from clerk_backend_api import models

from clerk_users.models import EmailAddress, User

from .conftest import error_code

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct horse battery"


def _create(clerk: Any, **kwargs: Any) -> models.User:
    kwargs.setdefault("email_address", ["Ada@Example.com", "ada2@example.com"])
    kwargs.setdefault("phone_number", ["+14155550100"])
    kwargs.setdefault("username", "ada_l")
    kwargs.setdefault("password", PASSWORD)
    return clerk.users.create(**kwargs)


def test_create_get_list_count(clerk: Any) -> None:
    created = _create(
        clerk,
        first_name="Ada",
        last_name="Lovelace",
        external_id="ext-1",
        public_metadata={"plan": "pro"},
        private_metadata={"stripe": "cus_1"},
        unsafe_metadata={"theme": "dark"},
    )
    assert isinstance(created, models.User)
    assert created.id.startswith("user_") and created.username == "ada_l"
    assert [e.email_address for e in created.email_addresses] == [
        "ada@example.com",
        "ada2@example.com",
    ]
    assert created.primary_email_address_id == created.email_addresses[0].id
    assert created.primary_phone_number_id == created.phone_numbers[0].id
    assert created.email_addresses[0].verification.strategy == "admin"
    assert created.password_enabled is True
    assert created.public_metadata == {"plan": "pro"}
    assert created.private_metadata == {"stripe": "cus_1"}
    assert created.external_id == "ext-1"
    fetched = clerk.users.get(user_id=created.id)
    assert fetched.id == created.id and fetched.first_name == "Ada"
    listed = clerk.users.list(request={"email_address": ["ADA@example.com"]})
    assert [u.id for u in listed] == [created.id]
    assert clerk.users.count(request={}).total_count == 1
    assert clerk.users.count(request={"query": "lovelace"}).total_count == 1
    assert clerk.users.count(request={"query": "nobody"}).total_count == 0


def test_create_with_bcrypt_digest_and_statuses(clerk: Any) -> None:
    import bcrypt

    digest = bcrypt.hashpw(b"imported secret", bcrypt.gensalt(rounds=4)).decode()
    user = clerk.users.create(
        email_address=["a@example.com", "b@example.com"],
        email_address_identification_status=["reserved", "verified"],
        password_digest=digest,
        password_hasher="bcrypt",
        locked=True,
    )
    assert user.locked is True and user.password_enabled is True
    by_address = {e.email_address: e for e in user.email_addresses}
    assert by_address["a@example.com"].reserved is True
    assert user.primary_email_address_id == by_address["b@example.com"].id
    clerk.users.unlock(user_id=user.id)
    assert clerk.users.verify_password(user_id=user.id, password="imported secret").verified


def test_create_errors(clerk: Any) -> None:
    _create(clerk)
    cases = [
        ({"email_address": ["ADA@example.com"]}, "form_identifier_exists", "email_address"),
        ({"phone_number": ["+1 (415) 555-0100"]}, "form_identifier_exists", "phone_number"),
        ({"username": "ADA_L"}, "form_identifier_exists", "username"),
        ({"email_address": ["nope"]}, "form_param_format_invalid", "email_address"),
        ({"phone_number": ["123"]}, "form_param_format_invalid", "phone_number"),
        ({"password": "short"}, "form_password_length_too_short", "password"),
        ({"public_metadata": {"x": "y" * 9000}}, "form_metadata_too_large", "public_metadata"),
        (
            {"password_digest": "plain", "password_hasher": "sha512_symfony"},
            "form_param_value_invalid",
            "password_hasher",
        ),
        (
            {"password_digest": "plain", "password_hasher": "md5"},
            "form_param_format_invalid",
            "password_digest",
        ),
    ]
    for body, code, param in cases:
        with pytest.raises(models.ClerkErrors) as exc:
            clerk.users.create(**body)
        assert error_code(exc.value) == code, body
        assert exc.value.data.errors[0].meta["param_name"] == param
        assert exc.value.raw_response.status_code == 422
    assert User.objects.count() == 1 and EmailAddress.objects.count() == 2


def test_update_and_unknown_id(clerk: Any) -> None:
    user = _create(clerk)
    updated = clerk.users.update(
        user_id=user.id,
        first_name="Augusta",
        username="augusta",
        external_id="ext-9",
        primary_email_address_id=user.email_addresses[1].id,
    )
    assert updated.first_name == "Augusta" and updated.username == "augusta"
    assert updated.primary_email_address_id == user.email_addresses[1].id
    other = clerk.users.create(username="other_one")
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.users.update(user_id=other.id, username="augusta")
    assert error_code(exc.value) == "form_identifier_exists"
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.users.update(user_id=other.id, primary_email_address_id=user.email_addresses[0].id)
    assert error_code(exc.value) == "form_param_value_invalid"
    for call in (
        lambda: clerk.users.get(user_id="user_missing"),
        lambda: clerk.users.delete(user_id="user_missing"),
    ):
        with pytest.raises(models.ClerkErrors) as exc:
            call()
        assert error_code(exc.value) == "resource_not_found"
        assert exc.value.raw_response.status_code == 404


def test_metadata_merge_and_replace(clerk: Any) -> None:
    user = _create(clerk, public_metadata={"a": 1, "nested": {"x": 1, "y": 2}})
    merged = clerk.users.update_metadata(
        user_id=user.id,
        public_metadata={"nested": {"y": None, "z": 3}, "b": 2},
        private_metadata={"p": True},
    )
    assert merged.public_metadata == {"a": 1, "nested": {"x": 1, "z": 3}, "b": 2}
    assert merged.private_metadata == {"p": True}
    replaced = clerk.users.replace_metadata(user_id=user.id, public_metadata={"only": 1})
    assert replaced.public_metadata == {"only": 1}
    assert replaced.private_metadata == {"p": True}  # omitted field left unchanged
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.users.update_metadata(user_id=user.id, public_metadata={"big": "x" * 9000})
    assert error_code(exc.value) == "form_metadata_too_large"
    assert clerk.users.get(user_id=user.id).public_metadata == {"only": 1}


def test_ban_unban_lock_unlock_and_bulk(clerk: Any) -> None:
    user = _create(clerk)
    other = clerk.users.create(username="second")
    assert clerk.users.ban(user_id=user.id).banned is True
    assert User.objects.get(pk=user.id).is_active is False
    assert clerk.users.unban(user_id=user.id).banned is False
    locked = clerk.users.lock(user_id=user.id)
    assert locked.locked is True and locked.lockout_expires_in_seconds > 0
    assert clerk.users.unlock(user_id=user.id).locked is False
    banned = clerk.users.bulk_ban(user_ids=[user.id, other.id])
    assert {u.id for u in banned} == {user.id, other.id} and all(u.banned for u in banned)
    unbanned = clerk.users.bulk_unban(user_ids=[user.id, other.id])
    assert not any(u.banned for u in unbanned)
    with pytest.raises(models.SDKError) as exc:  # the SDK maps only 402 of ban to ClerkErrors
        clerk.users.ban(user_id="user_missing")
    assert exc.value.status_code == 404 and '"resource_not_found"' in exc.value.body


def test_verify_password(clerk: Any) -> None:
    user = _create(clerk)
    assert clerk.users.verify_password(user_id=user.id, password=PASSWORD).verified is True
    # Clerk's SDK maps only 500 of this operation to ClerkErrors; 4xx are SDKError.
    with pytest.raises(models.SDKError) as exc:
        clerk.users.verify_password(user_id=user.id, password="wrong password")
    assert exc.value.status_code == 422 and '"incorrect_password"' in exc.value.body
    assert User.objects.get(pk=user.id).failed_verification_attempts == 1
    no_password = clerk.users.create(username="nopass")
    with pytest.raises(models.SDKError) as exc:
        clerk.users.verify_password(user_id=no_password.id, password=PASSWORD)
    assert '"password_not_set"' in exc.value.body


def test_password_removal_and_compromised_flag(clerk: Any) -> None:
    user = _create(clerk)
    assert clerk.users.set_password_compromised(user_id=user.id).id == user.id
    assert User.objects.get(pk=user.id).password_compromised_at is not None
    clerk.users.unset_password_compromised(user_id=user.id)
    assert User.objects.get(pk=user.id).password_compromised_at is None
    removed = clerk.users.remove_password(user_id=user.id)
    assert removed.password_enabled is False
    assert clerk.users.remove_password(user_id=user.id).password_enabled is False
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.users.set_password_compromised(user_id=user.id)
    assert error_code(exc.value) == "password_not_set"


def test_delete(clerk: Any) -> None:
    user = _create(clerk)
    deleted = clerk.users.delete(user_id=user.id)
    assert deleted.deleted is True and deleted.id == user.id and deleted.object == "user"
    assert not User.objects.filter(pk=user.id).exists()
    assert not EmailAddress.objects.exists()


def test_create_with_totp_secret_and_backup_codes(clerk: Any) -> None:
    user = clerk.users.create(
        username="with_mfa",
        password=PASSWORD,
        totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
        backup_codes=["code-one-1", "code-two-2"],
    )
    assert user.totp_enabled is True and user.backup_code_enabled is True
    assert user.two_factor_enabled is True
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.users.create(username="bad_mfa", totp_secret="not base32!")
    assert error_code(exc.value) == "form_param_format_invalid"
    assert not User.objects.filter(username="bad_mfa").exists()  # all-or-nothing


def test_ban_ends_sessions_and_blocks_sign_in(clerk: Any, client: Any) -> None:
    from clerk_users.models import Session
    from clerk_users.sessions import lifecycle as sessions

    user = _create(clerk)
    session = sessions.create_session(User.objects.get(pk=user.id))
    clerk.users.ban(user_id=user.id)
    assert Session.objects.get(pk=session.pk).status != "active"
    assert client.login(username="ada_l", password=PASSWORD) is False
    clerk.users.unban(user_id=user.id)
    assert client.login(username="ada_l", password=PASSWORD) is True
