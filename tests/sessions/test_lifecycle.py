"""Sessions: created on every login, activity recorded (throttled, parsed), revocation that
takes effect at once on every path (Python API, ban, admin action, password change)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session as DjangoSession
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from clerk_users import errors, users
from clerk_users.models import Session
from clerk_users.sessions import activity
from clerk_users.sessions import lifecycle as sessions
from tests.sessions.helpers import settings_keys

__all__ = ["settings_keys"]
pytestmark = pytest.mark.django_db
ME = "/api/frontend/v1/me"

CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/120.0.0.0 Safari/537.36"
)
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.0 Mobile/15E148 Safari/604.1"
)
FIREFOX = "Mozilla/5.0 (X11; Ubuntu; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0"


@pytest.fixture(autouse=True)
def _clear_cache() -> Any:
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


def login(user: Any, **headers: Any) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def signed_in(client: Client) -> bool:
    return client.get(ME).status_code == 200


# -- creation ----------------------------------------------------------------------------
def test_every_login_creates_a_session_tied_to_the_django_session(user: Any) -> None:
    client = login(user, HTTP_USER_AGENT=CHROME, REMOTE_ADDR="203.0.113.9")
    session = Session.objects.get(user=user)
    assert session.id.startswith("sess_") and session.status == "active"
    assert session.session_key == client.session.session_key
    assert client.session[sessions.SESSION_ID_KEY] == session.id
    assert session.expire_at > timezone.now() and session.abandon_at >= session.expire_at
    client.get(ME)  # force_login has no real request: the first request records activity
    session.refresh_from_db()
    assert (session.browser_name, session.ip_address) == ("Chrome", "203.0.113.9")
    login(user)
    assert Session.objects.filter(user=user).count() == 2
    assert list(user.get_sessions()) == list(Session.objects.filter(user=user))


def test_password_login_through_django_allauth_and_admin(user: Any, make_user: Any) -> None:
    client = Client()
    assert client.login(username=user.username, password="correct horse battery")
    assert Session.objects.filter(user=user).count() == 1
    email = user.primary_email_address.email_address
    response = Client(HTTP_USER_AGENT=IPHONE, REMOTE_ADDR="198.51.100.4").post(
        reverse("account_login"), {"login": email, "password": "correct horse battery"}
    )
    assert response.status_code == 302, response.content
    assert Session.objects.filter(user=user).count() == 2
    latest = Session.objects.filter(user=user).order_by("-created_at", "-id").first()
    assert (latest.browser_name, latest.ip_address) == ("Mobile Safari", "198.51.100.4")
    admin = make_user(is_staff=True, is_superuser=True)
    response = Client().post(
        reverse("admin:login"),
        {"username": admin.username, "password": "correct horse battery", "next": "/admin/"},
    )
    assert response.status_code == 302
    assert Session.objects.filter(user=admin).count() == 1


def test_logout_ends_the_session(user: Any) -> None:
    client = login(user)
    client.post(reverse("account_logout"))
    assert Session.objects.get(user=user).status == "ended"


# -- activity ----------------------------------------------------------------------------
def _session_writes(queries: Any) -> int:
    return sum(
        1 for q in queries if q["sql"].startswith("UPDATE") and "clerk_users_session" in q["sql"]
    )


def test_fifty_requests_within_a_minute_make_one_write(user: Any) -> None:
    client = login(user, HTTP_USER_AGENT=FIREFOX)
    with CaptureQueriesContext(connection) as ctx:
        for _ in range(50):
            assert client.get(ME).status_code == 200
    assert _session_writes(ctx.captured_queries) == 1
    reads = [
        q
        for q in ctx.captured_queries
        if q["sql"].startswith("SELECT") and 'FROM "clerk_users_session"' in q["sql"]
    ]
    # The middleware decides with the cache, not a query per request; the only session reads
    # are the Frontend API cookie authentication's, one per request, which loads the user in
    # that same query (so it costs no extra query) and refuses a session revoked in the
    # database even where the cache never saw the revocation.
    assert len(reads) == 50
    assert all('JOIN "clerk_users_user"' in q["sql"] for q in reads)
    session = Session.objects.get(user=user)
    user.refresh_from_db()
    assert user.last_active_at is not None and user.last_active_at >= session.created_at


def test_activity_is_written_again_after_the_throttle(user: Any, settings: Any) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "ACTIVITY_THROTTLE": 1}
    client = login(user)
    client.get(ME)
    before = Session.objects.get(user=user).last_active_at
    from django.core.cache import cache

    cache.clear()  # the throttle window has passed
    client.get(ME, HTTP_USER_AGENT=IPHONE)
    session = Session.objects.get(user=user)
    assert session.last_active_at > before
    assert session.browser_name == "Mobile Safari" and session.is_mobile


@pytest.mark.parametrize(
    ("agent", "expected"),
    [
        (
            CHROME,
            {
                "browser_name": "Chrome",
                "browser_version": "120.0.0",
                "device_type": "Windows",
                "is_mobile": False,
            },
        ),
        (
            IPHONE,
            {
                "browser_name": "Mobile Safari",
                "browser_version": "17.0",
                "device_type": "iPhone",
                "is_mobile": True,
            },
        ),
        (
            FIREFOX,
            {
                "browser_name": "Firefox",
                "browser_version": "121.0",
                "device_type": "Ubuntu",
                "is_mobile": False,
            },
        ),
        (
            "python-requests/2.31.0",
            {
                "browser_name": "Python Requests",
                "browser_version": "2.31",
                "device_type": "",
                "is_mobile": False,
            },
        ),
        ("", {"browser_name": "", "browser_version": "", "device_type": "", "is_mobile": False}),
    ],
)
def test_user_agents_map_to_activity_fields(agent: str, expected: dict[str, Any]) -> None:
    assert activity.parse_user_agent(agent) == expected


def test_ip_address_behind_a_trusted_proxy_and_place_headers(user: Any, settings: Any) -> None:
    from django.test import RequestFactory

    factory = RequestFactory()
    request = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="1.2.3.4, 198.51.100.7")
    assert activity.client_ip(request) == "10.0.0.2"  # no proxy configured: header ignored
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "TRUSTED_PROXY_IP_HEADER": "X-Forwarded-For",
        "CITY_HEADER": "X-City",
        "COUNTRY_HEADER": "CF-IPCountry",
    }
    # The proxy appended the real client; "1.2.3.4" was sent by the client and is ignored.
    assert activity.client_ip(request) == "198.51.100.7"
    settings.CLERK_USERS = {**settings.CLERK_USERS, "TRUSTED_PROXY_COUNT": 2}
    assert activity.client_ip(request) == "1.2.3.4"
    bad = factory.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    assert activity.client_ip(bad) == "10.0.0.2"
    client = login(
        user,
        HTTP_X_CITY="S%C3%A3o%20Paulo",
        HTTP_CF_IPCOUNTRY="BR",
        HTTP_X_FORWARDED_FOR="2001:db8::1, 198.51.100.8",
        REMOTE_ADDR="10.0.0.2",
    )
    client.get(ME)
    session = Session.objects.get(user=user)
    assert (session.city, session.country) == ("São Paulo", "BR")
    assert session.ip_address == "2001:db8::1"


def test_expired_session_is_anonymous_and_marked(user: Any) -> None:
    client = login(user)
    Session.objects.filter(user=user).update(expire_at=timezone.now() - timedelta(seconds=1))
    assert not signed_in(client)
    assert Session.objects.get(user=user).status == "expired"
    assert user.get_sessions().count() == 0


# -- revocation --------------------------------------------------------------------------
def test_revoke_signs_out_at_once_and_stops_minting(user: Any, settings_keys: Any) -> None:
    client = login(user)
    assert signed_in(client)
    session = Session.objects.get(user=user)
    session.get_token()
    sessions.revoke_session(session)
    assert session.status == "revoked"
    assert not DjangoSession.objects.filter(session_key=session.session_key).exists()
    assert not signed_in(client)
    with pytest.raises(errors.ClerkError):
        Session.objects.get(pk=session.pk).get_token()


def test_revocation_reaches_a_session_whose_store_entry_cannot_be_deleted(
    user: Any, settings: Any
) -> None:
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies"
    client = login(user)
    assert signed_in(client)
    Session.objects.get(user=user).revoke()
    assert not signed_in(client)  # the cache marker makes the cookie anonymous


def test_revoked_in_another_process_is_caught_by_the_next_activity_write(user: Any) -> None:
    client = login(user)
    Session.objects.filter(user=user).update(status="revoked")  # no cache marker, row only
    from django.core.cache import cache

    cache.clear()
    assert not signed_in(client)


def test_ban_revokes_every_session(user: Any, other_user: Any) -> None:
    first, second, bystander = login(user), login(user), login(other_user)
    users.ban(user)
    assert not signed_in(first) and not signed_in(second)
    assert set(Session.objects.filter(user=user).values_list("status", flat=True)) == {"revoked"}
    assert signed_in(bystander)


def test_admin_action_revokes(user: Any, make_user: Any) -> None:
    victim = login(user)
    admin = Client()
    admin.force_login(make_user(is_staff=True, is_superuser=True))
    session = Session.objects.get(user=user)
    response = admin.post(
        reverse("admin:clerk_users_session_changelist"),
        {"action": "revoke_sessions", "_selected_action": [session.pk]},
    )
    assert response.status_code == 302
    assert Session.objects.get(pk=session.pk).status == "revoked"
    assert not signed_in(victim)


def test_change_password_signs_out_other_sessions_only(user: Any) -> None:
    from django.middleware.csrf import _get_new_csrf_string

    current, other = login(user), login(user)
    csrf = _get_new_csrf_string()
    current.cookies["csrftoken"] = csrf
    response = current.post(
        ME + "/change_password",
        {
            "current_password": "correct horse battery",
            "new_password": "new stapler battery 9",
            "sign_out_of_other_sessions": True,
        },
        content_type="application/json",
        HTTP_X_CSRFTOKEN=csrf,
    )
    assert response.status_code == 200, response.content
    assert signed_in(current)
    assert not signed_in(other)
    statuses = sorted(Session.objects.filter(user=user).values_list("status", flat=True))
    assert statuses == ["active", "revoked"]


def test_backend_update_with_sign_out_revokes_sessions(user: Any) -> None:
    client = login(user)
    users.update_user(user, {"password": "brand new pass 77", "sign_out_of_other_sessions": True})
    assert not signed_in(client)


def test_delete_user_ends_sessions(user: Any) -> None:
    client = login(user)
    users.delete_user(user)
    assert not signed_in(client)


def test_request_user_get_token_uses_the_request_session(user: Any, settings_keys: Any) -> None:
    import jwt
    from django.contrib.auth.middleware import AuthenticationMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.http import HttpResponse
    from django.test import RequestFactory

    from clerk_users.sessions.middleware import SessionActivityMiddleware

    first, second = login(user), login(user)
    minted: list[str] = []

    def view(request: Any) -> HttpResponse:
        minted.append(request.user.get_token())
        return HttpResponse("ok")

    chain = SessionMiddleware(AuthenticationMiddleware(SessionActivityMiddleware(view)))
    for client in (first, second):
        request = RequestFactory().get("/")
        request.COOKIES[settings.SESSION_COOKIE_NAME] = client.cookies[
            settings.SESSION_COOKIE_NAME
        ].value
        chain(request)
    sids = [jwt.decode(t, options={"verify_signature": False})["sid"] for t in minted]
    expected = [Session.objects.get(session_key=c.session.session_key).id for c in (first, second)]
    assert sids == expected


class FakeSession(dict):
    """What ``record_activity`` reads of a Django session."""

    session_key = "k" * 40


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_activity_writes_racing_a_revocation_never_revive_the_session(make_user: Any) -> None:
    import threading

    from django.test import RequestFactory

    from clerk_users.sessions.middleware import record_activity

    if connection.vendor != "postgresql":
        pytest.skip("concurrency proof runs on PostgreSQL")
    user = make_user()
    session = sessions.create_session(user)
    barrier = threading.Barrier(9)
    outcomes: list[Any] = []

    def touch() -> None:
        try:
            request = RequestFactory().get("/", HTTP_USER_AGENT=FIREFOX)
            request.session = FakeSession({"_auth_user_id": user.pk})
            barrier.wait()
            for _ in range(5):
                outcomes.append(record_activity(request, session.id))
        finally:
            connection.close()

    def revoke() -> None:
        try:
            barrier.wait()
            sessions.revoke_session(session.id)
        finally:
            connection.close()

    threads = [threading.Thread(target=touch) for _ in range(8)]
    threads.append(threading.Thread(target=revoke))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    final = Session.objects.get(pk=session.pk)
    assert final.status == "revoked" and final.ended_at is not None
    assert len(outcomes) == 40
    # A write after the revocation finds no active session (and writes nothing).
    request = RequestFactory().get("/")
    request.session = FakeSession({"_auth_user_id": user.pk})
    assert record_activity(request, session.id) is False
    assert Session.objects.get(pk=session.pk).updated_at == final.updated_at
