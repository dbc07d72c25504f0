"""The publishable key: encoding, the system check and the management command."""

from __future__ import annotations

import base64
from io import StringIO

import pytest
from django.core.management import call_command
from django.test import RequestFactory

from clerk_users import publishable_keys


def test_derived_key_decodes_to_clerk_dot_host():
    request = RequestFactory().get("/", HTTP_HOST="localhost:8000")
    key = publishable_keys.publishable_key(request)
    assert key.startswith("pk_live_")
    assert base64.b64decode(key[len("pk_live_") :]).decode() == "clerk.localhost$"
    assert publishable_keys.decode(key) == "clerk.localhost"


@pytest.mark.parametrize(
    "key",
    [
        "pk_live_" + base64.b64encode(b"localhost$").decode(),  # no dot
        "pk_live_" + base64.b64encode(b"clerk.example.com").decode(),  # no $
        "pk_live_!!!",
        "sk_live_" + base64.b64encode(b"clerk.example.com$").decode(),
        "",
        None,
    ],
)
def test_invalid_keys_do_not_decode(key):
    assert publishable_keys.decode(key) is None


def test_system_check_reports_a_bad_key(settings):
    settings.CLERK_USERS = {**settings.CLERK_USERS, "PUBLISHABLE_KEY": "pk_live_bad"}
    assert [e.id for e in publishable_keys.check_publishable_key()] == ["clerk_users.E070"]
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "PUBLISHABLE_KEY": publishable_keys.encode("clerk.example.com"),
    }
    assert publishable_keys.check_publishable_key() == []


def test_command_prints_the_key(settings):
    out = StringIO()
    call_command("clerk_users_publishable_key", "--host", "accounts.example.com", stdout=out)
    key = out.getvalue().strip().splitlines()[-1]
    assert publishable_keys.decode(key) == "clerk.accounts.example.com"
    out = StringIO()
    call_command("clerk_users_publishable_key", "--host", "a.example.com", "--test", stdout=out)
    assert out.getvalue().strip().startswith("pk_test_")
    configured = publishable_keys.encode("clerk.configured.example", live=False)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "PUBLISHABLE_KEY": configured}
    out = StringIO()
    call_command("clerk_users_publishable_key", stdout=out)
    assert out.getvalue().strip() == configured
