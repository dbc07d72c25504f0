"""The Django admin exercised through the test client: changelist (search, filters), add,
change (inlines, primaries, metadata), each action, delete."""

from __future__ import annotations

import pytest
from django.urls import reverse

from clerk_users import identifiers, passwords, users
from clerk_users.models import EmailAddress, PhoneNumber, User, Web3Wallet
from tests.admin.helpers import add_inline, change_data, change_url, form_errors
from tests.snapshots import db_snapshot
from tests.sort_keys import assert_sort_keys_match, keys_of

pytestmark = pytest.mark.django_db

CHANGELIST = "admin:clerk_users_user_changelist"


# -- changelist ------------------------------------------------------------------------------
def test_changelist_lists_users(staff_client, user):
    users.ban(user)
    response = staff_client.get(reverse(CHANGELIST))
    assert response.status_code == 200
    html = response.content.decode()
    local, domain = user.primary_email_address.email_address.split("@")
    wrapped = f"{local}<wbr>@{domain}".replace(".", ".<wbr>")
    assert wrapped in html  # wraps before the "@" and at dots only
    assert f'<span class="cu-id" title="{user.pk}">{user.pk}</span>' in html
    assert f"<strong>{user.full_name}</strong>" in html
    assert '<span class="cu-badge cu-badge--danger">banned</span>' in html
    assert '<span class="cu-badge">superuser</span>' in html  # the signed-in admin
    assert "clerk_users/admin/users.css" in html
    columns = response.context["cl"].list_display
    assert columns == [
        "action_checkbox",
        "user_column",
        "primary_email",
        "status",
        "created",
        "last_sign_in",
    ]


@pytest.mark.parametrize(
    "query",
    ["id", "email", "EMAIL_UPPER", "username", "Grace Hopper", "phone", "(415) 555-0123"],
)
def test_search(staff_client, user, other_user, query):
    user.create_phone_number("+14155550123")
    term = {
        "id": user.pk,
        "email": user.primary_email_address.email_address,
        "EMAIL_UPPER": user.primary_email_address.email_address.upper(),
        "username": user.username,
        "phone": "+14155550123",
    }.get(query, query)
    response = staff_client.get(reverse(CHANGELIST), {"q": term})
    assert response.status_code == 200
    found = [u.pk for u in response.context["cl"].result_list]
    assert found == [user.pk]


def test_list_filters(staff_client, user, other_user, make_user):
    users.ban(user)
    passwords.lock(other_user)
    unverified = make_user(email_address=None)
    unverified.create_email_address("pending@example.com")

    def listed(**params: str) -> set[str]:
        response = staff_client.get(reverse(CHANGELIST), params)
        assert response.status_code == 200
        return {u.pk for u in response.context["cl"].result_list}

    assert listed(banned="yes") == {user.pk}
    assert user.pk not in listed(banned="no")
    assert listed(locked="yes") == {other_user.pk}
    assert other_user.pk not in listed(locked="no")
    assert unverified.pk in listed(verified="no")
    assert unverified.pk not in listed(verified="yes")
    assert {user.pk, other_user.pk} <= listed(verified="yes")


# -- actions ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "action, check",
    [
        ("ban_users", lambda u: u.banned),
        ("lock_users", lambda u: u.locked and u.lockout_expires_at is not None),
    ],
)
def test_actions_ban_and_lock(staff_client, user, other_user, action, check):
    response = staff_client.post(
        reverse(CHANGELIST), {"action": action, "_selected_action": [user.pk]}, follow=True
    )
    assert response.status_code == 200
    user.refresh_from_db()
    other_user.refresh_from_db()
    assert check(user)
    assert not check(other_user)
    assert not user.is_active


def test_actions_unban_and_unlock(staff_client, user):
    users.ban(user)
    passwords.lock(user)
    for action in ("unban_users", "unlock_users"):
        response = staff_client.post(
            reverse(CHANGELIST), {"action": action, "_selected_action": [user.pk]}
        )
        assert response.status_code == 302
    user.refresh_from_db()
    assert not user.banned and not user.locked and user.is_active


# -- add -------------------------------------------------------------------------------------
def test_add_page_renders(staff_client):
    response = staff_client.get(reverse("admin:clerk_users_user_add"))
    assert response.status_code == 200
    assert 'name="email_address"' in response.content.decode()


def test_add_user_with_email_and_password(staff_client):
    response = staff_client.post(
        reverse("admin:clerk_users_user_add"),
        {
            "username": "NewPerson",
            "email_address": "New.Person@Example.com",
            "phone_number": "(415) 555-0199",
            "usable_password": "true",
            "password1": "a fine passphrase",
            "password2": "a fine passphrase",
        },
    )
    assert response.status_code == 302, form_errors(response)
    created = User.objects.get(username="newperson")
    assert response["Location"] == change_url(created)
    assert created.primary_email_address.email_address == "new.person@example.com"
    assert created.primary_email_address.verification_strategy == "admin"
    assert created.primary_phone_number.phone_number == "+14155550199"
    assert created.check_password("a fine passphrase")


