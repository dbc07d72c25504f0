"""Delivery of the outbox: claim a due message, POST it signed, record the attempt.

A worker claims a few due messages (``BATCH``) inside a transaction with ``SELECT ... FOR
UPDATE SKIP LOCKED`` (PostgreSQL; on SQLite run one worker), keeps the rows locked while it
sends, and commits the outcomes with them. So several workers on several machines share the
work and never send one message at the same time, and a worker killed mid-delivery leaves its
messages pending (its transaction rolls back): they are sent again, with the same ``svix-id``
(at least once).

Order: a message is due only when no earlier message (lower ``seq``) for the same endpoint and
user is still pending, so each endpoint receives a user's events in creation order, a retrying
message holding back the later ones, as a queue per user would. Finally failed messages
(every attempt of ``WEBHOOK_RETRY_SCHEDULE`` spent) do not hold anything back.

Any answer but 2xx (a 3xx is not followed), a timeout (``WEBHOOK_TIMEOUT``, 15 s) or a
connection error is a failure: recorded as an attempt (status, answer excerpt, duration) and
retried after the next delay of the schedule. An endpoint that has not had one success for
``WEBHOOK_DISABLE_AFTER`` (5 days) is disabled.

Unless ``WEBHOOK_ALLOW_PRIVATE_ADDRESSES``, the HTTP session checks the address each
connection actually reached (after DNS, so a host name resolving, or rebinding, to
127.0.0.1 or 169.254.169.254 does not pass) and closes it before sending anything when it is
internal: the attempt is a failure "refused: ... internal address".
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Any

import requests
import requests.adapters
import urllib3
import urllib3.connection
from django.db import connection, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from clerk_users.app_settings import app_settings
from clerk_users.webhooks import endpoints as endpoint_rules
from clerk_users.webhooks import signing

logger = logging.getLogger(__name__)
EXCERPT_BYTES = 2048
# Messages claimed per transaction: one commit for several sends. A receiver that hangs
# delays the rest of its batch (by at most WEBHOOK_TIMEOUT each); a worker killed mid-batch
# leaves the whole batch to be sent again.
BATCH = 10
USER_AGENT = "clerk_users-webhooks (Svix-compatible)"
_local = threading.local()
NO_PROXY: Any = {"http": None, "https": None}


class InternalAddressRefused(Exception):
    """A connection reached an internal address (deliberately not an ``OSError``: urllib3
    and requests let it through unwrapped and do not retry it)."""


class _PeerCheck:
    """Mixin for urllib3 connections: after connecting, refuse an internal peer address."""

    def _new_conn(self) -> Any:
        sock = super()._new_conn()  # type: ignore[misc]
        if not app_settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES:
            peer = str(sock.getpeername()[0])
            if endpoint_rules.is_internal_address(peer):
                sock.close()
                raise InternalAddressRefused(
                    f"refused: {getattr(self, 'host', '?')} is the internal address {peer} "
                    "(WEBHOOK_ALLOW_PRIVATE_ADDRESSES is off)"
                )
        return sock


class _CheckedHTTPConnection(_PeerCheck, urllib3.connection.HTTPConnection):
    pass


class _CheckedHTTPSConnection(_PeerCheck, urllib3.connection.HTTPSConnection):
    pass


class _CheckedHTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _CheckedHTTPConnection


class _CheckedHTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _CheckedHTTPSConnection


class _CheckedAdapter(requests.adapters.HTTPAdapter):
    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            "http": _CheckedHTTPPool,
            "https": _CheckedHTTPSPool,
        }


def _http() -> requests.Session:
    """One HTTP session per thread (keep-alive to each receiver), checking each peer."""
    session = getattr(_local, "session", None)
    if session is None:
        session = requests.Session()
        session.mount("http://", _CheckedAdapter())
        session.mount("https://", _CheckedAdapter())
        _local.session = session
    return session


def due_messages(now: Any = None) -> Any:
    from clerk_users.models import MessageStatus, WebhookMessage

    now = now or timezone.now()
    earlier = WebhookMessage.objects.filter(
        endpoint_id=OuterRef("endpoint_id"),
        user_key=OuterRef("user_key"),
        status=MessageStatus.PENDING,
        seq__lt=OuterRef("seq"),
    )
    return (
        WebhookMessage.objects.filter(
            status=MessageStatus.PENDING,
            next_attempt_at__lte=now,
            endpoint__enabled=True,
        )
        .exclude(Exists(earlier))
        .order_by("seq")
    )


def _claim(limit: int) -> list[Any]:
    queryset = due_messages()
    if connection.features.has_select_for_update_skip_locked:
        queryset = queryset.select_for_update(skip_locked=True, of=("self",))
    return list(queryset.select_related("endpoint")[:limit])


def _post(endpoint: Any, message: Any) -> dict[str, Any]:
    """One HTTP attempt; never raises: the outcome is returned for the attempt row."""
    headers = signing.headers(endpoint_rules.signing_secrets(endpoint), message.id, message.body)
    headers.update({"content-type": "application/json", "user-agent": USER_AGENT})
    started = time.monotonic()
    outcome: dict[str, Any] = {"status_code": None, "succeeded": False, "error": "", "excerpt": ""}
    try:
        response = _http().post(
            endpoint.url,
            data=message.body.encode(),
            headers=headers,
            timeout=app_settings.WEBHOOK_TIMEOUT,
            allow_redirects=False,
            stream=True,
            # No environment proxy while internal addresses are refused: the peer checked
            # must be the receiver itself, not a proxy that would fetch anything for us.
            proxies=None if app_settings.WEBHOOK_ALLOW_PRIVATE_ADDRESSES else NO_PROXY,
        )
        try:
            if response._content_consumed:  # requests reads a redirect's body itself
                raw = (response.content or b"")[:EXCERPT_BYTES]
            else:
                raw = response.raw.read(EXCERPT_BYTES, decode_content=True) or b""
        finally:
            response.close()
        outcome["status_code"] = response.status_code
        outcome["excerpt"] = raw.decode("utf-8", "replace")
        outcome["succeeded"] = 200 <= response.status_code < 300
        if not outcome["succeeded"]:
            outcome["error"] = f"HTTP {response.status_code}"
            if 300 <= response.status_code < 400:
                outcome["error"] += f" redirect to {response.headers.get('location', '')}"[:200]
    except InternalAddressRefused as exc:
        outcome["error"] = str(exc)[:255]
    except requests.Timeout:
        outcome["error"] = f"timeout after {app_settings.WEBHOOK_TIMEOUT:g} s"
    except requests.RequestException as exc:
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:255]
    except Exception as exc:  # a receiver must not crash the worker
        outcome["error"] = f"{type(exc).__name__}: {exc}"[:255]
    outcome["duration_ms"] = int((time.monotonic() - started) * 1000)
    return outcome


def _record(message: Any, outcome: dict[str, Any]) -> None:
    from clerk_users.models import MessageStatus, WebhookAttempt

    now = timezone.now()
    endpoint = message.endpoint
    WebhookAttempt.objects.create(
        message=message,
        endpoint_id=endpoint.pk,
        status_code=outcome["status_code"],
        succeeded=outcome["succeeded"],
        error=outcome["error"][:255],
        response_excerpt=outcome["excerpt"],
        duration_ms=outcome["duration_ms"],
        created_at=now,
    )
    message.attempt_count += 1
    fields = ["attempt_count", "status", "next_attempt_at", "delivered_at"]
    if outcome["succeeded"]:
        message.status = MessageStatus.DELIVERED
        message.delivered_at = now
    else:
        schedule = app_settings.WEBHOOK_RETRY_SCHEDULE
        if message.attempt_count >= len(schedule):
            message.status = MessageStatus.FAILED
        else:
            message.next_attempt_at = now + timedelta(seconds=schedule[message.attempt_count])
    message.save(update_fields=fields)


def _endpoint_health(endpoint: Any, succeeded: bool, now: Any) -> None:
    """After the batch committed, each statement on its own (no endpoint row stays locked
    while a worker sends, so workers never wait on, or deadlock over, endpoint rows)."""
    from clerk_users.models import WebhookEndpoint

    rows = WebhookEndpoint.objects.filter(pk=endpoint.pk)
    if succeeded:  # no row lock unless there is something to reset
        rows.filter(failing_since__isnull=False).update(failing_since=None)
        return
    rows.filter(failing_since__isnull=True).update(failing_since=now)
    since = rows.values_list("failing_since", flat=True).first()
    if since is not None and now - since >= timedelta(seconds=app_settings.WEBHOOK_DISABLE_AFTER):
        endpoint_rules.set_enabled(
            endpoint, False, reason=f"No successful delivery since {since:%Y-%m-%d %H:%M} UTC"
        )
        logger.warning("clerk_users: webhook endpoint %s disabled", endpoint.pk)


def deliver_batch(limit: int = BATCH) -> int:
    """Claim up to ``limit`` due messages (never two of one user and endpoint: the order
    rule), send and record each, commit once; returns how many were sent."""
    health: dict[str, tuple[Any, bool]] = {}
    with transaction.atomic():
        batch = _claim(limit)
        for message in batch:
            outcome = _post(message.endpoint, message)
            _record(message, outcome)
            succeeded = outcome["succeeded"] or health.get(message.endpoint_id, (None, False))[1]
            health[message.endpoint_id] = (message.endpoint, succeeded)
    now = timezone.now()
    for endpoint, succeeded in health.values():
        _endpoint_health(endpoint, succeeded, now)
    return len(batch)


def deliver_one() -> bool:
    """Claim, send and record one due message; False when nothing is due."""
    return deliver_batch(1) == 1


def drop_orphans() -> int:
    """Pending messages whose endpoint was deleted (written from a stale endpoint cache)."""
    from clerk_users.models import MessageStatus, WebhookEndpoint, WebhookMessage

    gone = WebhookMessage.objects.filter(status=MessageStatus.PENDING).exclude(
        endpoint_id__in=WebhookEndpoint.objects.values("id")
    )
    return int(gone.delete()[0])


def deliver_due(max_messages: int | None = None, batch: int = BATCH) -> int:
    """Deliver everything due now (what this worker can claim); returns how many."""
    drop_orphans()
    count = 0
    while max_messages is None or count < max_messages:
        limit = batch if max_messages is None else min(batch, max_messages - count)
        sent = deliver_batch(limit)
        if not sent:
            break
        count += sent
    return count


def run_worker(
    stop: threading.Event | None = None, *, poll_interval: float = 1.0, once: bool = False
) -> int:
    """Deliver until ``stop`` is set (or, ``once``, until nothing is due)."""
    from django.db import DatabaseError

    total = 0
    while stop is None or not stop.is_set():
        try:
            sent = deliver_due()
        except DatabaseError:  # lost connection, failover...: log, reconnect, go on
            logger.exception("clerk_users: webhook delivery failed; retrying")
            connection.close()
            sent = 0
            if once:
                raise
        total += sent
        if once:
            break
        if not sent:
            (stop.wait if stop is not None else time.sleep)(poll_interval)
    return total


def purge(older_than_days: float) -> int:
    """Delete delivered and failed messages (and their attempts) created more than
    ``older_than_days`` ago; pending ones stay whatever their age. Returns how many."""
    from clerk_users.models import MessageStatus, WebhookMessage

    cutoff = timezone.now() - timedelta(days=older_than_days)
    done = WebhookMessage.objects.filter(
        status__in=[MessageStatus.DELIVERED, MessageStatus.FAILED], created_at__lt=cutoff
    )
    return int(done.delete()[1].get(WebhookMessage._meta.label, 0))


def send_again(message: Any) -> Any:
    """Queue a message again (the admin's "send again"): same id, due now, a fresh schedule."""
    from clerk_users.models import MessageStatus

    message.status = MessageStatus.PENDING
    message.attempt_count = 0
    message.next_attempt_at = timezone.now()
    message.delivered_at = None
    message.save(update_fields=["status", "attempt_count", "next_attempt_at", "delivered_at"])
    from clerk_users.webhooks import tasks

    tasks.trigger_on_commit()
    return message
