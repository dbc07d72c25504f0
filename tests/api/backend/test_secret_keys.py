"""Secret keys: digest-only storage, verify/revoke, last_used_at throttled writes, the
management commands and the admin."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from clerk_users import secret_keys
from clerk_users.models import SecretKey

pytestmark = pytest.mark.django_db


def test_create_stores_only_digest_and_prefix() -> None:
    key, raw = secret_keys.create_secret_key("ci")
    assert raw.startswith("sk_test_") and len(raw) == len("sk_test_") + 43
    stored = SecretKey.objects.get(pk=key.pk)
    assert raw not in {stored.digest, stored.visible_prefix, stored.name}
    assert stored.digest == secret_keys.digest(raw)
    assert raw.startswith(stored.visible_prefix) and len(stored.visible_prefix) == 12
    live_key, live_raw = secret_keys.create_secret_key("prod", "live")
    assert live_raw.startswith("sk_live_") and live_key.environment == "live"


def test_verify_and_revoke() -> None:
    key, raw = secret_keys.create_secret_key("ci")
    assert secret_keys.verify(raw) == key
    for bad in (raw + "x", raw[:-1], "sk_test_nope", "pk_test_x", "", None, 42):
        assert secret_keys.verify(bad) is None
    secret_keys.revoke(key)
    first = key.revoked_at
    assert first is not None and secret_keys.verify(raw) is None
    secret_keys.revoke(key)
    assert key.revoked_at == first


def test_last_used_at_written_at_most_once_per_resolution(
    django_assert_num_queries: Any,
) -> None:
    _, raw = secret_keys.create_secret_key("ci")
    with django_assert_num_queries(2):  # lookup + first touch
        key = secret_keys.verify(raw)
    assert key is not None and key.last_used_at is not None
    with django_assert_num_queries(1):  # lookup only: recent use
        secret_keys.verify(raw)
    old = timezone.now() - timedelta(seconds=secret_keys.LAST_USED_RESOLUTION + 5)
    SecretKey.objects.filter(pk=key.pk).update(last_used_at=old)
    with django_assert_num_queries(2):
        secret_keys.verify(raw)
    assert SecretKey.objects.get(pk=key.pk).last_used_at > old


def test_create_secret_key_command_prints_key_last() -> None:
    out, err = io.StringIO(), io.StringIO()
    call_command("clerk_users_create_secret_key", "--name", "deploy", stdout=out, stderr=err)
    raw = out.getvalue().strip().splitlines()[-1]
    assert re.findall(r"\bsk_\w+", out.getvalue() + err.getvalue()) == [raw]
    key = secret_keys.verify(raw)
    assert key is not None and key.name == "deploy"
    out = io.StringIO()
    call_command("clerk_users_create_secret_key", "--name", "p", "--live", stdout=out)
    assert out.getvalue().strip().splitlines()[-1].startswith("sk_live_")


def test_demo_command_creates_user_once_and_a_new_key_each_time() -> None:
    from clerk_users.models import User

    out = io.StringIO()
    call_command("clerk_users_demo", stdout=out)
    first = out.getvalue().strip().splitlines()[-1]
    assert secret_keys.verify(first) is not None
    # The key alone on its last line, and nothing else in the output that looks like a key.
    assert re.fullmatch(r"sk_test_\w+", first)
    assert re.findall(r"\bsk_\w+", out.getvalue()) == [first]
    user = User.objects.get(username="demo")
    assert user.primary_email_address.email_address == "demo@example.com"
    out = io.StringIO()
    call_command("clerk_users_demo", stdout=out)
    second = out.getvalue().strip().splitlines()[-1]
    assert second != first and secret_keys.verify(second) is not None
    assert User.objects.filter(username="demo").count() == 1


def test_admin_create_shows_key_once_and_revoke_action(client: Any, make_user: Any) -> None:
    admin = make_user(is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        "/admin/clerk_users/secretkey/add/",
        {"name": "from admin", "environment": "test"},
        follow=True,
    )
    assert response.status_code == 200
    text = [str(m) for m in response.context["messages"]]
    raw = next(m for m in text if "sk_test_" in m).split()[-1]
    key = secret_keys.verify(raw)
    assert key is not None and key.name == "from admin"
    listing = client.get("/admin/clerk_users/secretkey/")
    assert listing.status_code == 200 and raw not in listing.content.decode()
    assert client.get(f"/admin/clerk_users/secretkey/{key.pk}/change/").status_code == 200
    response = client.post(
        "/admin/clerk_users/secretkey/",
        {"action": "revoke_keys", "_selected_action": [key.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert secret_keys.verify(raw) is None
