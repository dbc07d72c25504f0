"""``email_addresses.*`` and ``phone_numbers.*`` (and the replace-for-user operations) through
Clerk's official SDK against a live server."""

from __future__ import annotations

import re
from typing import Any

import pytest
from clerk_backend_api import models
from django.core import mail

from clerk_users.models import EmailAddress, PhoneNumber

from .conftest import error_code

pytestmark = pytest.mark.django_db(transaction=True)
# Some operations' SDK methods map only some 4xx statuses to ClerkErrors, the rest to SDKError;
# the Clerk error code is checked in both cases.
SDK_ERRORS = (models.ClerkErrors, models.SDKError)


@pytest.fixture
def sdk_user(clerk: Any) -> models.User:
    return clerk.users.create(
        email_address=["first@example.com"], phone_number=["+14155550100"], username="owner"
    )


def test_email_address_lifecycle(clerk: Any, sdk_user: models.User) -> None:
    created = clerk.email_addresses.create(
        request={"user_id": sdk_user.id, "email_address": "Second@Example.com", "verified": False}
    )
    assert isinstance(created, models.EmailAddress)
    assert created.email_address == "second@example.com" and created.verification is None
    assert clerk.email_addresses.get(email_address_id=created.id).id == created.id
    # unverified cannot become primary (400: UpdateEmailAddress documents 400, not 422)
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.email_addresses.update(email_address_id=created.id, primary=True)
    assert exc.value.raw_response.status_code == 400
    assert error_code(exc.value) == "form_param_value_invalid"
    verified = clerk.email_addresses.update(email_address_id=created.id, verified=True)
    assert verified.verification.status == "verified"
    clerk.email_addresses.update(email_address_id=created.id, primary=True)
    user = clerk.users.get(user_id=sdk_user.id)
    assert user.primary_email_address_id == created.id
    with pytest.raises(SDK_ERRORS) as exc:  # the primary must stay verified
        clerk.email_addresses.update(email_address_id=created.id, verified=False)
    assert error_code(exc.value) == "primary_identification_cannot_be_unverified"
    with pytest.raises(SDK_ERRORS) as exc:  # primary cannot go while others exist
        clerk.email_addresses.delete(email_address_id=created.id)
    assert error_code(exc.value) == "primary_identification_cannot_be_deleted"
    deleted = clerk.email_addresses.delete(email_address_id=sdk_user.email_addresses[0].id)
    assert deleted.deleted is True and deleted.object == "email_address"
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.email_addresses.get(email_address_id=sdk_user.email_addresses[0].id)
    assert error_code(exc.value) == "resource_not_found"


def test_email_address_errors(clerk: Any, sdk_user: models.User) -> None:
    other = clerk.users.create(username="other_user")
    cases = [
        ({"user_id": other.id, "email_address": "FIRST@example.com"}, "form_identifier_exists"),
        ({"user_id": other.id, "email_address": "not an email"}, "form_param_format_invalid"),
        ({"user_id": "user_missing", "email_address": "x@example.com"}, "resource_not_found"),
        (
            {"user_id": other.id, "email_address": "p@example.com", "primary": True},
            "form_param_value_invalid",
        ),
    ]
    for body, code in cases:
        with pytest.raises(models.ClerkErrors) as exc:
            clerk.email_addresses.create(request=body)
        assert error_code(exc.value) == code, body
    assert EmailAddress.objects.filter(user_id=other.id).count() == 0


def test_email_verification_by_code(clerk: Any, sdk_user: models.User) -> None:
    created = clerk.email_addresses.create(
        request={"user_id": sdk_user.id, "email_address": "code@example.com"}
    )
    prepared = clerk.email_addresses.prepare_verification(email_address_id=created.id)
    assert prepared.status == "unverified" and prepared.strategy == "email_code"
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = "000000" if code != "000000" else "111111"
    failed = clerk.email_addresses.attempt_verification(
        email_address_id=created.id, verification_id=prepared.id, code=wrong
    )
    assert failed.status == "unverified" and failed.attempts == 1  # reported, not raised
    done = clerk.email_addresses.attempt_verification(
        email_address_id=created.id, verification_id=prepared.id, code=code
    )
    assert done.status == "verified"
    assert clerk.email_addresses.get(email_address_id=created.id).verification.status == "verified"
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.email_addresses.attempt_verification(
            email_address_id=created.id, verification_id=prepared.id, code=code
        )
    assert error_code(exc.value) == "verification_already_verified"


def test_phone_number_lifecycle(clerk: Any, sdk_user: models.User, sms_outbox: Any) -> None:
    created = clerk.phone_numbers.create(
        request={
            "user_id": sdk_user.id,
            "phone_number": "+1 415 555 0101",
            "verified": True,
            "reserved_for_second_factor": True,
        }
    )
    assert isinstance(created, models.PhoneNumber)
    assert created.phone_number == "+14155550101"
    assert created.reserved_for_second_factor is True and created.default_second_factor is True
    updated = clerk.phone_numbers.update(phone_number_id=created.id, primary=True)
    assert updated.id == created.id
    assert clerk.users.get(user_id=sdk_user.id).primary_phone_number_id == created.id
    unreserved = clerk.phone_numbers.update(
        phone_number_id=created.id, reserved_for_second_factor=False
    )
    assert unreserved.reserved_for_second_factor is False
    assert unreserved.default_second_factor is False
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.phone_numbers.create(request={"user_id": sdk_user.id, "phone_number": "+14155550101"})
    assert error_code(exc.value) == "form_identifier_exists"
    with pytest.raises(models.ClerkErrors) as exc:
        clerk.phone_numbers.create(request={"user_id": sdk_user.id, "phone_number": "12"})
    assert error_code(exc.value) == "form_param_format_invalid"
    pending = clerk.phone_numbers.create(
        request={"user_id": sdk_user.id, "phone_number": "+14155550102"}
    )
    prepared = clerk.phone_numbers.prepare_verification(phone_number_id=pending.id)
    code = re.search(r"\b(\d{6})\b", sms_outbox[-1].body).group(1)
    assert (
        clerk.phone_numbers.attempt_verification(
            phone_number_id=pending.id, verification_id=prepared.id, code=code
        ).status
        == "verified"
    )
    deleted = clerk.phone_numbers.delete(phone_number_id=pending.id)
    assert deleted.deleted is True and deleted.object == "phone_number"
    assert clerk.phone_numbers.get(phone_number_id=created.id).id == created.id


def test_replace_for_user(clerk: Any, sdk_user: models.User) -> None:
    clerk.email_addresses.create(
        request={"user_id": sdk_user.id, "email_address": "extra@example.com", "verified": True}
    )
    email = clerk.email_addresses.replace_for_user(
        user_id=sdk_user.id, email_address="New@Example.com"
    )
    assert email.email_address == "new@example.com"
    user = clerk.users.get(user_id=sdk_user.id)
    assert [e.id for e in user.email_addresses] == [email.id]
    assert user.primary_email_address_id == email.id
    phone = clerk.phone_numbers.replace_for_user(
        user_id=sdk_user.id, phone_number="+14155550199", identification_status="unverified"
    )
    user = clerk.users.get(user_id=sdk_user.id)
    assert [p.id for p in user.phone_numbers] == [phone.id]
    assert user.primary_phone_number_id is None
    assert PhoneNumber.objects.get(pk=phone.id).is_verified is False
