"""What a foreign page can do with the signed-in user's cookie (nothing), and the route guard."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from clerk_users.models import Session
from tests.browser.conftest import load_clerk

pytestmark = pytest.mark.browser


def test_a_cross_site_request_with_the_session_cookie_changes_nothing(signed_in, context):
    page, user, site = signed_in.page, signed_in.user, signed_in.site
    port = urlsplit(site).port
    foreign = f"http://127.0.0.1:{port}"  # another origin and another site than localhost
    session = Session.objects.get(user=user, status="active")
    # 1. What a foreign page's script can send (no-cors: it cannot read the answers, and
    #    the browser withholds the SameSite=Lax cookie): nothing changes.
    page.goto(f"{foreign}/")
    sent = page.evaluate(
        """async (site) => {
          const post = (path, body) => fetch(site + "/api/frontend/v1/" + path, {
            method: "POST", mode: "no-cors", credentials: "include", body,
            headers: {"Content-Type": "application/x-www-form-urlencoded"}});
          await post("me?_method=PATCH", "first_name=Mallory");
          await post("me/email_addresses", "email_address=evil@example.com");
          await post("client/sessions?_method=DELETE", "");
          return true;
        }""",
        site,
    )
    assert sent
    # 2. The same requests WITH the cookie attached (as an older browser or a lax cookie
    #    policy would send them), from the foreign Origin: 403 csrf_token_invalid.
    for path, form in (
        ("me?_method=PATCH", {"first_name": "Mallory"}),
        ("client/sessions?_method=DELETE", {}),
        ("me/email_addresses", {"email_address": "evil@example.com"}),
        (f"client/sessions/{session.id}/tokens", {}),
    ):
        response = context.request.post(
            f"{site}/api/frontend/v1/{path}", form=form, headers={"Origin": foreign}
        )
        assert response.status == 403, (path, response.text())
        assert response.json()["errors"][0]["code"] == "csrf_token_invalid"
    # the same request from the site's own origin is accepted (the cookie was really sent)
    ok = context.request.get(f"{site}/api/frontend/v1/me")
    assert ok.status == 200 and ok.json()["response"]["id"] == user.pk
    user.refresh_from_db()
    session.refresh_from_db()
    assert user.first_name == "Grace"
    assert not user.email_addresses.filter(email_address="evil@example.com").exists()
    assert session.status == "active"


def test_the_route_guard_keeps_every_request_on_the_machine(signed_in, context):
    page = signed_in.page
    load_clerk(page, signed_in.site, "/profile/")
    result = page.evaluate(
        "async () => fetch('https://clerk.example.com/v1/environment').then(() => 'sent',"
        " () => 'blocked')"
    )
    assert result == "blocked"
    assert context.blocked == ["https://clerk.example.com/v1/environment"]
    context.blocked.clear()  # the fixture fails any other test that tried to leave
