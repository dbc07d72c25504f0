"""Optional trigger of delivery when a change commits, through Django's Tasks framework
(``django.tasks`` from Django 6.0, the ``django-tasks`` backport on 5.2) or Celery.

``CLERK_USERS["WEBHOOK_TRIGGER"] = "tasks"`` (or ``"celery"``) enqueues ``deliver_webhooks``
once per committed transaction that wrote messages. The outbox stays the source of truth: a
task that is lost, fails or never runs loses nothing, since ``clerk_users_deliver_webhooks``
(or the next task) delivers whatever is due. A trigger that cannot be enqueued is logged, never
raised into the request that made the change.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction

from clerk_users.app_settings import app_settings

logger = logging.getLogger(__name__)
TASKS, CELERY = "tasks", "celery"


def deliver_webhooks() -> int:
    """Deliver what is due now (the body of the task); returns how many were attempted."""
    from clerk_users.webhooks import delivery

    return delivery.deliver_due()


def tasks_module() -> Any:
    """``django.tasks`` (Django 6.0+) or the ``django_tasks`` backport; None without both."""
    try:
        import django.tasks as module  # type: ignore[import-not-found,unused-ignore]
    except ImportError:
        try:
            import django_tasks as module  # type: ignore[no-redef,import-not-found,unused-ignore]
        except ImportError:
            return None
    return module


_task_cache: dict[str, Any] = {}


def django_task() -> Any:
    """The Tasks-framework task wrapping ``deliver_webhooks`` (created on first use, so the
    task backend named in ``TASKS`` is read after settings are ready)."""
    if TASKS not in _task_cache:
        module = tasks_module()
        if module is None:
            raise RuntimeError("WEBHOOK_TRIGGER='tasks' needs Django 6.0+ or django-tasks")
        _task_cache[TASKS] = module.task(deliver_webhooks)
    return _task_cache[TASKS]


def celery_task() -> Any:
    if CELERY not in _task_cache:
        from celery import shared_task  # type: ignore[import-not-found,unused-ignore]

        _task_cache[CELERY] = shared_task(name="clerk_users.deliver_webhooks")(deliver_webhooks)
    return _task_cache[CELERY]


def trigger() -> None:
    """Enqueue one delivery run through the configured framework (errors are logged)."""
    kind = app_settings.WEBHOOK_TRIGGER
    try:
        if kind == TASKS:
            django_task().enqueue()
        elif kind == CELERY:
            celery_task().delay()
    except Exception:  # the outbox keeps the messages; the worker delivers them anyway
        logger.exception("clerk_users: could not trigger webhook delivery through %s", kind)


def trigger_on_commit(using: str = DEFAULT_DB_ALIAS) -> None:
    """Trigger once when the current transaction commits (at once in autocommit)."""
    if not app_settings.WEBHOOK_TRIGGER:
        return
    from clerk_users.webhooks.outbox import outermost_atomic

    outermost = outermost_atomic(using)
    if outermost is not None:
        if getattr(outermost, "_clerk_webhook_trigger", False):
            return
        outermost._clerk_webhook_trigger = True  # type: ignore[attr-defined]
    transaction.on_commit(trigger, using=using)
