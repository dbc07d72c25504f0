"""An import without ``--webhooks`` queues no event; with it, every imported user is announced."""

from __future__ import annotations

import pytest

from clerk_users.imports.context import suppress_webhooks
from clerk_users.models import User
from clerk_users.models.webhooks import WebhookMessage
from clerk_users.webhooks import endpoints

pytestmark = pytest.mark.django_db


def _endpoint() -> None:
    endpoints.create_endpoint("https://receiver.example.com/hook")


def test_suppressed_import_queues_nothing() -> None:
    _endpoint()
    with suppress_webhooks():
        User.objects.create_user(email_address="quiet@example.com")
    assert not WebhookMessage.objects.exists()


def test_unsuppressed_change_is_queued() -> None:
    _endpoint()
    with suppress_webhooks(False):
        User.objects.create_user(email_address="loud@example.com")
    assert WebhookMessage.objects.filter(event_type="user.created").count() == 1
