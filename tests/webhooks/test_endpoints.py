"""Endpoint rules and the commands: bad URLs (not http(s), this site itself), unknown
events; the add command prints the secret; the Tasks trigger delivers on commit; checks."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from clerk_users.models import WebhookEndpoint, WebhookMessage
from clerk_users.webhooks import checks, endpoints, outbox, signing

from .conftest import types_of


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("ftp://example.com/hook", "scheme"),
        ("file:///etc/passwd", "scheme"),
        ("javascript:alert(1)", "scheme"),
        ("", "url_required"),
        ("http://", "invalid_url"),
        ("https://exa mple.com/", "invalid_url"),
    ],
)
def test_bad_urls_are_refused(db: Any, url: str, code: str) -> None:
    with pytest.raises(ValidationError) as caught:
        endpoints.create_endpoint(url)
    assert caught.value.code == code
    assert not WebhookEndpoint.objects.exists()


def test_a_url_of_this_site_is_refused(db: Any, settings: Any) -> None:
    settings.ALLOWED_HOSTS = ["app.example.com", ".example.org"]
    for url in (
        "https://app.example.com/api/backend/v1/users",
        "https://www.example.org/admin/",
        "https://app.example.com/",
    ):
        with pytest.raises(ValidationError) as caught:
            endpoints.create_endpoint(url)
        assert caught.value.code == "loop"
    # The request's own host (the admin passes it), even with ALLOWED_HOSTS = ["*"].
    settings.ALLOWED_HOSTS = ["*"]
    with pytest.raises(ValidationError):
        endpoints.create_endpoint(
            "http://localhost:8000/accounts/login/", site_host="localhost:8000"
        )
    # Another host, another port, or a path this site does not serve: fine.
    settings.ALLOWED_HOSTS = ["app.example.com"]
    assert endpoints.create_endpoint("https://hooks.example.net/clerk")
    assert endpoints.create_endpoint("http://localhost:9000/", site_host="localhost:8000")
    assert endpoints.create_endpoint("https://app.example.com/not/a/route/of/ours/")


def test_unknown_events_are_refused(db: Any) -> None:
    with pytest.raises(ValidationError, match=r"organization\.created"):
        endpoints.create_endpoint("https://a.example/h", event_types="organization.created")
    endpoint = endpoints.create_endpoint(
        "https://a.example/h", event_types=" user.deleted , user.created"
    )
    assert endpoint.event_types == ["user.created", "user.deleted"]


def test_add_command_prints_the_secret(db: Any) -> None:
    out, err = StringIO(), StringIO()
    call_command(
        "clerk_users_add_webhook_endpoint",
        "https://hooks.example.net/clerk",
        "--events",
        "user.created,session.created",
        stdout=out,
        stderr=err,
    )
    secret = out.getvalue().strip().splitlines()[-1]
    endpoint = WebhookEndpoint.objects.get()
    assert secret == endpoint.secret and signing.is_valid_secret(secret)
    assert endpoint.event_types == ["user.created", "session.created"]
    assert endpoint.pk in err.getvalue()
    with pytest.raises(CommandError, match="http"):
        call_command("clerk_users_add_webhook_endpoint", "gopher://x.example/")
    with pytest.raises(CommandError, match="Unknown event"):
        call_command("clerk_users_add_webhook_endpoint", "https://x.example/", "--events", "nope")
    assert WebhookEndpoint.objects.count() == 1


def test_a_new_endpoint_is_seen_at_once(db: Any, make_user: Any) -> None:
    make_user()  # the (empty) endpoint list is cached
    endpoints.create_endpoint("https://a.example/h")
    make_user()
    assert types_of() == ["user.created"]


def test_tasks_trigger_delivers_on_commit(
    endpoint: Any,
    receiver: Any,
    make_user: Any,
    settings: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_TRIGGER": "tasks"}
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        make_user()
    assert len(callbacks) >= 1
    assert receiver.types() == ["user.created"]
    assert WebhookMessage.objects.get().status == "delivered"


def test_a_broken_trigger_loses_nothing(
    endpoint: Any, make_user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_TRIGGER": "celery"}
    with django_capture_on_commit_callbacks(execute=True):
        make_user()  # celery is not installed: logged, not raised
    assert WebhookMessage.objects.get().status == "pending"  # the worker will send it


def test_checks(settings: Any) -> None:
    assert checks.check_webhooks() == []
    settings.CLERK_USERS = {
        "WEBHOOK_RETRY_SCHEDULE": [],
        "WEBHOOK_TIMEOUT": 0,
        "WEBHOOK_TRIGGER": "rq",
    }
    ids = {p.id for p in checks.check_webhooks()}
    assert ids == {"clerk_users.E150", "clerk_users.E151", "clerk_users.E152"}


def test_endpoint_cache_is_cleared_on_delete(db: Any) -> None:
    endpoint = endpoints.create_endpoint("https://a.example/h")
    assert [pk for pk, _ in outbox.endpoint_rows()] == [endpoint.pk]
    endpoint.delete()
    assert outbox.endpoint_rows() == []
