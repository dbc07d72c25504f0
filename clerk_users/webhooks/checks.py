"""System checks of the webhook settings (``python manage.py check``)."""

from __future__ import annotations

from typing import Any

from django.core.checks import Error, register

from clerk_users.app_settings import app_settings


@register()
def check_webhooks(app_configs: Any = None, **kwargs: Any) -> list[Any]:
    problems: list[Any] = []
    try:
        schedule = app_settings.WEBHOOK_RETRY_SCHEDULE
        bad = not schedule or any(s < 0 for s in schedule)
    except (TypeError, ValueError):
        bad = True
    if bad:
        problems.append(
            Error(
                "CLERK_USERS['WEBHOOK_RETRY_SCHEDULE'] must be a non-empty list of seconds >= 0.",
                hint="Svix's schedule: [0, 5, 300, 1800, 7200, 18000, 36000, 36000].",
                id="clerk_users.E150",
            )
        )
    try:
        timeout_ok = app_settings.WEBHOOK_TIMEOUT > 0 and app_settings.WEBHOOK_DISABLE_AFTER > 0
    except (TypeError, ValueError):
        timeout_ok = False
    if not timeout_ok:
        problems.append(
            Error(
                "CLERK_USERS['WEBHOOK_TIMEOUT'] and ['WEBHOOK_DISABLE_AFTER'] must be "
                "positive numbers of seconds.",
                id="clerk_users.E151",
            )
        )
    trigger = app_settings.WEBHOOK_TRIGGER
    if trigger not in (None, "tasks", "celery"):
        problems.append(
            Error(
                f"CLERK_USERS['WEBHOOK_TRIGGER'] is {trigger!r}.",
                hint='Use None, "tasks" (Django\'s Tasks framework) or "celery".',
                id="clerk_users.E152",
            )
        )
    elif trigger == "tasks":
        from clerk_users.webhooks import tasks

        if tasks.tasks_module() is None:
            problems.append(
                Error(
                    "WEBHOOK_TRIGGER is 'tasks' but Django's Tasks framework is missing.",
                    hint="pip install django-tasks (Django 5.2), or use Django 6.0+.",
                    id="clerk_users.E153",
                )
            )
    elif trigger == "celery":
        try:
            import celery  # type: ignore[import-not-found,unused-ignore]  # noqa: F401
        except ImportError:
            problems.append(
                Error(
                    "WEBHOOK_TRIGGER is 'celery' but Celery is not installed.",
                    hint="pip install celery, or set WEBHOOK_TRIGGER to None.",
                    id="clerk_users.E154",
                )
            )
    return problems
