"""One-time code verification (contract §8): 6 digits, hashed at rest, 10-minute expiry,
3 attempts, 30 s resend cooldown, email through Django's backend, SMS through the pluggable one.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clerk_users import verification
from clerk_users.errors import ClerkError
from clerk_users.models import EmailAddress, PhoneNumber

pytestmark = pytest.mark.django_db


def last_code_from_mail() -> str:
    return re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)


def last_code_from_sms(outbox) -> str:
    return re.search(r"\b(\d{6})\b", outbox[-1].body).group(1)


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Codes sent are counted per address (``verification.limit_sends``), in the cache that
    outlives a test: every test starts with none."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def email(user) -> EmailAddress:
    return user.create_email_address("verify.me@example.com")


@pytest.fixture
def phone(user) -> PhoneNumber:
    return user.create_phone_number("+14155550123")


def test_email_code_is_sent_by_email_and_not_stored(email):
    email.prepare_verification("email_code")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["verify.me@example.com"]
    code = last_code_from_mail()
    assert len(code) == 6 and code.isdigit()
    row = EmailAddress.objects.get(pk=email.pk)
    stored = [str(v) for v in EmailAddress.objects.filter(pk=email.pk).values_list()[0]]
    assert not any(code in value for value in stored)  # only an HMAC is at rest
    assert row.verification_secret and len(row.verification_secret) == 64
    assert row.verification_strategy == "email_code"
    assert row.verification_status == "unverified"
    assert row.verification_attempts == 0
    lifetime = row.verification_expire_at - row.verification_sent_at
    assert lifetime == timedelta(minutes=10)


def test_correct_email_code_verifies_and_makes_primary_when_none(make_user):
    user = make_user(email_address=None)
    email = user.create_email_address("fresh@example.com")
    email.prepare_verification()
    email.attempt_verification(last_code_from_mail())
    email.refresh_from_db()
    user.refresh_from_db()
    assert email.is_verified
    assert email.verification_secret == ""
    assert email.verified_at is not None
    assert user.primary_email_address_id == email.pk


def test_correct_code_does_not_steal_an_existing_primary(user, email):
    primary = user.primary_email_address_id
    email.prepare_verification()
    email.attempt_verification(last_code_from_mail())
    user.refresh_from_db()
    assert user.primary_email_address_id == primary


def test_sms_code_goes_through_the_sms_backend(phone, sms_outbox):
    phone.prepare_verification("phone_code")
    assert len(sms_outbox) == 1
    assert sms_outbox[0].to == "+14155550123"
    code = last_code_from_sms(sms_outbox)
    assert not mail.outbox
    phone.attempt_verification(code)
    phone.refresh_from_db()
    assert phone.is_verified
    assert phone.verification_strategy == "phone_code"


def test_wrong_code_then_failed_after_three_attempts(email):
    email.prepare_verification()
    code = last_code_from_mail()
    for remaining in (2, 1, 0):
        with pytest.raises(ClerkError) as info:
            email.attempt_verification(wrong(code))
        assert info.value.code == "form_code_incorrect"
        assert info.value.status == 422
        assert info.value.meta["attempts_remaining"] == remaining
    email.refresh_from_db()
    assert email.verification_attempts == 3
    assert email.verification_status == "failed"
    with pytest.raises(ClerkError) as info:
        email.attempt_verification(code)  # the right code is too late now
    assert info.value.code == "verification_failed"
    assert info.value.status == 400
    email.refresh_from_db()
    assert not email.is_verified
    assert email.verification_attempts == 3


def test_expired_code_is_refused(email):
    email.prepare_verification()
    code = last_code_from_mail()
    EmailAddress.objects.filter(pk=email.pk).update(
        verification_expire_at=timezone.now() - timedelta(seconds=1)
    )
    with pytest.raises(ClerkError) as info:
        email.attempt_verification(code)
    assert info.value.code == "verification_expired"
    assert info.value.status == 400
    email.refresh_from_db()
    assert email.verification_status == "expired"
    assert not email.is_verified


def test_resend_cooldown_of_30_seconds(email):
    email.prepare_verification()
    with pytest.raises(ClerkError) as info:
        email.prepare_verification()
    assert info.value.code == "too_many_requests"
    assert info.value.status == 429
    assert 1 <= info.value.retry_after <= 30
    assert len(mail.outbox) == 1
    EmailAddress.objects.filter(pk=email.pk).update(
        verification_sent_at=timezone.now() - timedelta(seconds=31)
    )
    email.prepare_verification()
    assert len(mail.outbox) == 2


def test_new_code_after_failure_resets_attempts(email):
    email.prepare_verification()
    for _ in range(3):
        with pytest.raises(ClerkError):
            email.attempt_verification("000000" if last_code_from_mail() != "000000" else "111111")
    EmailAddress.objects.filter(pk=email.pk).update(
        verification_sent_at=timezone.now() - timedelta(seconds=31)
    )
    email.prepare_verification()
    email.refresh_from_db()
    assert email.verification_attempts == 0
    assert email.verification_status == "unverified"
    email.attempt_verification(last_code_from_mail())
    assert email.is_verified


def test_old_code_is_invalid_after_a_new_one(email):
    email.prepare_verification()
    first = last_code_from_mail()
    EmailAddress.objects.filter(pk=email.pk).update(
        verification_sent_at=timezone.now() - timedelta(seconds=31)
    )
    email.prepare_verification()
    second = last_code_from_mail()
    if first != second:
        with pytest.raises(ClerkError) as info:
            email.attempt_verification(first)
        assert info.value.code == "form_code_incorrect"
    email.attempt_verification(second)
    assert email.is_verified


def test_attempt_without_prepare(email):
    with pytest.raises(ClerkError) as info:
        email.attempt_verification("123456")
    assert info.value.code == "verification_missing"


def test_attempt_without_code(email):
    email.prepare_verification()
    with pytest.raises(ClerkError) as info:
        email.attempt_verification("")
    assert info.value.code == "form_param_missing"
    email.refresh_from_db()
    assert email.verification_attempts == 0


def test_prepare_on_verified_identifier(user):
    with pytest.raises(ClerkError) as info:
        user.primary_email_address.prepare_verification()
    assert info.value.code == "verification_already_verified"
    assert not mail.outbox


def test_prepare_with_wrong_strategy(email, phone):
    with pytest.raises(ClerkError) as info:
        email.prepare_verification("phone_code")
    assert info.value.code == "form_param_value_invalid"
    with pytest.raises(ClerkError):
        phone.prepare_verification("email_code")
    assert not mail.outbox


def test_codes_are_six_digits_with_leading_zeros(monkeypatch):
    monkeypatch.setattr(verification.secrets, "randbelow", lambda n: 42)
    assert verification.generate_code() == "000042"


def test_code_length_is_configurable(settings, email):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "VERIFICATION_CODE_LENGTH": 8}
    email.prepare_verification()
    assert re.search(r"\b\d{8}\b", mail.outbox[-1].body)


def test_digest_depends_on_identifier_and_secret_key(email, phone, settings):
    a = verification.digest(email, "123456")
    assert a != verification.digest(phone, "123456")
    settings.SECRET_KEY = "another"
    assert a != verification.digest(email, "123456")


def test_codes_are_compared_in_constant_time(email, monkeypatch):
    calls = []
    real = verification.hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    monkeypatch.setattr(verification.hmac, "compare_digest", spy)
    email.prepare_verification()
    email.attempt_verification(last_code_from_mail())
    assert len(calls) == 1


def test_wrong_codes_count_toward_the_user_lockout(user, settings):
    from clerk_users.models import User

    settings.CLERK_USERS = {**settings.CLERK_USERS, "LOCKOUT_MAX_ATTEMPTS": 4}
    for n in range(2):
        email = user.create_email_address(f"lock{n}@example.com")
        email.prepare_verification()
        code = last_code_from_mail()
        for _ in range(2):
            with pytest.raises(ClerkError):
                email.attempt_verification(wrong(code))
    user = User.objects.get(pk=user.pk)
    assert user.failed_code_attempts == 4
    assert user.locked and not user.is_active
