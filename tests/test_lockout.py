"""Issue 12, findings 5 and 6: the lockout counts every wrong secret, before checking it.

Before the fix a correct password reset the counter of wrong *codes* too (alternating
sign-ins and code guesses never locked: ~8,600 guesses a day), the Backend API's
``verify_totp`` neither counted failures nor refused a locked user, and 30 parallel wrong
``verify_password`` calls compared 15 passwords against a limit of 10. Each test below
failed on that code.
"""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from django.core import mail
from django.db import connection, connections

from clerk_users import errors, identifiers, lockout, passwords, secret_keys
from clerk_users.mfa import authenticators as mfa
from clerk_users.models import User

PASSWORD = "correct horse battery"
SECRET = "JBSWY3DPEHPK3PXP"
BACKEND = "/api/backend/v1"


@pytest.fixture
def limit4(settings: Any) -> None:
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "LOCKOUT_MAX_ATTEMPTS": 4,
        "VERIFICATION_RESEND_COOLDOWN": 0,
    }


@pytest.mark.django_db
def test_a_correct_password_does_not_wipe_wrong_codes(user: Any, limit4: None) -> None:
    email = identifiers.create_email_address(user, "guess@example.com")
    for _ in range(4):
        email.prepare_verification()
        code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)  # type: ignore[union-attr]
        wrong = f"{(int(code) + 1) % 1_000_000:06d}"
        with pytest.raises(errors.ClerkError):
            email.attempt_verification(wrong)
        fresh = User.objects.get(pk=user.pk)
        if fresh.locked:
            break
        assert passwords.check_password(fresh, PASSWORD)  # a sign-in in between
    fresh = User.objects.get(pk=user.pk)
    assert fresh.failed_code_attempts == 4 and fresh.locked


@pytest.mark.django_db
def test_wrong_passwords_count_apart_and_lock_on_the_sum(user: Any, limit4: None) -> None:
    for _ in range(2):
        assert not passwords.check_password(user, "wrong")
    lockout.record_failure(user, lockout.CODE)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.failed_verification_attempts, fresh.failed_code_attempts) == (2, 1)
    assert fresh.verification_attempts_remaining == 1
    assert passwords.check_password(fresh, PASSWORD)
    fresh = User.objects.get(pk=user.pk)
    assert (fresh.failed_verification_attempts, fresh.failed_code_attempts) == (0, 1)
    for _ in range(3):
        passwords.check_password(fresh, "wrong")
    fresh = User.objects.get(pk=user.pk)
    assert fresh.locked
    # Locked: even the right password is not compared.
    assert not passwords.check_password(fresh, PASSWORD)
    passwords.unlock(fresh)
    assert passwords.check_password(User.objects.get(pk=user.pk), PASSWORD)


@pytest.mark.django_db
def test_backend_verify_totp_counts_and_refuses_a_locked_user(
    user: Any, client: Any, limit4: None
) -> None:
    mfa.import_totp(user, SECRET)
    key = secret_keys.create_secret_key("lockout-tests")[1]
    headers = {"Authorization": f"Bearer {key}"}

    def verify(code: str) -> Any:
        return client.post(
            f"{BACKEND}/users/{user.pk}/verify_totp",
            {"code": code},
            content_type="application/json",
            headers=headers,
        )

    for _ in range(3):
        assert verify("000000").json()["verified"] is False
    assert User.objects.get(pk=user.pk).failed_code_attempts == 3
    last = verify("000000")
    assert last.status_code == 403 and last.json()["errors"][0]["code"] == "user_locked"
    refused = verify("000000")
    assert refused.status_code == 403 and refused.json()["errors"][0]["code"] == "user_locked"
    assert User.objects.get(pk=user.pk).failed_code_attempts == 4


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_wrong_passwords_compare_at_most_the_limit(
    make_user: Any, monkeypatch: Any
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (set DATABASE_URL)")
    user = make_user()
    compared: list[int] = []
    real = passwords.django_check_password

    def counting(*args: Any, **kwargs: Any) -> bool:
        compared.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(passwords, "django_check_password", counting)
    barrier = threading.Barrier(30)

    def attempt() -> None:
        try:
            barrier.wait()
            passwords.check_password(User.objects.get(pk=user.pk), "wrong password")
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    fresh = User.objects.get(pk=user.pk)
    assert len(compared) == 10 and fresh.failed_verification_attempts == 10
    assert fresh.locked


@pytest.mark.django_db
def test_codes_per_identifier_are_limited(user: Any, settings: Any) -> None:
    """Failed before: any number of codes could be requested (30 s apart)."""
    from django.core.cache import cache

    cache.clear()
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "VERIFICATION_RESEND_COOLDOWN": 0,
        "VERIFICATION_PREPARE_RATE": "3/3600s",
    }
    email = identifiers.create_email_address(user, "many@example.com")
    for _ in range(3):
        email.prepare_verification()
    with pytest.raises(errors.ClerkError) as exc:
        email.prepare_verification()
    assert exc.value.code == "too_many_requests" and exc.value.status == 429
    other = identifiers.create_email_address(user, "other@example.com")
    other.prepare_verification()  # per identifier
