"""allauth's ``account.EmailAddress`` mirrors ours, both ways, and allauth's own pages (sign-up
with code verification, login by email or username, email management) produce our identifiers.
"""

from __future__ import annotations

import re
from typing import Any

import bcrypt
import pytest
from allauth.account.models import EmailAddress as AllauthEmail
from django.core import mail
from django.urls import reverse

from clerk_users import identifiers, users
from clerk_users.models import EmailAddress, User

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def mirror_of(user: Any) -> set[tuple[str, bool, bool]]:
    return {(a.email, a.verified, a.primary) for a in AllauthEmail.objects.filter(user_id=user.pk)}


def ours_of(user: Any) -> set[tuple[str, bool, bool]]:
    user = User.objects.get(pk=user.pk)
    return {
        (e.email_address, e.is_verified, e.pk == user.primary_email_address_id)
        for e in EmailAddress.objects.filter(user_id=user.pk)
    }


def assert_consistent(user: Any) -> None:
    assert mirror_of(user) == ours_of(user)


def allauth_code() -> str:
    """The code in allauth's last verification email."""
    body = mail.outbox[-1].body
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


# -- ours -> allauth -------------------------------------------------------------------------
def test_create_user_mirrors_verified_primary(user):
    email = user.primary_email_address.email_address
    assert mirror_of(user) == {(email, True, True)}


def test_create_verify_set_primary_delete_are_mirrored(user):
    first = user.primary_email_address.email_address
    second = user.create_email_address("Second@Example.com")
    assert mirror_of(user) == {(first, True, True), ("second@example.com", False, False)}
    identifiers.verify(second)
    assert_consistent(user)
    identifiers.set_primary(user, second)
    assert mirror_of(user) == {(first, True, False), ("second@example.com", True, True)}
    identifiers.delete_identifier(EmailAddress.objects.get(email_address=first))
    assert mirror_of(user) == {("second@example.com", True, True)}
    identifiers.create_email_address(user, "third@example.com", verified=True)
    identifiers.unverify(EmailAddress.objects.get(email_address="third@example.com"))
    assert_consistent(user)


def test_code_verification_is_mirrored(user):
    email = user.create_email_address("coded@example.com")
    email.prepare_verification()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    email.attempt_verification(code)
    assert ("coded@example.com", True, False) in mirror_of(user)
    assert_consistent(user)


def test_deleting_the_user_deletes_the_mirror(user):
    users.delete_user(user)
    assert not AllauthEmail.objects.filter(user_id=user.pk).exists()


def test_sync_repairs_a_drifted_mirror(user):
    from clerk_users import allauth_sync

    AllauthEmail.objects.filter(user=user).update(verified=False, primary=False)
    with allauth_sync._syncing():
        AllauthEmail.objects.create(user=user, email="stray@example.com", verified=True)
    allauth_sync.sync_user(user.pk)
    assert_consistent(user)


# -- allauth -> ours (through allauth's own pages) ------------------------------------------
def signup(client: Any, email: str, username: str, password: str = PASSWORD) -> Any:
    return client.post(
        reverse("account_signup"),
        {"email": email, "username": username, "password1": password, "password2": password},
    )


def test_signup_with_code_verification_produces_our_identifiers(client):
    response = signup(client, "New.Person@Example.com", "NewPerson")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(username="newperson")
    email = EmailAddress.objects.get(user=user)
    assert email.email_address == "new.person@example.com"
    assert not email.is_verified
    assert user.primary_email_address_id is None
    assert_consistent(user)
    assert "_auth_user_id" not in client.session  # mandatory verification first

    # A wrong code does not verify.
    response = client.post(reverse("account_email_verification_sent"), {"code": "WRONG1"})
    assert response.status_code == 200
    email.refresh_from_db()
    assert not email.is_verified

    response = client.post(reverse("account_email_verification_sent"), {"code": allauth_code()})
    assert response.status_code == 302
    email.refresh_from_db()
    user.refresh_from_db()
    assert email.is_verified
    assert user.primary_email_address_id == email.pk
    assert mirror_of(user) == {("new.person@example.com", True, True)}
    assert client.session["_auth_user_id"] == user.pk
    assert user.check_password(PASSWORD)


def test_signup_with_an_address_of_another_user_creates_nothing(client, user):
    taken = user.primary_email_address.email_address
    before = User.objects.count()
    signup(client, taken.upper(), "someoneelse")
    assert User.objects.count() == before
    assert EmailAddress.objects.filter(email_address__iexact=taken).count() == 1


@pytest.mark.parametrize("how", ["email", "username", "EMAIL_UPPER"])
def test_login_by_email_or_username(client, user, how):
    login = {
        "email": user.primary_email_address.email_address,
        "EMAIL_UPPER": user.primary_email_address.email_address.upper(),
        "username": user.username,
    }[how]
    response = client.post(reverse("account_login"), {"login": login, "password": PASSWORD})
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.session["_auth_user_id"] == user.pk


