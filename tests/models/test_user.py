"""The user model and its Python API (contract §4), and the constant-query loader."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from clerk_users import identifiers, passwords, users
from clerk_users.api.serializers import user_json
from clerk_users.errors import ClerkError
from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet
from tests.snapshots import db_snapshot

pytestmark = pytest.mark.django_db


def test_create_user_with_lists_makes_the_first_of_each_kind_primary():
    user = User.objects.create_user(
        "Grace",
        "a long password",
        email_address=["Grace@Example.com", "g@example.org"],
        phone_number=["+14155550123", "+14155550124"],
        web3_wallet="0x" + "AB" * 20,
        first_name="Grace",
        last_name="Hopper",
        public_metadata={"role": "admin"},
        external_id="ext-1",
    )
    assert user.id.startswith("user_")
    assert user.username == "grace"
    assert user.primary_email_address.email_address == "grace@example.com"
    assert user.primary_phone_number.phone_number == "+14155550123"
    assert user.primary_web3_wallet.web3_wallet == "0x" + "ab" * 20
    for row in [*user.email_addresses.all(), *user.phone_numbers.all(), *user.web3_wallets.all()]:
        assert row.is_verified and row.verification_strategy == "admin"
        assert row.verification_object == "verification_admin"
    assert user.public_metadata == {"role": "admin"}
    assert user.external_id == "ext-1"
    assert user.full_name == "Grace Hopper"
    assert user.get_full_name() == "Grace Hopper"
    assert user.password_enabled
    assert user.is_active
    assert str(user) == "grace"


def test_create_user_refuses_unknown_fields():
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("someone", favourite_colour="blue")
    assert info.value.code == "form_param_unknown"
    assert db_snapshot() == before


@pytest.mark.parametrize("username", ["ab", "has space", "émile", "x" * 65])
def test_create_user_refuses_bad_usernames(username):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user(username)
    assert info.value.code == "form_param_format_invalid"
    assert db_snapshot() == before


def test_duplicate_username_in_any_case(user):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        User.objects.create_user(user.username.upper())
    assert info.value.code == "form_identifier_exists"
    assert db_snapshot() == before
    with pytest.raises(ClerkError) as info:
        User.objects.create_user("someone", external_id="x1")
        User.objects.create_user("someone2", external_id="x1")
    assert info.value.code == "form_identifier_exists"
    assert info.value.param_name == "external_id"


def test_create_superuser():
    admin = User.objects.create_superuser("root", "root password 1", email_address="r@x.com")
    assert admin.is_staff and admin.is_superuser
    assert admin.has_perm("clerk_users.change_user")
    assert admin.primary_email_address.email_address == "r@x.com"


def test_str_falls_back_to_email_then_id():
    by_email = User.objects.create_user(email_address="only@example.com")
    assert str(by_email) == "only@example.com"
    bare = User.objects.create_user()
    assert str(bare) == bare.pk


def test_python_api_create_identifiers(user):
    email = user.create_email_address("x@example.com")
    phone = user.create_phone_number("+14155550123")
    wallet = user.create_web3_wallet("0x" + "1" * 40)
    assert isinstance(email, EmailAddress) and email.user_id == user.pk
    assert isinstance(phone, PhoneNumber) and not phone.is_verified
    assert isinstance(wallet, Web3Wallet) and wallet.verification_strategy == ""


def test_update_changes_allowed_fields(user):
    second = identifiers.create_email_address(user, "second@example.com", verified=True)
    user.update(
        username="grace_h",
        first_name="G",
        last_name="H",
        primary_email_address_id=second.pk,
        unsafe_metadata={"a": 1},
        password="another passphrase",
    )
    user.refresh_from_db()
    assert user.username == "grace_h"
    assert user.full_name == "G H"
    assert user.primary_email_address_id == second.pk
    assert user.unsafe_metadata == {"a": 1}
    assert user.check_password("another passphrase")


@pytest.mark.parametrize(
    "params, code",
    [
        ({"public_metadata": {"a": 1}}, "form_param_unknown"),
        ({"private_metadata": {"a": 1}}, "form_param_unknown"),
        ({"banned": True}, "form_param_unknown"),
        ({"username": "no"}, "form_param_format_invalid"),
        ({"last_name": 5}, "form_param_format_invalid"),
        ({"primary_phone_number_id": "idn_missing"}, "form_param_value_invalid"),
    ],
)
def test_update_refuses_what_clerkjs_cannot_change(user, params, code):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        user.update(first_name="Changed", **params)
    assert info.value.code == code
    assert db_snapshot() == before


def test_update_to_a_taken_username(user, other_user):
    before = db_snapshot()
    with pytest.raises(ClerkError) as info:
        user.update(username=other_user.username.upper())
    assert info.value.code == "form_identifier_exists"
    assert db_snapshot() == before


def test_two_factor_state_comes_from_allauth_mfa(user):
    from allauth.mfa.models import Authenticator

    assert user.two_factor_enabled() is False
    assert not user.totp_enabled and not user.backup_code_enabled
    Authenticator.objects.create(user=user, type=Authenticator.Type.TOTP, data={"secret": "x"})
    assert user.two_factor_enabled() is True
    assert user.totp_enabled
    Authenticator.objects.create(user=user, type=Authenticator.Type.RECOVERY_CODES, data={})
    assert user.backup_code_enabled
    Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).delete()
    assert user.two_factor_enabled() is False  # recovery codes alone are not a second factor


def test_flags_banned_locked_and_is_active(user):
    assert user.is_active and not user.locked
    users.ban(user)
    assert not user.is_active
    users.unban(user)
    passwords.lock(user)
    user.refresh_from_db()
    assert user.locked and not user.is_active
    assert user.lockout_expires_in_seconds > 3500


def test_last_sign_in_at_is_last_login(user):
    assert user.last_sign_in_at is None
    users.touch_sign_in(user)
    user.refresh_from_db()
    assert user.last_sign_in_at == user.last_login is not None
    assert user.last_active_at is not None


def test_password_enabled_false_without_password():
    user = User.objects.create_user("nopassword", email_address="np@example.com")
    assert not user.password_enabled


def test_delete_user_removes_identifiers(user):
    user_id = users.delete_user(user)
    assert not User.objects.filter(pk=user_id).exists()
    assert not EmailAddress.objects.filter(user_id=user_id).exists()


# -- constant-query loading ------------------------------------------------------------------
def make_population(count: int) -> None:
    start = User.objects.count()
    for i in range(start, start + count):
        User.objects.create_user(
            f"pop{i:04d}",
            email_address=[f"p{i}a@example.com", f"p{i}b@example.com", f"p{i}c@example.com"],
            phone_number=[f"+1415555{i:04d}", f"+1415666{i:04d}"],
            web3_wallet=f"0x{i:040x}",
        )


def load_and_serialize() -> list[dict]:
    return [user_json(u) for u in User.objects.with_identifiers()]


def test_with_identifiers_is_constant_in_queries(django_assert_max_num_queries):
    make_population(10)
    with CaptureQueriesContext(connection) as ten:
        data = load_and_serialize()
    assert len(data) == 10
    assert all(
        len(d["email_addresses"]) == 3
        and len(d["phone_numbers"]) == 2
        and len(d["web3_wallets"]) == 1
        for d in data
    )
    make_population(90)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        data = load_and_serialize()
    assert len(data) == 100
    assert len(ten.captured_queries) <= 10, [q["sql"] for q in ten.captured_queries]
    print(f"with_identifiers + user_json: {len(ten.captured_queries)} queries for 10 and 100")


def test_natural_key_lookup_is_case_insensitive(user):
    from django.contrib.auth import authenticate

    assert User.objects.get_by_natural_key(user.username.upper()).pk == user.pk
    assert authenticate(username=user.username.upper(), password="correct horse battery")


def test_createsuperuser_refuses_a_taken_username_in_another_case(user, monkeypatch):
    from django.core.management import CommandError, call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root password 123")
    before = db_snapshot()
    with pytest.raises(CommandError):
        call_command("createsuperuser", interactive=False, username=user.username.upper())
    assert db_snapshot() == before
