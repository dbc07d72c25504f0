"""On PostgreSQL with real threads: parallel ``attempt_verification`` HTTP calls never get
more tries than the limit, and the right code is refused once the tries are spent."""

from __future__ import annotations

import re
import threading

import pytest
from django.core import mail
from django.db import connection, connections

from clerk_users.models import EmailAddress, PhoneNumber
from tests.api.frontend.conftest import FrontendClient

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

THREADS = 20


@pytest.fixture(autouse=True)
def _postgres_only():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL) for real concurrent transactions")


def hammer(client, path, payloads):
    """POST every payload at once from its own thread (own DB connection); return statuses."""
    barrier = threading.Barrier(len(payloads))
    results: list = [None] * len(payloads)

    def run(index, payload):
        try:
            barrier.wait()
            response = client.post(path, payload)
            results[index] = (
                response.status_code,
                response.json()["errors"][0]["code"] if response.status_code >= 400 else "ok",
            )
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, p)) for i, p in enumerate(payloads)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


@pytest.mark.parametrize("kind", ["email_address", "phone_number"])
def test_parallel_wrong_codes_never_exceed_the_limit(make_user, sms_outbox, kind):
    user = make_user()
    client = FrontendClient(user)
    if kind == "email_address":
        identifier = user.create_email_address("race@example.com")
        path = f"me/email_addresses/{identifier.pk}"
    else:
        identifier = user.create_phone_number("+14155550177")
        path = f"me/phone_numbers/{identifier.pk}"
    identifier.prepare_verification()
    text = mail.outbox[-1].subject if kind == "email_address" else sms_outbox[-1].body
    code = re.search(r"\b(\d{6})\b", text).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"

    results = hammer(client, f"{path}/attempt_verification", [{"code": wrong}] * THREADS)

    incorrect = [r for r in results if r == (422, "form_code_incorrect")]
    assert len(incorrect) == 3, results
    assert all(
        r in {(422, "form_code_incorrect"), (400, "verification_failed")} for r in results
    ), results
    model = EmailAddress if kind == "email_address" else PhoneNumber
    fresh = model.objects.get(pk=identifier.pk)
    assert fresh.verification_attempts == 3
    assert fresh.verification_status == "failed"

    response = client.post(f"{path}/attempt_verification", {"code": code})
    assert response.status_code == 400
    assert response.json()["errors"][0]["code"] == "verification_failed"
    assert model.objects.get(pk=identifier.pk).verification_status == "failed"


def test_parallel_right_code_verifies_exactly_once(make_user):
    user = make_user()
    client = FrontendClient(user)
    identifier = user.create_email_address("once@example.com")
    identifier.prepare_verification()
    code = re.search(r"\b(\d{6})\b", mail.outbox[-1].subject).group(1)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    payloads = [{"code": code}] + [{"code": wrong}] * 9
    results = hammer(client, f"me/email_addresses/{identifier.pk}/attempt_verification", payloads)
    fresh = EmailAddress.objects.get(pk=identifier.pk)
    assert fresh.verification_attempts <= 3
    oks = [r for r in results if r == (200, "ok")]
    assert len(oks) <= 1
    assert (fresh.verification_status == "verified") == (len(oks) == 1)
