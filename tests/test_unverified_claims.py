"""Issue 12, finding 4: an unverified identifier claims nothing (no pre-account hijack).

An attacker's account adds ``newbie@example.com`` unverified. Before the fix the real
owner's sign-up through allauth was silently blocked, the "account already exists" mail led
to a password reset of the attacker's account, and the Frontend/Backend APIs refused the
owner the address. The tests marked "failed before" failed on the code before the fix.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress as AllauthEmail
from django.core import mail
from django.urls import reverse

from clerk_users import errors, identifiers
from clerk_users.models import EmailAddress, PhoneNumber, User
from tests.api.frontend.conftest import FrontendClient, error_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"
NEWBIE = "newbie@example.com"


@pytest.fixture
def attacker(make_user: Any) -> Any:
    user = make_user(username="attacker")
    user.create_email_address(NEWBIE)  # unverified: a claim the attacker cannot prove
    return user


def signup(client: Any, email: str, username: str) -> Any:
    return client.post(
        reverse("account_signup"),
        {"email": email, "username": username, "password1": PASSWORD, "password2": PASSWORD},
    )


def allauth_code() -> str:
    body = mail.outbox[-1].body
    match = re.search(r"^\s*([A-Z0-9]{4}-?[A-Z0-9]{4}|[A-Z0-9]{6})\s*$", body, re.MULTILINE)
    assert match, body
    return match.group(1)


def test_owner_signs_up_with_an_address_someone_else_holds_unverified(
    client: Any, attacker: Any
) -> None:
    """Failed before: no account was created and the attacker's claim stayed."""
    mail.outbox.clear()
    response = signup(client, NEWBIE, "realnewbie")
    assert response.status_code == 302, response.content[:500]
    owner = User.objects.get(username="realnewbie")
    assert mail.outbox[-1].to == [NEWBIE] and "already" not in mail.outbox[-1].subject.lower()
    # Both claims exist until one is verified.
    assert EmailAddress.objects.filter(email_address=NEWBIE).count() == 2
    response = client.post(reverse("account_email_verification_sent"), {"code": allauth_code()})
    assert response.status_code == 302
    mine = EmailAddress.objects.get(email_address=NEWBIE)
    assert mine.user_id == owner.pk and mine.is_verified
    assert User.objects.get(pk=owner.pk).primary_email_address_id == mine.pk
    # Verifying removed the attacker's claim, in our table and in allauth's.
    assert not EmailAddress.objects.filter(user=attacker, email_address=NEWBIE).exists()
    assert not AllauthEmail.objects.filter(user_id=attacker.pk, email=NEWBIE).exists()


def test_no_account_exists_mail_for_an_unverified_claim(client: Any, attacker: Any) -> None:
    """Failed before: the owner got "account already exists" for the attacker's account."""
    mail.outbox.clear()
    signup(client, NEWBIE, "realnewbie")
    assert not any("already" in m.subject.lower() for m in mail.outbox)


def test_account_exists_mail_still_goes_to_a_verified_address(client: Any, user: Any) -> None:
    taken = user.primary_email_address.email_address
    mail.outbox.clear()
    signup(client, taken, "someoneelse")
    assert not User.objects.filter(username="someoneelse").exists()
    assert [m.to for m in mail.outbox] == [[taken]]
    assert "already" in mail.outbox[0].body.lower() or "exist" in mail.outbox[0].body.lower()


def test_password_reset_never_goes_to_an_unverified_address(client: Any, attacker: Any) -> None:
    """Failed before: the reset link of the attacker's account went to the owner's mailbox."""
    mail.outbox.clear()
    response = client.post(reverse("account_reset_password"), {"email": NEWBIE})
    assert response.status_code == 302
    assert not any("/password/reset/key/" in m.body for m in mail.outbox)


def test_password_reset_goes_to_a_verified_address(client: Any, user: Any) -> None:
    email = user.primary_email_address.email_address
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": email})
    assert any("/password/reset/key/" in m.body and m.to == [email] for m in mail.outbox)


