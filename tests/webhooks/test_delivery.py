"""Delivery to a real receiver: retries on Svix's schedule with the same message id, every
failure kind recorded, endpoint disabled after days of failures, order per user."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from clerk_users import users
from clerk_users.models import MessageStatus, WebhookAttempt, WebhookMessage
from clerk_users.webhooks import delivery

from .conftest import deliver, messages


def make_due(**filters: Any) -> None:
    WebhookMessage.objects.filter(**filters).update(next_attempt_at=timezone.now())


def test_delivered_once_and_recorded(endpoint: Any, receiver: Any, make_user: Any) -> None:
    make_user()
    assert deliver() == 1
    assert deliver() == 0  # nothing due any more
    [message] = messages()
    assert message.status == MessageStatus.DELIVERED and message.attempt_count == 1
    [attempt] = message.attempts.all()
    assert attempt.succeeded and attempt.status_code == 200 and attempt.response_excerpt == "ok"
    assert attempt.duration_ms >= 0
    assert receiver.requests[0]["headers"]["content-type"] == "application/json"


@pytest.mark.parametrize(
    ("answer", "status_code", "error"),
    [
        (500, 500, "HTTP 500"),
        (404, 404, "HTTP 404"),
        ("redirect", 302, "HTTP 302 redirect to /elsewhere"),
        ("hang", None, "timeout after 0.5 s"),
        ("reset", None, "ConnectionError"),
    ],
)
def test_failures_are_recorded_and_retried_with_the_same_id(
    endpoint: Any,
    receiver: Any,
    make_user: Any,
    settings: Any,
    answer: Any,
    status_code: Any,
    error: str,
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_TIMEOUT": 0.5}
    receiver.plan = [answer]
    make_user()
    before = timezone.now()
    assert deliver() == 1
    [message] = messages()
    assert message.status == MessageStatus.PENDING and message.attempt_count == 1
    # Svix's schedule: the second attempt 5 s after the first failure.
    assert before + timedelta(seconds=4) <= message.next_attempt_at
    assert message.next_attempt_at <= timezone.now() + timedelta(seconds=6)
    [failed] = message.attempts.all()
    assert not failed.succeeded and failed.status_code == status_code
    assert failed.error.startswith(error)
    if status_code:
        assert failed.response_excerpt == f"answer {status_code}"
    assert deliver() == 0  # not due yet
    make_due()
    assert deliver() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED and message.attempt_count == 2
    ids = {r["headers"]["svix-id"] for r in receiver.requests}
    assert ids == {message.id}
    assert len(receiver.requests) == 2
    assert receiver.requests[0]["body"] == receiver.requests[1]["body"]


def test_schedule_setting_and_giving_up(
    endpoint: Any, receiver: Any, make_user: Any, settings: Any
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_RETRY_SCHEDULE": [0, 60, 120]}
    receiver.default = 503
    make_user()
    deliver()
    [message] = messages()
    delay = (message.next_attempt_at - message.attempts.get().created_at).total_seconds()
    assert delay == pytest.approx(60, abs=1)
    make_due()
    deliver()
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.attempt_count == 2
    make_due()
    deliver()
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.attempt_count == 3
    make_due()
    assert deliver() == 0
    assert len(receiver.requests) == 3
    # "Send again" (admin): same id, a fresh schedule.
    receiver.default = 200
    delivery.send_again(message)
    assert deliver() == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert {r["headers"]["svix-id"] for r in receiver.requests} == {message.id}


def test_endpoint_disabled_after_five_days_of_failures(
    endpoint: Any, receiver: Any, make_user: Any
) -> None:
    receiver.default = 500
    make_user()
    deliver()
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.failing_since is not None
    endpoint.failing_since = timezone.now() - timedelta(days=5)
    endpoint.save()
    make_due()
    deliver()
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "No successful delivery" in endpoint.disabled_reason
    make_due()
    assert deliver() == 0  # a disabled endpoint is not called


def test_a_success_resets_the_failure_clock(endpoint: Any, receiver: Any, make_user: Any) -> None:
    receiver.plan = [500]
    make_user()
    deliver()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is not None
    make_due()
    deliver()
    endpoint.refresh_from_db()
    assert endpoint.failing_since is None


def test_order_per_user_a_retrying_message_holds_back_the_later_ones(
    endpoint: Any, receiver: Any, make_user: Any
) -> None:
    first = make_user()
    second = make_user()
    receiver.plan = [500]  # the first user's user.created fails once
    users.update_user(first, {"first_name": "Later"})
    users.update_user(second, {"first_name": "Other"})
    deliver()
    # first user: created (failed, waiting), updated (held back); second: both delivered
    sent = [(e["data"]["id"], e["type"]) for e in receiver.events()]
    assert sent == [
        (first.pk, "user.created"),
        (second.pk, "user.created"),
        (second.pk, "user.updated"),
    ]
    make_due()
    deliver()
    sent = [(e["data"]["id"], e["type"]) for e in receiver.events()]
    assert sent[3:] == [(first.pk, "user.created"), (first.pk, "user.updated")]
    assert WebhookMessage.objects.filter(status=MessageStatus.DELIVERED).count() == 4


def test_a_failed_message_does_not_block_the_user_forever(
    endpoint: Any, receiver: Any, make_user: Any, settings: Any
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_RETRY_SCHEDULE": [0]}
    receiver.plan = [500]
    user = make_user()
    users.update_user(user, {"first_name": "Next"})
    deliver()
    assert [m.status for m in messages()] == [MessageStatus.FAILED, MessageStatus.DELIVERED]


def test_messages_of_a_deleted_endpoint_are_dropped(
    endpoint: Any, receiver: Any, make_user: Any
) -> None:
    from clerk_users.models import WebhookEndpoint

    make_user()
    WebhookMessage.objects.update(endpoint_id="ep_gone")  # as written from a stale cache
    assert deliver() == 0
    assert not WebhookMessage.objects.exists()
    assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()
    assert not receiver.requests


def test_deliver_command_once(endpoint: Any, receiver: Any, make_user: Any, capsys: Any) -> None:
    make_user()
    make_user()
    call_command("clerk_users_deliver_webhooks", "--once")
    assert "Sent 2 webhook message(s)" in capsys.readouterr().out
    assert receiver.types() == ["user.created", "user.created"]
    assert WebhookAttempt.objects.filter(succeeded=True).count() == 2


def test_worker_killed_mid_delivery_leaves_the_message_pending(
    endpoint: Any, receiver: Any, make_user: Any, monkeypatch: Any
) -> None:
    make_user()

    def killed(message: Any, outcome: Any) -> None:
        raise KeyboardInterrupt  # the process dies after sending, before recording

    monkeypatch.setattr(delivery, "_record", killed)
    with pytest.raises(KeyboardInterrupt):
        deliver()
    monkeypatch.undo()
    [message] = messages()
    assert message.status == MessageStatus.PENDING and message.attempt_count == 0
    assert deliver() == 1  # delivered again, same id (at least once)
    assert len({r["headers"]["svix-id"] for r in receiver.requests}) == 1
    assert len(receiver.requests) == 2


def test_threads_option_falls_back_to_one_without_skip_locked(
    endpoint: Any, receiver: Any, make_user: Any, capsys: Any, monkeypatch: Any
) -> None:
    from django.db import connection

    # (PostgreSQL with real threads: tests/webhooks/test_concurrency.py)
    monkeypatch.setattr(connection.features, "has_select_for_update_skip_locked", False)
    make_user()
    call_command("clerk_users_deliver_webhooks", "--once", "--threads", "3")
    captured = capsys.readouterr()
    assert "using one thread" in captured.err
    assert "Sent 1 webhook message(s)" in captured.out
    assert receiver.types() == ["user.created"]


def test_a_worker_survives_a_database_error(
    endpoint: Any, receiver: Any, make_user: Any, monkeypatch: Any
) -> None:
    import threading

    from django.db import OperationalError

    make_user()
    calls = {"n": 0}
    real = delivery.deliver_due

    def flaky(*args: Any, **kwargs: Any) -> int:
        calls["n"] += 1
        if calls["n"] == 1:
            raise OperationalError("server closed the connection unexpectedly")
        sent = real(*args, **kwargs)
        stop.set()
        return sent

    stop = threading.Event()
    monkeypatch.setattr(delivery, "deliver_due", flaky)
    monkeypatch.setattr(delivery.connection, "close", lambda: None)  # keep the test's transaction
    assert delivery.run_worker(stop, poll_interval=0.01) == 1
    assert calls["n"] == 2 and receiver.types() == ["user.created"]


def test_purge_keeps_pending_and_recent_messages(
    endpoint: Any, receiver: Any, make_user: Any, capsys: Any
) -> None:
    old_done, recent_done, old_pending = make_user(), make_user(), make_user()
    receiver.plan = [200, 200, 500]
    deliver()
    long_ago = timezone.now() - timedelta(days=31)
    WebhookMessage.objects.filter(user_key__in=[old_done.pk, old_pending.pk]).update(
        created_at=long_ago
    )
    call_command("clerk_users_deliver_webhooks", "--purge-older-than", "30")
    assert "Deleted 1 delivered or failed" in capsys.readouterr().out
    left = {m.user_key: m.status for m in messages()}
    assert left == {recent_done.pk: MessageStatus.DELIVERED, old_pending.pk: MessageStatus.PENDING}
    assert WebhookAttempt.objects.count() == 2
