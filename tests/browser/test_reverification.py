"""Reverification in a real browser: ClerkJS's own ``<UserProfile/>`` dialog (issue 12).

The session is made stale (its first factor verified 11 minutes ago). Adding an email
address in ``<UserProfile/>`` then gets 403 ``session_reverification_required``; ClerkJS
opens its "verification required" dialog, the user types the password, ClerkJS calls
``/client/sessions/{id}/verify`` and ``.../attempt_first_factor`` and retries: the address
is created. Nothing here is ours but the server.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from clerk_users.models import EmailAddress, Session
from tests.browser import fapi_log
from tests.browser.conftest import clerk, load_clerk, request_path, submit_until_sent

pytestmark = pytest.mark.browser


def test_user_profile_asks_for_the_password_then_adds_the_email(signed_in):
    from playwright.sync_api import expect  # here: without playwright the fixtures skip

    page, user, site = signed_in.page, signed_in.user, signed_in.site
    Session.objects.filter(user=user).update(
        first_factor_verified_at=timezone.now() - timedelta(minutes=11)
    )
    load_clerk(page, site, "/profile/")
    age = clerk(page, "async (c) => c.session.factorVerificationAge")
    assert age[0] >= 11 and age[1] == -1
    calls_before = len(fapi_log.CALLS or [])

    page.get_by_role("button", name="Add email address").click()
    page.locator("input[name=emailAddress]").fill("second@example.com")
    refused = submit_until_sent(
        page, lambda r: r.method == "POST" and request_path(r).endswith("/me/email_addresses")
    )
    assert refused.status == 403, refused.text()

    # ClerkJS's own reverification dialog asks for the password.
    password = page.locator("input[name=password]")
    password.wait_for()
    password.fill(signed_in.password)
    button = page.get_by_role("button", name="Continue")
    expect(button).to_be_enabled()
    attempted = submit_until_sent(
        page, lambda r: request_path(r).endswith("/attempt_first_factor"), button.click
    )
    assert attempted.status == 200, attempted.text()

    page.wait_for_function(
        "() => document.body.innerText.toLowerCase().includes('verify email address')"
    )
    assert EmailAddress.objects.filter(user=user, email_address="second@example.com").exists()
    session = Session.objects.get(user=user, status="active")
    assert session.first_factor_verified_at > timezone.now() - timedelta(minutes=1)
    calls = [(m, p, s) for _caller, m, p, s in (fapi_log.CALLS or [])[calls_before:]]
    paths = [(m, p.split("/v1/", 1)[-1].rstrip("/"), s) for m, p, s in calls]
    assert ("POST", "me/email_addresses", 403) in paths, paths
    assert any(p.endswith("/verify/attempt_first_factor") and s == 200 for _m, p, s in paths)
    assert ("POST", "me/email_addresses", 200) in paths, paths
