"""Identifier rules (clerk_users.identifiers): normalisation, uniqueness, primary invariant.

Every refused input asserts the Clerk code AND that the database did not change.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clerk_users import identifiers
from clerk_users.errors import ClerkError
from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db

WALLET = "0x" + "ab" * 20


def refused(code: str, func: Any, *args: Any, **kwargs: Any) -> ClerkError:
    """Call ``func``, assert it raises a ClerkError with ``code`` and leaves the DB alone."""
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        func(*args, **kwargs)
    assert info.value.code == code
    assert info.value.clerk_code == code
    assert isinstance(info.value, ValidationError)
    assert db_snapshot() == before
    return info.value


# -- normalisation --------------------------------------------------------------------------
def test_emails_are_lowercased_and_stripped(user):
    email = user.create_email_address("  New.Person@Example.COM ")
    assert email.email_address == "new.person@example.com"
    assert email.user_id == user.pk
    assert not email.is_verified
    assert email.id.startswith("idn_")


def test_phone_numbers_are_stored_in_e164(user):
    phone = user.create_phone_number("+1 (415) 555-0123")
    assert phone.phone_number == "+14155550123"


def test_phone_without_plus_uses_default_region(user, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "PHONE_DEFAULT_REGION": "GB"}
    phone = user.create_phone_number("020 7946 0018")
    assert phone.phone_number == "+442079460018"


def test_phone_without_plus_and_without_region_is_refused(user, settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "PHONE_DEFAULT_REGION": None}
    refused("form_param_format_invalid", user.create_phone_number, "4155550123")


def test_wallets_are_lowercased(user):
    wallet = user.create_web3_wallet("0x" + "AB" * 20)
    assert wallet.web3_wallet == WALLET


# -- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "value", ["not-an-email", "a@", "@x.com", "", "   ", "a b@x.com", None, 42, "a@x@y.com"]
)
def test_malformed_email_is_refused(user, value):
    error = refused("form_param_format_invalid", user.create_email_address, value)
    assert error.param_name == "email_address"
    assert error.status == 422


@pytest.mark.parametrize(
    "value", ["12", "+1 555", "hello", "", "+999 1234567", "+1415555012345678", None, "+" * 70]
)
def test_unparseable_or_invalid_phone_is_refused(user, value):
    error = refused("form_param_format_invalid", user.create_phone_number, value)
    assert error.param_name == "phone_number"


@pytest.mark.parametrize(
    "value", ["0x123", "ab" * 20, "0x" + "zz" * 20, "0x" + "ab" * 21, "", None]
)
def test_malformed_wallet_is_refused(user, value):
    error = refused("form_param_format_invalid", user.create_web3_wallet, value)
    assert error.param_name == "web3_wallet"


@pytest.mark.parametrize(
    "variant", ["TAKEN@example.com", "taken@EXAMPLE.com", " taken@example.com"]
)
def test_duplicate_email_of_another_user_is_refused(make_user, user, variant):
    make_user(email_address="taken@example.com")
    error = refused("form_identifier_exists", user.create_email_address, variant)
    assert error.param_name == "email_address"


def test_duplicate_email_of_the_same_user_is_refused(user):
    refused(
        "form_identifier_exists",
        user.create_email_address,
        user.primary_email_address.email_address.upper(),
    )


@pytest.mark.parametrize("variant", ["+14155550123", "+1 415-555-0123", "(415) 555-0123"])
def test_duplicate_phone_in_any_format_is_refused(make_user, user, variant):
    make_user(phone_number="4155550123")
    refused("form_identifier_exists", user.create_phone_number, variant)


def test_duplicate_wallet_in_any_case_is_refused(make_user, user):
    make_user(web3_wallet=WALLET)
    refused("form_identifier_exists", user.create_web3_wallet, WALLET.upper().replace("0X", "0x"))


def test_database_enforces_email_uniqueness_case_insensitively(user, other_user):
    """Unique among verified addresses and once per user; an unverified claim of another
    user's address may exist (it claims nothing, issue 12)."""
    from django.db import IntegrityError, transaction

    existing = user.primary_email_address.email_address
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.create(
            user=other_user, email_address=existing.upper(), verification_status="verified"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        EmailAddress.objects.create(user=user, email_address=existing.upper())
    EmailAddress.objects.create(user=other_user, email_address=existing.upper())


def test_database_enforces_wallet_uniqueness_case_insensitively(user, other_user):
    from django.db import IntegrityError, transaction

    Web3Wallet.objects.create(user=user, web3_wallet=WALLET, verification_status="verified")
    with pytest.raises(IntegrityError), transaction.atomic():
        Web3Wallet.objects.create(
            user=other_user, web3_wallet=WALLET.upper(), verification_status="verified"
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        Web3Wallet.objects.create(user=user, web3_wallet=WALLET.upper())


def test_database_refuses_phone_not_in_e164(user):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        PhoneNumber.objects.create(user=user, phone_number="4155550123")


# -- primary rules ---------------------------------------------------------------------------
def test_first_verified_identifier_becomes_primary(make_user):
    user = make_user(email_address=None)
    assert user.primary_email_address_id is None
    first = user.create_email_address("first@example.com")
    second = user.create_email_address("second@example.com")
    user.refresh_from_db()
    assert user.primary_email_address_id is None  # unverified ones never become primary
    identifiers.verify(second)
    user.refresh_from_db()
    assert user.primary_email_address_id == second.pk
    identifiers.verify(first)
    user.refresh_from_db()
    assert user.primary_email_address_id == second.pk  # an existing primary stays


def test_set_primary_to_own_verified_identifier(user):
    other = identifiers.create_email_address(user, "other@example.com", verified=True)
    identifiers.set_primary(user, other.pk, "email_address")
    user.refresh_from_db()
    assert user.primary_email_address_id == other.pk


def test_primary_pointer_to_unverified_identifier_is_refused(user):
    unverified = user.create_email_address("unverified@example.com")
    error = refused(
        "form_param_value_invalid", identifiers.set_primary, user, unverified.pk, "email_address"
    )
    assert error.param_name == "primary_email_address_id"
    refused("form_param_value_invalid", identifiers.set_primary, user, unverified)


def test_primary_pointer_to_foreign_identifier_is_refused(user, other_user):
    foreign = other_user.primary_email_address
    refused("form_param_value_invalid", identifiers.set_primary, user, foreign.pk, "email_address")
    refused("form_param_value_invalid", identifiers.set_primary, user, foreign)


def test_primary_pointer_to_unknown_id_is_refused(user):
    refused("form_param_value_invalid", identifiers.set_primary, user, "idn_nope", "phone_number")


def test_update_with_bad_primary_changes_nothing(user, other_user):
    refused(
        "form_param_value_invalid",
        user.update,
        first_name="Changed",
        primary_email_address_id=other_user.primary_email_address_id,
    )
    user.refresh_from_db()
    assert user.first_name == "Grace"


def test_creating_primary_unverified_identifier_is_refused(user):
    refused(
        "form_param_value_invalid", identifiers.create_email_address, user, "p@x.com", primary=True
    )


def test_deleting_the_primary_while_others_exist_is_refused(user):
    user.create_email_address("second@example.com")
    error = refused("primary_identification_cannot_be_deleted", user.primary_email_address.destroy)
    assert error.status == 422


def test_deleting_the_primary_with_a_new_primary_named(user):
    old = user.primary_email_address
    new = identifiers.create_email_address(user, "new@example.com", verified=True)
    identifiers.delete_identifier(old, new_primary=new)
    user.refresh_from_db()
    assert user.primary_email_address_id == new.pk
    assert not EmailAddress.objects.filter(pk=old.pk).exists()


def test_deleting_the_last_identifier_clears_the_pointer(user):
    user.primary_email_address.destroy()
    user.refresh_from_db()
    assert user.primary_email_address_id is None
    assert not user.email_addresses.exists()


def test_deleting_a_non_primary_identifier(user):
    extra = user.create_email_address("extra@example.com")
    extra.destroy()
    assert list(user.email_addresses.values_list("pk", flat=True)) == [
        user.primary_email_address_id
    ]


def test_unverifying_the_primary_is_refused(user):
    refused(
        "primary_identification_cannot_be_unverified",
        identifiers.unverify,
        user.primary_email_address,
    )


def test_unverify_a_secondary_identifier(user):
    extra = identifiers.create_email_address(user, "extra@example.com", verified=True)
    identifiers.unverify(extra)
    extra.refresh_from_db()
    assert extra.verification_status == "unverified"


def test_find_is_case_and_format_insensitive(user):
    user.create_phone_number("+14155550123")
    assert identifiers.find("email_address", user.primary_email_address.email_address.upper())
    assert identifiers.find("phone_number", "(415) 555-0123").user_id == user.pk
    assert identifiers.find("web3_wallet", WALLET) is None


def test_linked_to_names_the_external_account(user):
    from clerk_users.models import ExternalAccount

    email = user.primary_email_address
    assert identifiers.linked_to(email) == []
    account = ExternalAccount.objects.create(
        user=user, provider="oauth_github", provider_user_id="42"
    )
    email.linked_external_account = account
    email.save()
    assert identifiers.linked_to(email) == [
        {"type": "oauth_github", "id": account.identification_id}
    ]


def test_create_user_is_all_or_nothing(make_user):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user(
            "someone", email_address=["ok@example.com"], phone_number=["not a phone"]
        )
    assert info.value.code == "form_param_format_invalid"
    assert db_snapshot() == before


def test_create_user_with_a_taken_identifier_writes_nothing(make_user):
    make_user(email_address="dup@example.com")
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("newcomer", email_address=["fresh@example.com", "DUP@example.com"])
    assert info.value.code == "form_identifier_exists"
    assert db_snapshot() == before


def test_deleting_the_primary_naming_itself_as_new_primary_is_refused(user):
    user.create_email_address("other@example.com")
    primary = user.primary_email_address
    refused(
        "primary_identification_cannot_be_deleted",
        identifiers.delete_identifier,
        primary,
        new_primary=primary,
    )


def test_deleting_the_primary_naming_an_unverified_new_primary_is_refused(user):
    pending = user.create_email_address("pending@example.com")
    refused(
        "form_param_value_invalid",
        identifiers.delete_identifier,
        user.primary_email_address,
        new_primary=pending,
    )
