"""The outbox: rows written in the change's transaction, one insert per subscribed endpoint,
nothing without an endpoint, nothing for a rolled-back change."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import transaction

from clerk_users import users
from clerk_users.models import User, WebhookMessage
from clerk_users.webhooks import events, outbox

from .conftest import messages, payloads, types_of


def test_no_endpoint_no_row_and_no_query(
    db: Any, user: Any, django_assert_num_queries: Any
) -> None:
    users.update_user(user, {"first_name": "A"})
    with django_assert_num_queries(0):
        assert outbox.enqueue("user.updated", lambda: pytest.fail("built"), user_key=user.pk) == []
    assert not WebhookMessage.objects.exists()


def test_one_insert_for_all_subscribed_endpoints(
    make_endpoint: Any, user: Any, django_assert_num_queries: Any
) -> None:
    first = make_endpoint("https://a.example/hook")
    second = make_endpoint("https://b.example/hook", event_types="user.updated,user.deleted")
    make_endpoint("https://c.example/hook", event_types=["session.created"])
    outbox.endpoint_rows()  # cached from here on
    with django_assert_num_queries(1):  # the INSERT (the payload is given)
        ids = outbox.enqueue("user.updated", lambda: {"object": "user"}, user_key=user.pk)
    assert len(ids) == 2
    assert {m.endpoint_id for m in messages()} == {first.pk, second.pk}
    assert len({m.id for m in messages()}) == 2


def test_envelope_is_clerks(endpoint: Any, client: Any, make_user: Any) -> None:
    user = make_user(first_name="Grace")
    [event] = payloads()
    assert set(event) == {"data", "event_attributes", "instance_id", "object", "timestamp", "type"}
    assert event["object"] == "event" and event["type"] == "user.created"
    assert event["instance_id"].startswith("ins_") and len(event["instance_id"]) == 31
    assert isinstance(event["timestamp"], int) and event["timestamp"] > 1_700_000_000_000
    assert event["event_attributes"] == {"http_request": {"client_ip": "", "user_agent": ""}}
    # data is the Backend API's JSON of the user, field for field.
    from clerk_users.api.backend.views.users import users_queryset
    from clerk_users.api.serializers import user_json

    expected = json.loads(json.dumps(user_json(users_queryset().get(pk=user.pk))))
    assert event["data"] == expected


def test_http_request_attributes_come_from_the_request(endpoint: Any, user: Any) -> None:
    from tests.api.frontend.conftest import FrontendClient

    api = FrontendClient(user)
    response = api.client.patch(
        "/api/frontend/v1/me",
        json.dumps({"first_name": "Q"}),
        content_type="application/json",
        HTTP_X_CSRFTOKEN=api.csrf,
        HTTP_USER_AGENT="Receiver-Test/1.0",
        REMOTE_ADDR="203.0.113.9",
    )
    assert response.status_code == 200
    [event] = [e for e in payloads() if e["type"] == "user.updated"]
    assert event["event_attributes"]["http_request"] == {
        "client_ip": "203.0.113.9",
        "user_agent": "Receiver-Test/1.0",
    }
    assert events.http_request() == {"client_ip": "", "user_agent": ""}  # reset after


def test_rolled_back_change_writes_nothing(endpoint: Any, user: Any) -> None:
    WebhookMessage.objects.all().delete()
    with pytest.raises(RuntimeError), transaction.atomic():
        users.update_user(user, {"first_name": "Rolled"})
        assert types_of() == ["user.updated"]  # written in the same transaction...
        raise RuntimeError
    assert not WebhookMessage.objects.exists()  # ...and gone with it


def test_bad_input_writes_nothing(endpoint: Any, user: Any) -> None:
    from clerk_users.errors import ClerkError

    WebhookMessage.objects.all().delete()
    with pytest.raises(ClerkError):
        users.update_user(user, {"username": "!"})
    with pytest.raises(ClerkError):
        User.objects.create_user(username="ok_name", email_address=["a@x.example", "bad"])
    assert not WebhookMessage.objects.exists()


def test_one_event_per_change_with_the_final_state(endpoint: Any) -> None:
    user = User.objects.create_user(
        username="multi", email_address=["a@x.example", "b@x.example"], phone_number="+14155550100"
    )
    [event] = payloads()
    assert event["type"] == "user.created"
    assert [e["email_address"] for e in event["data"]["email_addresses"]] == [
        "a@x.example",
        "b@x.example",
    ]
    assert event["data"]["primary_phone_number_id"] == user.primary_phone_number_id
    # Outside a transaction, each change is its own event.
    users.update_user(user, {"first_name": "One"})
    users.update_user(user, {"last_name": "Two"})
    assert types_of() == ["user.created", "user.updated", "user.updated"]
    assert [p["data"]["last_name"] for p in payloads()][1:] == [None, "Two"]


def test_event_filter(make_endpoint: Any, make_user: Any) -> None:
    only_deleted = make_endpoint("https://a.example/hook", event_types=["user.deleted"])
    user = make_user()
    assert not messages()
    users.delete_user(user)
    [message] = messages()
    assert message.endpoint_id == only_deleted.pk and message.event_type == "user.deleted"
    assert json.loads(message.body)["data"] == {"object": "user", "id": user.pk, "deleted": True}


def test_disabled_endpoint_receives_nothing(make_endpoint: Any, make_user: Any) -> None:
    from clerk_users.webhooks import endpoints

    endpoint = make_endpoint("https://a.example/hook")
    endpoints.set_enabled(endpoint, False, "paused")
    make_user()
    assert not messages()
    endpoints.set_enabled(endpoint, True)
    make_user()
    assert types_of() == ["user.created"]


def test_added_queries_per_write_request(db: Any, client: Any, user: Any) -> None:
    """PATCH /users/{id}: no endpoint adds no query; 1 or 3 endpoints add the reads of the
    user's JSON (the user and its 5 prefetched relations) and ONE insert."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from clerk_users import secret_keys
    from clerk_users.webhooks import endpoints

    headers = {"Authorization": f"Bearer {secret_keys.create_secret_key('t')[1]}"}

    def queries() -> list[str]:
        with CaptureQueriesContext(connection) as captured:
            response = client.patch(
                f"/api/backend/v1/users/{user.pk}",
                json.dumps({"first_name": "x"}),
                content_type="application/json",
                headers=headers,
            )
            assert response.status_code == 200
        return [q["sql"] for q in captured.captured_queries]

    queries()  # warm (throttle, caches)
    peer = queries()
    assert not any("webhook" in sql for sql in peer)
    for count in (1, 3):
        WebhookMessage.objects.all().delete()
        for n in range(count - len(outbox.endpoint_rows())):
            endpoints.create_endpoint(f"https://a{n}.example/h")
        queries()
        found = queries()
        inserts = [
            sql for sql in found if sql.startswith('INSERT INTO "clerk_users_webhookmessage"')
        ]
        assert len(inserts) == 1
        # the user's JSON for ``data`` (2 queries: models/loading.py) and one INSERT
        assert len(found) == len(peer) + 2 + 1
