"""Workers that scale out (PostgreSQL, real threads, each on its own connection): no message
is sent twice, each user's events arrive in creation order, all are delivered."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from django.db import connection, connections

from clerk_users import users
from clerk_users.models import MessageStatus, User, WebhookMessage
from clerk_users.webhooks import delivery

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres_only() -> None:
    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")


def run_workers(count: int) -> None:
    errors: list[BaseException] = []

    def work() -> None:
        try:
            delivery.run_worker(once=True)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert not any(t.is_alive() for t in threads), "a worker hung"
    assert not errors, errors


@pytest.mark.parametrize("workers", [2, 4])
def test_workers_never_send_a_message_twice_and_keep_order_per_user(
    make_endpoint: Any, receiver: Any, workers: int
) -> None:
    make_endpoint(receiver.url)
    second = make_endpoint(receiver.url.replace("/clerk", "/second"))
    receiver.delay = 0.005
    people = [User.objects.create_user(username=f"worker{i:02d}") for i in range(6)]
    for round_ in range(4):
        for person in people:
            users.update_user(person, {"first_name": f"n{round_}"})
    expected = list(WebhookMessage.objects.order_by("seq").values_list("id", flat=True))
    assert len(expected) == 2 * 6 * 5
    while WebhookMessage.objects.filter(status=MessageStatus.PENDING).exists():
        run_workers(workers)
    sent = Counter(r["headers"]["svix-id"] for r in receiver.requests)
    assert sorted(sent) == sorted(expected)
    assert set(sent.values()) == {1}  # never twice
    # Per endpoint and user: received in creation order.
    seq = dict(WebhookMessage.objects.values_list("id", "seq"))
    endpoint_of = dict(WebhookMessage.objects.values_list("id", "endpoint_id"))
    user_of = dict(WebhookMessage.objects.values_list("id", "user_key"))
    order: dict[tuple[str, str], list[int]] = {}
    for request in receiver.requests:
        msg_id = request["headers"]["svix-id"]
        order.setdefault((endpoint_of[msg_id], user_of[msg_id]), []).append(seq[msg_id])
    assert len(order) == 2 * 6
    for received in order.values():
        assert received == sorted(received)
    assert all(endpoint_of[m] for m in expected) and second.pk in endpoint_of.values()


def test_deliver_command_with_threads(make_endpoint: Any, receiver: Any, capsys: Any) -> None:
    from django.core.management import call_command

    make_endpoint(receiver.url)
    for i in range(12):
        User.objects.create_user(username=f"cmd{i:02d}")
    call_command("clerk_users_deliver_webhooks", "--once", "--threads", "3")
    assert "using one thread" not in capsys.readouterr().err
    sent = Counter(r["headers"]["svix-id"] for r in receiver.requests)
    assert len(sent) == 12 and set(sent.values()) == {1}
    assert not WebhookMessage.objects.filter(status=MessageStatus.PENDING).exists()