def test_frontend_api_adds_and_verifies_an_address_another_user_claims(
    user: Any, attacker: Any
) -> None:
    """Failed before: 422 form_identifier_exists."""
    api = FrontendClient(user)
    created = api.post("me/email_addresses", {"email_address": NEWBIE})
    assert created.status_code == 200, created.content
    address = EmailAddress.objects.get(user=user, email_address=NEWBIE)
    address.prepare_verification()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
    verified = api.post(f"me/email_addresses/{address.pk}/attempt_verification", {"code": code})
    assert verified.status_code == 200, verified.content
    assert list(EmailAddress.objects.filter(email_address=NEWBIE).values_list("user_id")) == [
        (user.pk,)
    ]


def test_a_verified_address_stays_taken(user: Any, other_user: Any) -> None:
    taken = user.primary_email_address.email_address
    api = FrontendClient(other_user)
    response = api.post("me/email_addresses", {"email_address": taken.upper()})
    assert response.status_code == 422 and error_code(response) == "form_identifier_exists"
    with pytest.raises(errors.ClerkError) as exc:
        identifiers.create_email_address(other_user, taken, verified=True)
    assert exc.value.code == "form_identifier_exists"


def test_the_same_user_cannot_claim_an_address_twice(user: Any) -> None:
    user.create_email_address("twice@example.com")
    with pytest.raises(errors.ClerkError) as exc:
        user.create_email_address("TWICE@example.com")
    assert exc.value.code == "form_identifier_exists"


def test_backend_creating_a_verified_address_releases_unverified_claims(
    attacker: Any, make_user: Any
) -> None:
    owner = make_user(email_address=None)
    created = identifiers.create_email_address(owner, NEWBIE, verified=True)
    assert list(EmailAddress.objects.filter(email_address=NEWBIE)) == [created]


def test_phone_numbers_follow_the_same_rule(user: Any, other_user: Any) -> None:
    claim = identifiers.create_phone_number(other_user, "+14155550123")
    mine = identifiers.create_phone_number(user, "+1 415 555 0123")
    identifiers.verify(mine)
    assert not PhoneNumber.objects.filter(pk=claim.pk).exists()
    with pytest.raises(errors.ClerkError):
        identifiers.create_phone_number(other_user, "+14155550123")


def test_verifying_after_someone_else_verified_is_refused(user: Any, other_user: Any) -> None:
    first = identifiers.create_email_address(user, "race@example.com")
    second = identifiers.create_email_address(other_user, "race@example.com")
    identifiers.verify(first)
    assert not EmailAddress.objects.filter(pk=second.pk).exists()
    assert identifiers.verified_holder("email_address", "RACE@example.com") == first


# -- finding 6: the last way to sign in, for every kind, in either order ----------------------
@pytest.mark.parametrize("order", ["account_first", "email_first"])
def test_a_passwordless_user_keeps_a_way_to_sign_in(make_user: Any, order: str) -> None:
    """Failed before (account_first): the external account went (an email remained), then
    the last email went too, leaving no way to sign in."""
    from clerk_users.models import ExternalAccount

    user = make_user(username=None, email_address="oauth-only@example.com", password=None)
    user.set_unusable_password()
    user.save()
    account = ExternalAccount.objects.create(
        user=user, provider="oauth_github", provider_user_id="77", verification_status="verified"
    )
    api = FrontendClient(user)
    email_id = User.objects.get(pk=user.pk).primary_email_address_id
    steps = [f"me/external_accounts/{account.pk}", f"me/email_addresses/{email_id}"]
    if order == "email_first":
        steps.reverse()
    assert api.delete(steps[0]).status_code == 200
    refused = api.delete(steps[1])
    assert refused.status_code == 403
    assert error_code(refused) == "last_identification_deletion_failed"
    remaining = (
        EmailAddress.objects.filter(user=user).count()
        + ExternalAccount.objects.filter(user=user).count()
    )
    assert remaining == 1