def test_login_by_a_secondary_verified_address(client, user):
    identifiers.create_email_address(user, "alias@example.com", verified=True)
    response = client.post(
        reverse("account_login"), {"login": "alias@example.com", "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == user.pk


@pytest.mark.parametrize(
    "block", [users.ban, lambda u: __import__("clerk_users.passwords", fromlist=["lock"]).lock(u)]
)
def test_banned_or_locked_user_cannot_log_in(client, user, block):
    block(user)
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert "_auth_user_id" not in client.session
    assert response.status_code in (200, 302)
    if response.status_code == 302:
        assert response["Location"] == reverse("account_inactive")


def test_wrong_password_counts_once_toward_the_lockout(client, user):
    client.post(reverse("account_login"), {"login": user.username, "password": "nope nope"})
    user.refresh_from_db()
    assert user.failed_verification_attempts == 1


def test_bcrypt_digest_user_logs_in_through_allauth_and_is_upgraded(client):
    digest = bcrypt.hashpw(b"imported secret 9", bcrypt.gensalt(rounds=4)).decode()
    user = User.objects.create_user(
        "imported",
        email_address="imported@example.com",
        password_digest=digest,
        password_hasher="bcrypt",
    )
    response = client.post(
        reverse("account_login"), {"login": "imported@example.com", "password": "imported secret 9"}
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == user.pk
    user.refresh_from_db()
    assert not user.password.startswith("bcrypt$")
    assert user.check_password("imported secret 9")


@pytest.fixture
def signed_in(client, user):
    client.force_login(user)
    return client


def test_email_page_add_then_verify_by_code(signed_in, user):
    response = signed_in.post(reverse("account_email"), {"action_add": "", "email": "Added@X.com"})
    assert response.status_code == 302
    # With verification by code, allauth keeps the new address in the session until verified.
    assert not EmailAddress.objects.filter(email_address="added@x.com").exists()
    assert_consistent(user)
    response = signed_in.post(reverse("account_email_verification_sent"), {"code": allauth_code()})
    assert response.status_code == 302
    added = EmailAddress.objects.get(user=user, email_address="added@x.com")
    assert added.is_verified
    assert added.verification_strategy == "email_code"
    user.refresh_from_db()
    assert user.primary_email_address.email_address != "added@x.com"  # primary stays
    assert_consistent(user)


def test_email_page_make_primary(signed_in, user):
    identifiers.create_email_address(user, "other@example.com", verified=True)
    response = signed_in.post(
        reverse("account_email"), {"action_primary": "", "email": "other@example.com"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.primary_email_address.email_address == "other@example.com"
    assert_consistent(user)


def test_email_page_cannot_make_an_unverified_address_primary(signed_in, user):
    primary = user.primary_email_address_id
    user.create_email_address("pending@example.com")
    signed_in.post(reverse("account_email"), {"action_primary": "", "email": "pending@example.com"})
    user.refresh_from_db()
    assert user.primary_email_address_id == primary
    assert_consistent(user)


def test_email_page_remove(signed_in, user):
    identifiers.create_email_address(user, "other@example.com", verified=True)
    response = signed_in.post(
        reverse("account_email"), {"action_remove": "", "email": "other@example.com"}
    )
    assert response.status_code == 302
    assert not EmailAddress.objects.filter(email_address="other@example.com").exists()
    assert_consistent(user)


def test_email_page_cannot_remove_the_primary(signed_in, user):
    identifiers.create_email_address(user, "other@example.com", verified=True)
    primary = user.primary_email_address
    signed_in.post(reverse("account_email"), {"action_remove": "", "email": primary.email_address})
    assert EmailAddress.objects.filter(pk=primary.pk).exists()
    user.refresh_from_db()
    assert user.primary_email_address_id == primary.pk
    assert_consistent(user)


def test_email_page_cannot_add_an_address_of_another_user(signed_in, user, other_user):
    taken = other_user.primary_email_address.email_address
    signed_in.post(reverse("account_email"), {"action_add": "", "email": taken.upper()})
    assert EmailAddress.objects.filter(email_address=taken).get().user_id == other_user.pk
    assert_consistent(user)
    assert_consistent(other_user)


@pytest.mark.parametrize("username", ["bob@home", "has space", "abc", "x" * 65])
def test_signup_refuses_usernames_our_rules_refuse(client, username):
    before = User.objects.count()
    response = signup(client, "fresh@example.com", username)
    assert response.status_code == 200
    assert "username" in response.context["form"].errors
    assert User.objects.count() == before
    assert not EmailAddress.objects.exists()


def test_signup_weak_password_is_refused(client):
    response = signup(client, "weak@example.com", "weakling", password="password")
    assert response.status_code == 200
    assert not User.objects.filter(username="weakling").exists()


def test_password_reset_through_allauth_finds_a_secondary_address(client, user):
    identifiers.create_email_address(user, "alias@example.com", verified=True)
    response = client.post(reverse("account_reset_password"), {"email": "ALIAS@example.com"})
    assert response.status_code == 302
    assert mail.outbox and mail.outbox[-1].to == ["alias@example.com"]
    link = re.search(r"http://testserver(/accounts/password/reset/key/\S+/)", mail.outbox[-1].body)
    response = client.get(link.group(1), follow=True)
    assert response.status_code == 200
    response = client.post(
        response.redirect_chain[-1][0] if response.redirect_chain else link.group(1),
        {"password1": "a new pass phrase", "password2": "a new pass phrase"},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("a new pass phrase")


def test_password_reset_is_not_sent_to_a_banned_user(client, user):
    users.ban(user)
    client.post(
        reverse("account_reset_password"), {"email": user.primary_email_address.email_address}
    )
    assert not any("reset" in m.body.lower() and "/key/" in m.body for m in mail.outbox)


@pytest.mark.parametrize("block", ["ban", "lock"])
def test_a_signed_in_user_is_signed_out_once_banned_or_locked(client, user, block):
    from clerk_users import passwords

    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("account_email")).status_code == 200
    (users.ban if block == "ban" else passwords.lock)(user)
    response = client.get(reverse("account_email"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))
