"""One-time codes of sign-ins and sign-ups (``clerk_users.signin.codes``): hashed, expiring,
counted, once; and on PostgreSQL, parallel attempts never compare more codes than allowed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from clerk_users.errors import ClerkError
from clerk_users.models import SignUpAttempt
from clerk_users.signin import codes
from tests.test_concurrency import run_threads


@pytest.fixture
def attempt(db):
    return SignUpAttempt.objects.create(
        client_id="client_x",
        email_address="a@example.com",
        abandon_at=timezone.now() + timedelta(hours=1),
    )


def test_the_code_is_stored_hashed_and_works_once(attempt):
    code = codes.issue(attempt, "email_address", "email_code")
    attempt.refresh_from_db()
    assert code not in attempt.email_address_secret and len(attempt.email_address_secret) == 64
    codes.check(attempt, "email_address", "email_code", code)
    assert attempt.email_address_status == "verified" and attempt.email_address_secret == ""
    with pytest.raises(ClerkError) as exc:
        codes.check(attempt, "email_address", "email_code", code)
    assert exc.value.clerk_code == "verification_already_verified"


def test_expired_code(attempt):
    code = codes.issue(attempt, "email_address", "email_code")
    SignUpAttempt.objects.update(email_address_expire_at=timezone.now() - timedelta(seconds=1))
    with pytest.raises(ClerkError) as exc:
        codes.check(attempt, "email_address", "email_code", code)
    assert exc.value.clerk_code == "verification_expired" and exc.value.status == 400


def test_another_strategy_is_not_checked(attempt):
    code = codes.issue(attempt, "email_address", "email_code")
    with pytest.raises(ClerkError) as exc:
        codes.check(attempt, "email_address", "phone_code", code)
    assert exc.value.clerk_code == "verification_missing"


def test_resend_cooldown_then_a_new_code_replaces_the_old(attempt):
    first = codes.issue(attempt, "email_address", "email_code")
    with pytest.raises(ClerkError) as exc:
        codes.issue(attempt, "email_address", "email_code")
    assert exc.value.status == 429 and 0 < exc.value.retry_after <= 30
    SignUpAttempt.objects.update(email_address_sent_at=timezone.now() - timedelta(seconds=31))
    second = codes.issue(attempt, "email_address", "email_code")
    if first != second:
        with pytest.raises(ClerkError):
            codes.check(attempt, "email_address", "email_code", first)
    codes.check(attempt, "email_address", "email_code", second)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_codes_get_three_tries_in_all():
    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")
    attempt = SignUpAttempt.objects.create(
        client_id="client_x",
        email_address="a@example.com",
        abandon_at=timezone.now() + timedelta(hours=1),
    )
    code = codes.issue(attempt, "email_address", "email_code")
    wrong = "000000" if code != "000000" else "111111"

    def work(i: int) -> None:
        codes.check(SignUpAttempt.objects.get(pk=attempt.pk), "email_address", "email_code", wrong)

    results = run_threads(work)
    counted = [r.clerk_code for r in results]
    assert counted.count("form_code_incorrect") == 3
    assert set(counted) <= {"form_code_incorrect", "verification_failed"}
    attempt.refresh_from_db()
    assert attempt.email_address_attempts == 3 and attempt.email_address_status == "failed"
