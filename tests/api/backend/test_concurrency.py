"""Concurrency proofs on PostgreSQL with real threads, through the live HTTP server."""

from __future__ import annotations

import threading
from typing import Any

import pytest
import requests
from django.db import connection

from clerk_users.models import EmailAddress, User

from .conftest import BASE

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")


def _parallel(calls: list[Any]) -> list[Any]:
    """Run ``calls`` in threads released together by a barrier; return their results."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)

    def run(index: int, call: Any) -> None:
        barrier.wait()
        try:
            results[index] = call()
        except Exception as exc:
            results[index] = exc

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _session(key: str) -> requests.Session:
    session = requests.Session()
    session.headers["Authorization"] = f"Bearer {key}"
    return session


def test_parallel_metadata_merges_keep_every_key(
    live_server: Any, secret_key: str, make_user: Any
) -> None:
    user = make_user(public_metadata={"kept": True})
    url = f"{live_server.url}{BASE}/users/{user.pk}/metadata"

    def merge(n: int) -> Any:
        return lambda: _session(secret_key).patch(
            url,
            json={"public_metadata": {f"key{n}": n}, "private_metadata": {f"p{n}": n}},
            timeout=60,
        )

    responses = _parallel([merge(n) for n in range(20)])
    assert [getattr(r, "status_code", r) for r in responses] == [200] * 20
    fresh = User.objects.get(pk=user.pk)
    assert fresh.public_metadata == {"kept": True, **{f"key{n}": n for n in range(20)}}
    assert fresh.private_metadata == {f"p{n}": n for n in range(20)}


def test_parallel_case_variants_of_one_address(
    live_server: Any, secret_key: str, make_user: Any
) -> None:
    owners = [make_user() for _ in range(20)]
    url = f"{live_server.url}{BASE}/email_addresses"
    variants = [
        "race@example.com".upper()
        if n % 3 == 0
        else "Race@Example.com"
        if n % 3 == 1
        else "race@EXAMPLE.com"
        for n in range(20)
    ]

    def create(n: int) -> Any:
        return lambda: _session(secret_key).post(
            url,
            json={"user_id": owners[n].pk, "email_address": variants[n], "verified": True},
            timeout=60,
        )

    responses = _parallel([create(n) for n in range(20)])
    statuses = sorted(getattr(r, "status_code", repr(r)) for r in responses)
    assert statuses == [200] + [422] * 19, statuses
    for response in responses:
        if response.status_code == 422:
            assert response.json()["errors"][0]["code"] == "form_identifier_exists"
    assert EmailAddress.objects.filter(email_address__iexact="race@example.com").count() == 1
    winner = EmailAddress.objects.get(email_address__iexact="race@example.com")
    # the winner's user points at it only if it had no primary before; the others unchanged
    for owner in owners:
        fresh = User.objects.get(pk=owner.pk)
        assert fresh.email_addresses.count() == (2 if owner.pk == winner.user_id else 1)
