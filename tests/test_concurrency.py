"""Concurrency proofs on PostgreSQL with real threads (contract §3 and §8).

Each test starts 20 threads at one barrier, each on its own database connection, and checks
that only Clerk errors come back and that the invariants hold afterwards.
"""

from __future__ import annotations

import random
import re
import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from allauth.account.models import EmailAddress as AllauthEmail
from django.core import mail
from django.db import connection, connections

from clerk_users import identifiers
from clerk_users.errors import ClerkError
from clerk_users.models import EmailAddress, User

THREADS = 20

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")


def run_threads(work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in 20 threads started together; return results or ClerkErrors.
    Any other exception is re-raised here, failing the test."""
    barrier = threading.Barrier(THREADS)
    results: list[Any] = [None] * THREADS
    unexpected: list[BaseException] = []

    def target(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except ClerkError as exc:
            results[i] = exc
        except BaseException as exc:  # reported below, failing the test
            unexpected.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    if unexpected:
        raise unexpected[0]
    return results


def codes(results: list[Any]) -> Counter:
    return Counter(r.code if isinstance(r, ClerkError) else "ok" for r in results)


def test_twenty_threads_claiming_one_address_in_two_cases(make_user):
    """Verified claims race for the one verified row; unverified claims claim nothing
    (issue 12): they may coexist until the verified one releases them, never verified."""
    claimants = [make_user(email_address=None) for _ in range(THREADS)]

    def claim(i: int) -> Any:
        user = User.objects.get(pk=claimants[i].pk)
        value = "A@x.com" if i % 2 else "a@x.com"
        return identifiers.create_email_address(user, value, verified=i % 4 < 2)

    results = run_threads(claim)
    assert set(codes(results)) <= {"ok", "form_identifier_exists"}
    verified_ok = [r for r in results if not isinstance(r, ClerkError) and r.is_verified]
    assert len(verified_ok) == 1
    winner = verified_ok[0]
    rows = list(EmailAddress.objects.filter(email_address="a@x.com"))
    assert [r.pk for r in rows if r.is_verified] == [winner.pk]
    assert len({r.user_id for r in rows}) == len(rows)  # once per user
    mirror = {(m.user_id, m.verified) for m in AllauthEmail.objects.filter(email="a@x.com")}
    assert mirror == {(r.user_id, r.is_verified) for r in rows}
    losers = [u.pk for u in claimants if u.pk != winner.user_id]
    assert not User.objects.filter(pk__in=losers, primary_email_address__isnull=False).exists()


def test_racing_set_primary_and_delete_keep_the_primary_invariant(make_user):
    user = make_user(email_address=[f"addr{i}@example.com" for i in range(6)])
    ids = list(EmailAddress.objects.filter(user=user).values_list("pk", flat=True))
    assert len(ids) == 6
    rng = random.Random(2)
    plan = [(rng.choice(["primary", "delete"]), rng.choice(ids)) for _ in range(THREADS)]

    def act(i: int) -> Any:
        op, pk = plan[i]
        me = User.objects.get(pk=user.pk)
        if op == "primary":
            return identifiers.set_primary(me, pk, "email_address")
        row = EmailAddress.objects.filter(pk=pk).select_related("user").first()
        if row is None:
            return "gone"
        return identifiers.delete_identifier(row)

    results = run_threads(act)
    assert set(codes(results)) <= {
        "ok",
        "form_param_value_invalid",
        "primary_identification_cannot_be_deleted",
    }
    user.refresh_from_db()
    remaining = set(EmailAddress.objects.filter(user=user).values_list("pk", flat=True))
    assert remaining, "the primary can never be deleted while others exist"
    assert user.primary_email_address_id in remaining  # neither dangling nor foreign
    assert EmailAddress.objects.get(pk=user.primary_email_address_id).is_verified
    primary_email = EmailAddress.objects.get(pk=user.primary_email_address_id).email_address
    mirror = {(a.email, a.primary) for a in AllauthEmail.objects.filter(user=user)}
    ours = {
        (e.email_address, e.pk == user.primary_email_address_id)
        for e in EmailAddress.objects.filter(user=user)
    }
    assert mirror == ours
    assert (primary_email, True) in mirror


def test_racing_deletes_of_everything_leave_a_null_or_valid_primary(make_user):
    """Every thread deletes one address or names a new primary; whatever wins, the pointer is
    null only when no address is left."""
    user = make_user(email_address=[f"e{i}@example.com" for i in range(4)])
    ids = list(EmailAddress.objects.filter(user=user).values_list("pk", flat=True))

    def act(i: int) -> Any:
        pk = ids[i % len(ids)]
        row = EmailAddress.objects.filter(pk=pk).select_related("user").first()
        if row is None:
            return "gone"
        if i % 3 == 0:
            return identifiers.set_primary(row.user, row)
        return identifiers.delete_identifier(row)

    run_threads(act)
    user.refresh_from_db()
    remaining = set(EmailAddress.objects.filter(user=user).values_list("pk", flat=True))
    if remaining:
        assert user.primary_email_address_id in remaining
    else:
        assert user.primary_email_address_id is None


def test_twenty_parallel_wrong_codes_never_exceed_three_attempts(user):
    email = user.create_email_address("pending@example.com")
    email.prepare_verification()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].body).group(1)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"

    def attempt(i: int) -> Any:
        row = EmailAddress.objects.get(pk=email.pk)
        return row.attempt_verification(wrong)

    results = run_threads(attempt)
    counted = codes(results)
    assert counted["form_code_incorrect"] == 3
    assert counted["ok"] == 0
    assert counted["form_code_incorrect"] + counted["verification_failed"] == THREADS
    email.refresh_from_db()
    assert email.verification_attempts == 3
    assert email.verification_status == "failed"
    with pytest.raises(ClerkError) as info:
        email.attempt_verification(code)
    assert info.value.code == "verification_failed"
    email.refresh_from_db()
    assert not email.is_verified


def test_twenty_threads_claiming_one_phone_in_different_formats(make_user):
    claimants = [make_user(email_address=None) for _ in range(THREADS)]
    formats = ["+14155550123", "(415) 555-0123", "+1 415-555-0123", "4155550123"]

    def claim(i: int) -> Any:
        user = User.objects.get(pk=claimants[i].pk)
        return identifiers.create_phone_number(user, formats[i % 4], verified=bool(i % 2))

    results = run_threads(claim)
    assert set(codes(results)) <= {"ok", "form_identifier_exists"}
    from clerk_users.models import PhoneNumber

    rows = list(PhoneNumber.objects.all())
    assert {r.phone_number for r in rows} == {"+14155550123"}
    assert len([r for r in rows if r.is_verified]) == 1  # unverified claims claim nothing
    assert len({r.user_id for r in rows}) == len(rows)


def test_parallel_metadata_merges_of_different_keys_all_land(user):
    from clerk_users import metadata

    def merge(i: int) -> Any:
        me = User.objects.get(pk=user.pk)
        return metadata.update_metadata(me, {"public_metadata": {f"k{i}": {"n": i}}})

    results = run_threads(merge)
    assert codes(results) == Counter({"ok": THREADS})
    user.refresh_from_db()
    assert user.public_metadata == {f"k{i}": {"n": i} for i in range(THREADS)}
