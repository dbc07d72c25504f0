"""The transactional outbox: a message row per event and subscribed endpoint, written on the
connection (so inside the transaction) of the change it reports.

Cost on the write path: with no subscribed endpoint, one cache read and nothing else; with
endpoints, the payload (reads of the resource, built once) and ONE ``INSERT`` for all
endpoints (``bulk_create``). The list of enabled endpoints is cached (cleared when one is
saved or deleted; ``WEBHOOK_ENDPOINTS_CACHE_TIMEOUT`` bounds staleness for caches that are
per process); a message for an endpoint deleted meanwhile is harmless (no FK constraint; the
worker drops it).

Within one transaction, ``user.*`` events about the same user collapse into one message whose
data is the user's final state (adding an email while creating a user is ``user.created``,
not ``user.created`` plus ``user.updated``): the later event rewrites the pending rows in
place (an ``UPDATE`` instead of an ``INSERT``). The bookkeeping lives on the outermost
``Atomic`` object, so it dies with the transaction; rows lost to a savepoint rollback are
noticed (no row updated) and written again.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections, transaction

from clerk_users.app_settings import app_settings
from clerk_users.webhooks import events

CACHE_KEY = "clerk_users:webhook_endpoints:v1"
# A later user.* event in the same transaction: which type the one message keeps.
_MERGED_TYPE = {
    ("user.updated", "user.updated"): "user.updated",
    ("user.created", "user.updated"): "user.created",
    ("user.updated", "user.created"): "user.created",
}


def endpoint_rows() -> list[tuple[str, list[str]]]:
    """(id, event filter) of every enabled endpoint, from the cache when it can."""
    rows = cache.get(CACHE_KEY)
    if rows is None:
        from clerk_users.models import WebhookEndpoint

        rows = [
            (pk, list(types or []))
            for pk, types in WebhookEndpoint.objects.filter(enabled=True)
            .order_by("created_at", "id")
            .values_list("id", "event_types")
        ]
        cache.set(CACHE_KEY, rows, timeout=app_settings.WEBHOOK_ENDPOINTS_CACHE_TIMEOUT)
    return list(rows)


def forget_endpoints() -> None:
    """Clear the cached endpoint list now and again when the current transaction commits
    (so no request caches the list as it was before the change committed)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))


def subscribed(event_type: str) -> list[str]:
    """Endpoints that receive ``event_type``; none while an import suppresses webhooks
    (``clerk_users_import_clerk`` without ``--webhooks``)."""
    from clerk_users.imports.context import webhooks_suppressed

    if webhooks_suppressed():
        return []
    return [pk for pk, types in endpoint_rows() if not types or event_type in types]


def outermost_atomic(using: str = DEFAULT_DB_ALIAS) -> Any:
    """The ``Atomic`` of the current transaction (None in autocommit). The atomics a Django
    test case wraps each test in are skipped: each change of a test is its own transaction."""
    connection = connections[using]
    if not connection.in_atomic_block:
        return None
    return next(
        (a for a in connection.atomic_blocks if not getattr(a, "_from_testcase", False)), None
    )


def _tx_registry(using: str) -> dict[str, Any] | None:
    outermost = outermost_atomic(using)
    if outermost is None:
        return None
    registry = getattr(outermost, "_clerk_webhooks", None)
    if registry is None:
        registry = {}
        outermost._clerk_webhooks = registry  # type: ignore[attr-defined]
    return registry


def _body(event_type: str, data: dict[str, Any]) -> str:
    return json.dumps(events.envelope(event_type, data), separators=(",", ":"), default=str)


def enqueue(
    event_type: str,
    build_data: Callable[[], dict[str, Any] | None],
    *,
    user_key: str,
    using: str = DEFAULT_DB_ALIAS,
) -> list[str]:
    """Write the event for every subscribed endpoint; returns the message ids (``msg_...``).

    ``build_data`` runs only when some endpoint subscribes (no endpoint: no cost)."""
    from clerk_users.models import WebhookMessage

    endpoint_ids = subscribed(event_type)
    if not endpoint_ids:
        return []
    registry = _tx_registry(using) if event_type.startswith("user.") else None
    pending = registry.get(user_key) if registry is not None else None
    merged = None
    if pending is not None and pending["endpoints"] == endpoint_ids:
        merged = _MERGED_TYPE.get((pending["type"], event_type))
    data = build_data()
    if data is None:
        return []
    if merged is not None and pending is not None:
        body = _body(merged, data)
        updated = (
            WebhookMessage.objects.using(using)
            .filter(id__in=pending["ids"], status="pending", attempt_count=0)
            .update(event_type=merged, body=body)
        )
        if updated == len(pending["ids"]):
            pending["type"] = merged
            return list(pending["ids"])
    body = _body(event_type, data)
    messages = [
        WebhookMessage(endpoint_id=pk, event_type=event_type, user_key=user_key, body=body)
        for pk in endpoint_ids
    ]
    WebhookMessage.objects.using(using).bulk_create(messages)
    message_ids = [m.id for m in messages]
    if registry is not None:
        registry[user_key] = {"type": event_type, "ids": message_ids, "endpoints": endpoint_ids}
    from clerk_users.webhooks import tasks

    tasks.trigger_on_commit(using)
    return message_ids
