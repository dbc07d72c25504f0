"""Admin of webhooks: create (secret shown once, bad URL refused), show the secret on
request, disable, rotate; messages with attempts and "send again"."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse

from clerk_users.models import MessageStatus, User, WebhookEndpoint, WebhookMessage

from .conftest import deliver


@pytest.fixture
def staff(client: Any, db: Any) -> Any:
    client.force_login(User.objects.create_superuser("boss", "a good admin password"))
    return client


def test_create_endpoint_shows_the_secret(staff: Any, receiver: Any) -> None:
    url = reverse("admin:clerk_users_webhookendpoint_add")
    assert staff.get(url).status_code == 200
    response = staff.post(
        url,
        {
            "url": receiver.url,
            "description": "crm",
            "event_types": ["user.created"],
            "enabled": "on",
        },
        follow=True,
    )
    assert response.status_code == 200
    endpoint = WebhookEndpoint.objects.get()
    assert endpoint.event_types == ["user.created"] and endpoint.enabled
    assert endpoint.secret in response.content.decode()


@pytest.mark.parametrize("bad", ["ftp://x.example/h", "http://testserver/admin/"])
def test_create_refuses_bad_urls(staff: Any, bad: str) -> None:
    response = staff.post(
        reverse("admin:clerk_users_webhookendpoint_add"), {"url": bad, "enabled": "on"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert response.context["adminform"].form.errors["url"]
    assert not WebhookEndpoint.objects.exists()


def test_secret_shown_on_request_only(staff: Any, endpoint: Any) -> None:
    url = reverse("admin:clerk_users_webhookendpoint_change", args=[quote(endpoint.pk)])
    assert endpoint.secret not in staff.get(url).content.decode()
    assert endpoint.secret in staff.get(url + "?show_secret=1").content.decode()


def test_disable_enable_and_rotate_actions(staff: Any, endpoint: Any) -> None:
    url = reverse("admin:clerk_users_webhookendpoint_changelist")
    staff.post(url, {"action": "disable_endpoints", "_selected_action": [endpoint.pk]})
    endpoint.refresh_from_db()
    assert not endpoint.enabled and "boss" in endpoint.disabled_reason
    staff.post(url, {"action": "enable_endpoints", "_selected_action": [endpoint.pk]})
    old = endpoint.secret
    response = staff.post(
        url, {"action": "rotate_secrets", "_selected_action": [endpoint.pk]}, follow=True
    )
    endpoint.refresh_from_db()
    assert endpoint.enabled and endpoint.secret != old and endpoint.previous_secret == old
    assert endpoint.secret in response.content.decode()


def test_messages_attempts_and_send_again(
    staff: Any, endpoint: Any, receiver: Any, make_user: Any
) -> None:
    receiver.plan = [500]
    make_user()
    deliver()
    message = WebhookMessage.objects.get()
    change = reverse("admin:clerk_users_webhookmessage_change", args=[message.pk])
    page = staff.get(change).content.decode()
    assert message.id in page and "answer 500" in page and "HTTP 500" in page
    assert staff.get(reverse("admin:clerk_users_webhookmessage_changelist")).status_code == 200
    assert staff.get(reverse("admin:clerk_users_webhookattempt_changelist")).status_code == 200
    staff.post(
        reverse("admin:clerk_users_webhookmessage_changelist"),
        {"action": "send_again", "_selected_action": [message.pk]},
    )
    assert deliver() == 1  # due at once again
    message.refresh_from_db()
    assert message.status == MessageStatus.DELIVERED
    assert {r["headers"]["svix-id"] for r in receiver.requests} == {message.id}
