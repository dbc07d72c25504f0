"""Issue 12, finding 2 on allauth's pages: the same clock as the Frontend API.

A stale Clerk session (no first factor within ``REVERIFICATION_MAX_AGE``) is sent to
allauth's reauthentication page before it may add an email; reauthenticating there
refreshes the Clerk session, so the Frontend API's sensitive actions work again too.
Before the fix allauth's email page took the new address at once (failed).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.checks import run_checks
from django.urls import reverse
from django.utils import timezone

from clerk_users.models import EmailAddress, Session
from clerk_users.sessions import reverification

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def signed_in(client: Any, user: Any) -> Session:
    response = client.post(reverse("account_login"), {"login": user.username, "password": PASSWORD})
    assert response.status_code == 302
    return Session.objects.get(pk=client.session["_clerk_session_id"])


def test_allauth_email_page_asks_a_stale_session_to_reauthenticate(client: Any, user: Any) -> None:
    session = signed_in(client, user)
    Session.objects.filter(pk=session.pk).update(
        first_factor_verified_at=timezone.now() - timedelta(minutes=11)
    )
    response = client.post(
        reverse("account_email"), {"action_add": "", "email": "attacker@evil.test"}
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    assert not EmailAddress.objects.filter(email_address="attacker@evil.test").exists()

    done = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert done.status_code == 302
    assert reverification.is_fresh(Session.objects.get(pk=session.pk))


def test_a_fresh_session_uses_allauth_pages_directly(client: Any, user: Any) -> None:
    signed_in(client, user)
    response = client.post(reverse("account_email"), {"action_add": "", "email": "new@example.com"})
    assert response.status_code == 302
    assert not response["Location"].startswith(reverse("account_reauthenticate"))
    # allauth (verification by code) mails a code to the new address before adding it.
    assert mail.outbox and mail.outbox[-1].to == ["new@example.com"]


def ids() -> set[str]:
    return {m.id for m in run_checks() if m.id and m.id.startswith("clerk_users.W12")}


def test_security_checks(settings: Any) -> None:
    settings.DEBUG = False
    assert ids() == {"clerk_users.W122"}  # the tests' cache is local memory
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": "x"}
    }
    assert ids() == set()
    settings.ACCOUNT_REAUTHENTICATION_REQUIRED = False
    settings.ACCOUNT_FORMS = {}
    assert ids() == {"clerk_users.W120", "clerk_users.W121"}
    settings.CLERK_USERS = {**settings.CLERK_USERS, "REVERIFICATION_MAX_AGE": None}
    assert ids() == {"clerk_users.W121"}
