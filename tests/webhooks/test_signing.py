"""Signatures as Svix makes them: verified by the ``svix`` library and by ``@clerk/backend``'s
``verifyWebhook`` (Node), unchanged; after a rotation both secrets verify for 24 h."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from svix.webhooks import Webhook, WebhookVerificationError

from clerk_users.webhooks import endpoints, signing
from tests import node

from .conftest import deliver


def node_verify(secret: str, headers: dict[str, str], body: str) -> dict[str, Any]:
    payload = {"secret": secret, "headers": headers, "body": body}
    return node.run_script("verify_webhook.mjs", payload)


def svix_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.startswith("svix-")}


def svix_verify(secret: str, body: str, headers: dict[str, str]) -> dict[str, Any]:
    """The svix library's check (raises ``WebhookVerificationError``), then the event."""
    Webhook(secret).verify(body, headers)
    return json.loads(body)


def test_same_signature_as_the_svix_library() -> None:
    secret = signing.generate_secret()
    now = timezone.now().replace(microsecond=0)
    ours = signing.sign(secret, "msg_1", int(now.timestamp()), '{"a":1}')
    assert ours == Webhook(secret).sign("msg_1", now, '{"a":1}')


def test_secret_format() -> None:
    secret = signing.generate_secret()
    assert secret.startswith("whsec_") and len(signing.secret_key(secret)) == 24
    assert signing.is_valid_secret(secret)
    assert not signing.is_valid_secret("whsec_!!!") and not signing.is_valid_secret("abc")


def test_svix_and_clerk_node_sdk_accept_a_delivered_message(
    endpoint: Any, receiver: Any, make_user: Any
) -> None:
    user = make_user(first_name="Ada")
    assert deliver() == 1
    [request] = receiver.requests
    headers, body = request["headers"], request["body"]
    assert headers["svix-id"].startswith("msg_") and headers["webhook-id"] == headers["svix-id"]
    assert headers["svix-signature"].startswith("v1,")
    assert headers["webhook-signature"] == headers["svix-signature"]
    payload = svix_verify(endpoint.secret, body, svix_headers(headers))
    assert payload["type"] == "user.created" and payload["data"]["id"] == user.pk
    # Standard Webhooks names verify too (the svix library reads either set).
    webhook_only = {k: v for k, v in headers.items() if k.startswith("webhook-")}
    assert svix_verify(endpoint.secret, body, webhook_only)["data"]["first_name"] == "Ada"
    result = node_verify(endpoint.secret, svix_headers(headers), body)
    assert result["ok"], result
    assert result["event"]["type"] == "user.created"
    assert result["event"]["data"]["id"] == user.pk
    assert result["event"]["event_attributes"] == payload["event_attributes"]
    # Another secret, or a changed body, is refused by both.
    other = signing.generate_secret()
    with pytest.raises(WebhookVerificationError):
        Webhook(other).verify(body, svix_headers(headers))
    with pytest.raises(WebhookVerificationError):
        Webhook(endpoint.secret).verify(body.replace("Ada", "Eve"), svix_headers(headers))
    assert not node_verify(other, svix_headers(headers), body)["ok"]
    assert not node_verify(endpoint.secret, svix_headers(headers), body.replace("Ada", "Eve"))["ok"]


def test_rotation_signs_with_both_secrets_for_24_hours(
    endpoint: Any, receiver: Any, make_user: Any
) -> None:
    old = endpoint.secret
    new = endpoints.rotate_secret(endpoint)
    assert new != old and new.startswith("whsec_")
    make_user()
    deliver()
    headers, body = receiver.requests[-1]["headers"], receiver.requests[-1]["body"]
    assert len(headers["svix-signature"].split(" ")) == 2
    for secret in (old, new):
        assert svix_verify(secret, body, svix_headers(headers))["type"] == "user.created"
    assert node_verify(old, svix_headers(headers), body)["ok"]
    assert node_verify(new, svix_headers(headers), body)["ok"]
    # After 24 h only the new secret signs.
    later = timezone.now() + timedelta(hours=24, seconds=1)
    assert endpoints.signing_secrets(endpoint, later) == [new]
    endpoint.previous_secret_expires_at = timezone.now() - timedelta(seconds=1)
    endpoint.save()
    make_user()
    deliver()
    headers, body = receiver.requests[-1]["headers"], receiver.requests[-1]["body"]
    assert len(headers["svix-signature"].split(" ")) == 1
    Webhook(new).verify(body, svix_headers(headers))
    with pytest.raises(WebhookVerificationError):
        Webhook(old).verify(body, svix_headers(headers))
