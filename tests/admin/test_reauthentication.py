"""Attack finding F6: a stale staff session (no first factor within
``REVERIFICATION_MAX_AGE``) reauthenticates before the admin's password form (which sets a
password without the current one) or "Show" of a webhook signing secret. Before the fix a
stale session set the password at once (the stale tests failed). The admin's own
"Change password" page already asks for the current password (Django's form)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.admin.utils import quote
from django.urls import reverse
from django.utils import timezone

from clerk_users.models import Session, User
from clerk_users.sessions import reverification
from clerk_users.webhooks import endpoints

pytestmark = pytest.mark.django_db
ADMIN_PASSWORD = "a good admin password"
NEW = {"password1": "another fine phrase", "password2": "another fine phrase"}


def make_stale(client: Any) -> Session:
    session = Session.objects.get(pk=client.session["_clerk_session_id"])
    Session.objects.filter(pk=session.pk).update(
        first_factor_verified_at=timezone.now() - timedelta(hours=1)
    )
    return session


@pytest.mark.parametrize("own", [True, False])
def test_stale_session_reauthenticates_before_the_password_form(
    staff_client: Any, user: Any, own: bool
) -> None:
    target = staff_client.admin if own else user
    session = make_stale(staff_client)
    url = reverse("admin:auth_user_password_change", args=[target.pk])
    reauth = reverse("account_reauthenticate")
    page = staff_client.get(url)
    assert page.status_code == 302 and page["Location"].startswith(reauth + "?next=")
    posted = staff_client.post(url, {**NEW, "usable_password": "true"})
    assert posted.status_code == 302 and posted["Location"].startswith(reauth)
    target.refresh_from_db()
    assert not target.check_password(NEW["password1"])
    # Reauthenticating with allauth refreshes the session: the form works again.
    done = staff_client.post(reauth, {"password": ADMIN_PASSWORD})
    assert done.status_code == 302
    assert reverification.is_fresh(Session.objects.get(pk=session.pk))
    assert staff_client.get(url).status_code == 200
    assert staff_client.post(url, {**NEW, "usable_password": "true"}).status_code == 302
    target.refresh_from_db()
    assert target.check_password(NEW["password1"])


def test_fresh_session_uses_the_password_form_directly(staff_client: Any, user: Any) -> None:
    url = reverse("admin:auth_user_password_change", args=[user.pk])
    assert staff_client.get(url).status_code == 200


def test_stale_session_reauthenticates_before_showing_a_webhook_secret(
    staff_client: Any,
) -> None:
    endpoint = endpoints.create_endpoint("https://hooks.example.net/clerk")
    url = reverse("admin:clerk_users_webhookendpoint_change", args=[quote(endpoint.pk)])
    make_stale(staff_client)
    shown = staff_client.get(url + "?show_secret=1")
    assert shown.status_code == 302
    assert shown["Location"].startswith(reverse("account_reauthenticate"))
    page = staff_client.get(url)  # the page itself (secret masked) stays reachable
    assert page.status_code == 200 and endpoint.secret not in page.content.decode()


def test_admin_own_password_change_needs_the_current_password(staff_client: Any) -> None:
    url = reverse("admin:password_change")
    response = staff_client.post(
        url,
        {
            "old_password": "wrong",
            "new_password1": NEW["password1"],
            "new_password2": NEW["password2"],
        },
    )
    assert response.status_code == 200  # the form again, with the error
    admin = User.objects.get(pk=staff_client.admin.pk)
    assert admin.check_password(ADMIN_PASSWORD)