def test_add_user_without_password(staff_client):
    response = staff_client.post(
        reverse("admin:clerk_users_user_add"),
        {"email_address": "nopw@example.com", "usable_password": "false"},
    )
    assert response.status_code == 302
    created = EmailAddress.objects.get(email_address="nopw@example.com").user
    assert not created.password_enabled
    assert created.username is None


@pytest.mark.parametrize(
    "data, field",
    [
        ({"email_address": "not-an-email"}, "email_address"),
        ({"email_address": "TAKEN@example.com"}, "email_address"),
        ({"phone_number": "12"}, "phone_number"),
        ({"username": "x"}, "username"),
        ({"username": "TakenName"}, "username"),
        ({}, "__all__"),
        (
            {
                "username": "fine_name",
                "password1": "short",
                "password2": "short",
                "usable_password": "true",
            },
            "password2",
        ),
    ],
)
def test_add_bad_input_shows_errors_and_changes_nothing(staff_client, make_user, data, field):
    make_user(username="takenname", email_address="taken@example.com")
    before = db_snapshot()
    body = {"usable_password": "false", **data}
    response = staff_client.post(reverse("admin:clerk_users_user_add"), body)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert db_snapshot() == before


# -- change ----------------------------------------------------------------------------------
def test_change_page_renders_with_inlines_and_readonly_ids(staff_client, user):
    user.create_phone_number("+14155550123")
    response = staff_client.get(change_url(user))
    assert response.status_code == 200
    page = response.content.decode()
    assert user.pk in page
    assert user.primary_email_address.email_address in page
    assert "+14155550123" in page
    form = response.context["adminform"].form
    assert "id" not in form.fields and "created_at" not in form.fields
    assert "banned" not in form.fields  # changed through the actions only
    assert "email" not in form.fields


def test_change_profile_and_metadata(staff_client, user):
    data = change_data(
        staff_client,
        user,
        first_name="Ada",
        public_metadata='{"role": "admin"}',
        private_metadata="",
        unsafe_metadata='{"theme": {"dark": true}}',
    )
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    user.refresh_from_db()
    assert user.first_name == "Ada"
    assert user.public_metadata == {"role": "admin"}
    assert user.private_metadata == {}
    assert user.unsafe_metadata == {"theme": {"dark": True}}


@pytest.mark.parametrize(
    "field, value",
    [
        ("public_metadata", "[1, 2]"),
        ("private_metadata", '"a string"'),
        ("unsafe_metadata", "{not json"),
        ("public_metadata", '{"big": "' + "x" * 9000 + '"}'),
    ],
)
def test_bad_metadata_is_a_form_error(staff_client, user, field, value):
    data = change_data(staff_client, user, **{field: value})
    before = db_snapshot()
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert db_snapshot() == before


def test_primary_choices_are_own_verified_identifiers(staff_client, user, other_user):
    verified = identifiers.create_email_address(user, "second@example.com", verified=True)
    unverified = user.create_email_address("third@example.com")
    response = staff_client.get(change_url(user))
    choices = response.context["adminform"].form.fields["primary_email_address"].queryset
    assert set(choices.values_list("pk", flat=True)) == {user.primary_email_address_id, verified.pk}
    for bad in (unverified.pk, other_user.primary_email_address_id):
        data = change_data(staff_client, user, primary_email_address=bad)
        before = db_snapshot()
        response = staff_client.post(change_url(user), data)
        assert response.status_code == 200
        assert "primary_email_address" in response.context["adminform"].form.errors
        assert db_snapshot() == before


def test_change_primary(staff_client, user):
    second = identifiers.create_email_address(user, "second@example.com", verified=True)
    data = change_data(staff_client, user, primary_email_address=second.pk)
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    user.refresh_from_db()
    assert user.primary_email_address_id == second.pk
    assert keys_of(user)[0] == "second@example.com"  # the sort key moves with the pointer
    assert_sort_keys_match()
    from allauth.account.models import EmailAddress as AllauthEmail

    assert AllauthEmail.objects.get(user=user, primary=True).email == "second@example.com"


def test_inline_adds_identifiers_through_the_domain_module(staff_client, user):
    data = change_data(staff_client, user)
    add_inline(data, "email_addresses", "Added@Example.com", verified=True)
    add_inline(data, "phone_numbers", "(415) 555-0177")
    add_inline(data, "web3_wallets", "0x" + "AB" * 20, verified=True)
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    added = EmailAddress.objects.get(email_address="added@example.com")
    assert added.user_id == user.pk and added.is_verified
    assert added.verification_strategy == "admin"
    phone = PhoneNumber.objects.get(user=user)
    assert phone.phone_number == "+14155550177" and not phone.is_verified
    wallet = Web3Wallet.objects.get(user=user)
    assert wallet.web3_wallet == "0x" + "ab" * 20
    user.refresh_from_db()
    assert user.primary_web3_wallet_id == wallet.pk  # first verified of its kind
    assert user.primary_phone_number_id is None
    from allauth.account.models import EmailAddress as AllauthEmail

    assert AllauthEmail.objects.filter(user=user, email="added@example.com", verified=True)


