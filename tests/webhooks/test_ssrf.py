"""Attack finding F8: endpoint URLs may not name internal addresses, and a host name that
resolves to one is refused when delivering (the peer reached is checked), unless
``WEBHOOK_ALLOW_PRIVATE_ADDRESSES`` (which tests/settings.py turns on for the local receiver)."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import ValidationError

from clerk_users.models import MessageStatus, WebhookEndpoint
from clerk_users.webhooks import endpoints

from .conftest import deliver, messages


@pytest.fixture
def private_refused(settings: Any) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://0.0.0.0:8765/x",
        "http://[::ffff:127.0.0.1]:8765/x",
        "http://[::ffff:a9fe:a9fe]/latest/meta-data/",
        "http://127.0.0.1:8765/x",
        "http://127.1.2.3/x",
        "http://[::1]:8000/x",
        "http://[fe80::1]/x",
        "http://[::]/x",
        "http://10.0.0.7/x",
        "http://172.16.5.4/x",
        "https://192.168.1.10/x",
        "http://100.64.0.1/x",
        "http://localhost:9000/x",
        "http://api.localhost/x",
    ],
)
def test_internal_addresses_are_refused(db: Any, private_refused: None, url: str) -> None:
    with pytest.raises(ValidationError) as caught:
        endpoints.create_endpoint(url)
    assert caught.value.code == "private_address"
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "::ffff:169.254.169.254", "0.0.0.0", "::", "fe80::1%1", "10.1.2.3", "nope"],
)
def test_is_internal_address(address: str) -> None:
    assert endpoints.is_internal_address(address)


def test_public_receivers_are_accepted(db: Any, private_refused: None) -> None:
    assert not endpoints.is_internal_address("93.184.216.34")
    assert endpoints.create_endpoint("https://hooks.example.net/clerk")
    assert endpoints.create_endpoint("http://93.184.216.34/hook")
    assert endpoints.create_endpoint("http://[2606:2800:220:1:248:1893:25c8:1946]/hook")


def test_the_setting_allows_private_receivers(db: Any) -> None:
    assert endpoints.create_endpoint("http://10.0.0.7/x")
    assert endpoints.create_endpoint("http://127.0.0.1:8765/x")


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_delivery_refuses_a_host_that_reaches_an_internal_address(
    receiver: Any, make_user: Any, settings: Any, host: str
) -> None:
    """Created while allowed (or a public name later re-pointed at 127.0.0.1): the worker
    resolves the name, sees the internal peer and sends nothing."""
    url = receiver.url.replace("127.0.0.1", host)
    endpoints.create_endpoint(url)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": False}
    make_user()
    assert deliver() == 1
    assert receiver.requests == []  # nothing reached the internal service
    [message] = messages()
    assert message.status == MessageStatus.PENDING  # retried on the schedule, as any failure
    [attempt] = message.attempts.all()
    assert not attempt.succeeded and attempt.status_code is None
    assert attempt.error.startswith(f"refused: {host} is the internal address ")
    assert "WEBHOOK_ALLOW_PRIVATE_ADDRESSES" in attempt.error
    assert attempt.response_excerpt == ""
    # Allowed again: the same message goes through.
    settings.CLERK_USERS = {**settings.CLERK_USERS, "WEBHOOK_ALLOW_PRIVATE_ADDRESSES": True}
    message.next_attempt_at = attempt.created_at
    message.save(update_fields=["next_attempt_at"])
    assert deliver() == 1
    assert len(receiver.requests) == 1
