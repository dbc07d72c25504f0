"""Admin pages of sessions, signing keys and JWT templates (the revoke action is tested in
tests/test_sessions.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from clerk_users.models import JWTTemplate, Session, SigningKey
from clerk_users.sessions import lifecycle as sessions
from clerk_users.sessions import signing_keys

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(make_user: Any) -> Client:
    client = Client()
    client.force_login(make_user(is_staff=True, is_superuser=True))
    return client


def test_session_and_key_pages_render(admin_client: Client, user: Any, settings: Any) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "SIGNING_KEYS": []}
    signing_keys.clear_cache()
    session = sessions.create_session(user)
    session.get_token()
    signing_keys.clear_cache()
    assert admin_client.get(reverse("admin:clerk_users_session_changelist")).status_code == 200
    page = admin_client.get(reverse("admin:clerk_users_session_change", args=[session.pk]))
    assert page.status_code == 200 and session.id in page.content.decode()
    key = SigningKey.objects.get()
    keys_page = admin_client.get(reverse("admin:clerk_users_signingkey_change", args=[key.pk]))
    assert keys_page.status_code == 200
    assert "PRIVATE KEY" not in keys_page.content.decode()
    assert admin_client.get(reverse("admin:clerk_users_session_add")).status_code == 403
    assert Session.objects.count() == 2  # the admin's own login made one too


def test_jwt_template_admin_uses_the_domain_rules(admin_client: Client) -> None:
    url = reverse("admin:clerk_users_jwttemplate_add")
    assert admin_client.get(url).status_code == 200
    form = {
        "name": "admin-made",
        "claims": json.dumps({"uid": "{{user.id}}"}),
        "lifetime": 120,
        "allowed_clock_skew": 5,
        "signing_algorithm": "RS256",
        "signing_key": "",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert JWTTemplate.objects.get().lifetime == 120
    bad = admin_client.post(url, {**form, "name": "other", "claims": json.dumps({"sub": "x"})})
    assert bad.status_code == 200 and "reserved claim" in bad.content.decode()
    assert JWTTemplate.objects.count() == 1