@pytest.mark.parametrize(
    "prefix, value",
    [
        ("email_addresses", "bad email"),
        ("email_addresses", "OTHER@example.com"),
        ("phone_numbers", "555"),
        ("web3_wallets", "0x1234"),
    ],
)
def test_inline_bad_input_changes_nothing(staff_client, user, make_user, prefix, value):
    make_user(email_address="other@example.com")
    data = change_data(staff_client, user, first_name="Changed")
    add_inline(data, prefix, value)
    before = db_snapshot()
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 200
    assert form_errors(response)
    assert db_snapshot() == before


def test_inline_verify_and_unverify(staff_client, user):
    extra = user.create_email_address("extra@example.com")
    data = change_data(staff_client, user)
    data["email_addresses-1-verified"] = "on"
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    extra.refresh_from_db()
    assert extra.is_verified and extra.verification_strategy == "admin"
    data = change_data(staff_client, user)
    data.pop("email_addresses-1-verified")
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    extra.refresh_from_db()
    assert not extra.is_verified


def test_inline_cannot_unverify_the_primary(staff_client, user):
    data = change_data(staff_client, user)
    data.pop("email_addresses-0-verified")
    before = db_snapshot()
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 200
    assert "must stay verified" in form_errors(response)
    assert db_snapshot() == before


def test_inline_cannot_delete_the_primary_while_others_exist(staff_client, user):
    user.create_email_address("extra@example.com")
    data = change_data(staff_client, user, **{"email_addresses-0-DELETE": "on"})
    before = db_snapshot()
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 200
    assert "cannot be deleted" in form_errors(response)
    assert db_snapshot() == before


def test_inline_delete_primary_after_choosing_another(staff_client, user):
    old = user.primary_email_address
    second = identifiers.create_email_address(user, "second@example.com", verified=True)
    data = change_data(
        staff_client,
        user,
        primary_email_address=second.pk,
        **{"email_addresses-0-DELETE": "on"},
    )
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    user.refresh_from_db()
    assert user.primary_email_address_id == second.pk
    assert not EmailAddress.objects.filter(pk=old.pk).exists()
    assert keys_of(user)[0] == "second@example.com"
    assert_sort_keys_match()


def test_inline_delete_the_only_identifier(staff_client, user):
    data = change_data(staff_client, user, **{"email_addresses-0-DELETE": "on"})
    data["primary_email_address"] = ""
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 302, form_errors(response)
    user.refresh_from_db()
    assert user.primary_email_address_id is None
    assert not user.email_addresses.exists()
    assert keys_of(user)[0] is None
    assert_sort_keys_match()


def test_password_change_page(staff_client, user):
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    response = staff_client.post(
        url,
        {
            "password1": "another fine phrase",
            "password2": "another fine phrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("another fine phrase")


def test_delete_user(staff_client, user):
    url = reverse("admin:clerk_users_user_delete", args=[user.pk])
    assert staff_client.get(url).status_code == 200
    response = staff_client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not User.objects.filter(pk=user.pk).exists()
    assert not EmailAddress.objects.filter(user_id=user.pk).exists()


def test_admin_login_with_a_created_superuser(client, monkeypatch):
    from django.core.management import call_command

    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", "root password 123")
    call_command("createsuperuser", interactive=False, username="Root", verbosity=0)
    root = User.objects.get(username="root")
    assert root.is_superuser and root.is_staff and root.is_active
    response = client.post(
        reverse("admin:login"),
        {"username": "root", "password": "root password 123", "next": "/admin/"},
    )
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get(reverse(CHANGELIST)).status_code == 200


def test_banned_staff_cannot_log_into_the_admin(client, monkeypatch):
    staff = User.objects.create_superuser("staffer", "staff password 123")
    users.ban(staff)
    response = client.post(
        reverse("admin:login"), {"username": "staffer", "password": "staff password 123"}
    )
    assert response.status_code == 200  # the form again, with an error
    assert "_auth_user_id" not in client.session


def test_inline_adding_the_same_address_twice_is_a_form_error(staff_client, user):
    data = change_data(staff_client, user)
    add_inline(data, "email_addresses", "twice@example.com")
    add_inline(data, "email_addresses", "TWICE@example.com")
    before = db_snapshot()
    response = staff_client.post(change_url(user), data)
    assert response.status_code == 200
    assert "added twice" in form_errors(response)
    assert db_snapshot() == before


def test_changelist_queries_do_not_grow_with_users(staff_client, make_user):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(5):
        make_user()
    staff_client.get(reverse(CHANGELIST))  # warm-up: session activity is written once
    with CaptureQueriesContext(connection) as few:
        assert staff_client.get(reverse(CHANGELIST)).status_code == 200
    for _ in range(45):
        make_user()
    with CaptureQueriesContext(connection) as many:
        response = staff_client.get(reverse(CHANGELIST))
    assert len(response.context["cl"].result_list) == 51
    assert len(many.captured_queries) == len(few.captured_queries)
