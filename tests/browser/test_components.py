"""Clerk's prebuilt components on the example site: ``<UserProfile/>`` at /profile/ and
``<UserButton/>`` in the header, used as a person would (clicks and typing), with the server's
state checked afterwards. Screenshots go to build/screenshots/ (the README shows copies from
docs/screenshots/)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from clerk_users.models import Session
from tests.browser.conftest import (
    ROOT,
    load_clerk,
    request_path,
    route_guard,
    sign_in,
    submit,
    submit_until_sent,
)

pytestmark = pytest.mark.browser

SHOTS = ROOT / "build" / "screenshots"


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def open_profile(page: Any, site: str) -> None:
    load_clerk(page, site, "/profile/")
    page.wait_for_selector(".cl-profileSectionPrimaryButton__profile")


def test_user_profile_renames_the_user(signed_in):
    page, user = signed_in.page, signed_in.user
    open_profile(page, signed_in.site)
    page.wait_for_selector("text=Grace Hopper")
    shot(page, "profile")
    page.click(".cl-profileSectionPrimaryButton__profile")
    page.fill("input[name=firstName]", "Ada")
    page.fill("input[name=lastName]", "Lovelace")
    shot(page, "profile-edit")
    submit(page)
    page.wait_for_selector("text=Ada Lovelace")
    user.refresh_from_db()
    assert (user.first_name, user.last_name) == ("Ada", "Lovelace")
    # the page reloads into the saved state
    open_profile(page, signed_in.site)
    page.wait_for_selector("text=Ada Lovelace")


def test_user_profile_security_tab_signs_out_another_device(signed_in, browser):
    page, user, site = signed_in.page, signed_in.user, signed_in.site
    other = browser.new_context(
        user_agent="Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X)"
        " AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0"
        " Mobile/15E148 Safari/604.1"
    )
    other.blocked = []
    other.route("**/*", route_guard(other.blocked))
    try:
        sign_in(other.new_page(), site, user.username)
    finally:
        other.close()
    assert other.blocked == []
    mine = Session.objects.get(user=user, status="active", is_mobile=False)
    theirs = Session.objects.get(user=user, status="active", is_mobile=True)
    open_profile(page, site)
    page.click(".cl-navbarButton__security")
    page.wait_for_selector(".cl-activeDevice")
    page.wait_for_function("document.querySelectorAll('.cl-activeDevice').length === 2")
    shot(page, "profile-security")
    device = page.locator(".cl-activeDeviceListItem", has_text="iPhone")
    device.locator(".cl-menuButtonEllipsis").click()
    with page.expect_response(lambda r: r.url.split("?")[0].endswith("/revoke")) as revoked:
        page.locator(".cl-menuItem", has_text="Sign out").click()
    assert revoked.value.status == 200
    # ClerkJS 6.40's list keeps the row until it refetches (its cached getSessions array is
    # updated after the re-render the piggybacked client triggers): reopen the tab.
    open_profile(page, site)
    page.click(".cl-navbarButton__security")
    page.wait_for_selector(".cl-activeDevice")
    assert page.locator(".cl-activeDevice").count() == 1
    assert page.locator(".cl-activeDevice", has_text="iPhone").count() == 0
    theirs.refresh_from_db()
    mine.refresh_from_db()
    assert theirs.status == "revoked"
    assert mine.status == "active"


def test_user_button_signs_out_and_ends_the_server_session(signed_in):
    page, user, site = signed_in.page, signed_in.user, signed_in.site
    load_clerk(page, site, "/")
    session = Session.objects.get(user=user, status="active")
    page.click(".cl-userButtonTrigger")
    page.wait_for_selector(".cl-userButtonPopoverCard")
    page.wait_for_timeout(600)  # let the popover finish its fade-in for the screenshot
    shot(page, "user-button")
    with page.expect_navigation():
        page.click(".cl-userButtonPopoverActionButton__signOut")
    page.wait_for_load_state()
    session.refresh_from_db()
    assert session.status == "ended"
    status = page.evaluate("async () => (await fetch('/api/frontend/v1/me')).status")
    assert status == 401
    page.goto(f"{site}/profile/")
    assert "/accounts/login/" in page.url


def test_user_profile_adds_and_verifies_an_email_address(signed_in):
    import re

    from django.core import mail

    page, user = signed_in.page, signed_in.user
    open_profile(page, signed_in.site)
    mail.outbox.clear()
    page.click(".cl-profileSectionPrimaryButton__emailAddresses")
    page.fill("input[name=emailAddress]", "added@example.com")
    with page.expect_response(lambda r: "/prepare_verification" in r.url) as prepared:
        created = submit_until_sent(
            page, lambda r: r.method == "POST" and request_path(r).endswith("/me/email_addresses")
        )
    assert created.status == 200 and prepared.value.status == 200
    page.wait_for_selector(".cl-otpCodeFieldInput")
    (message,) = [m for m in mail.outbox if "added@example.com" in m.to]
    code = re.search(r"\b(\d{6})\b", message.body).group(1)
    with page.expect_response(lambda r: "/attempt_verification" in r.url) as attempted:
        page.locator("input[autocomplete=one-time-code]").press_sequentially(code)
    assert attempted.value.status == 200, attempted.value.text()
    page.wait_for_selector("text=added@example.com")
    page.wait_for_selector(".cl-otpCodeFieldInput", state="detached")
    email = user.email_addresses.get(email_address="added@example.com")
    assert email.is_verified


def test_user_profile_updates_the_password(signed_in):
    page, user, site = signed_in.page, signed_in.user, signed_in.site
    open_profile(page, site)
    page.click(".cl-navbarButton__security")
    page.click(".cl-profileSectionPrimaryButton__password")
    page.wait_for_selector("input[name=newPassword]")
    # reverification is on: the fresh sign-in stands for the current password
    assert page.locator("input[name=currentPassword]").count() == 0
    page.fill("input[name=newPassword]", "another long passphrase")
    page.fill("input[name=confirmPassword]", "another long passphrase")
    changed = submit_until_sent(page, lambda r: "/me/change_password" in r.url)
    assert changed.status == 200
    page.wait_for_selector("input[name=newPassword]", state="detached")
    user.refresh_from_db()
    assert user.check_password("another long passphrase")
    # still signed in on this page
    assert page.evaluate("async () => (await fetch('/api/frontend/v1/me')).status") == 200


def test_provider_icons_are_the_only_outside_requests_and_the_menu_works_without(
    signed_in, context
):
    """ClerkJS hard-codes the OAuth providers' icons at img.clerk.com (not configurable in
    @clerk/ui 1.34). Blocked, the "Connect account" menu still lists every provider by name,
    and starting one calls only this site."""
    from clerk_users.models import ExternalAccount

    page, site = signed_in.page, signed_in.site
    open_profile(page, site)
    page.click(".cl-menuButton__connectedAccounts")
    page.wait_for_selector(".cl-menuItem >> text=GitHub")
    names = page.locator(".cl-menuItem").all_inner_texts()
    assert {"GitHub", "Google", "Microsoft"} <= {n.strip() for n in names}
    for _ in range(50):  # the icons' requests reach the route guard a moment later
        if context.blocked:
            break
        page.wait_for_timeout(100)
    page.wait_for_timeout(300)
    blocked = set(context.blocked)
    context.blocked.clear()
    assert blocked and all(url.startswith("https://img.clerk.com/static/") for url in blocked)
    with page.expect_response(lambda r: "/me/external_accounts" in r.url) as created:
        page.locator(".cl-menuItem", has_text="GitHub").click()
    assert created.value.status == 200
    account = ExternalAccount.objects.get(user=signed_in.user, provider="oauth_github")
    assert account.verification_status == "unverified"
    # ClerkJS then sends the browser to the account's externalVerificationRedirectURL, which
    # allauth answers with GitHub's authorization page: the route guard stops it there.
    for _ in range(100):
        if any("github.com/login/oauth/authorize" in url for url in context.blocked):
            break
        page.wait_for_timeout(100)
    assert any(
        url.startswith("https://github.com/login/oauth/authorize?") and "state=" in url
        for url in context.blocked
    ), context.blocked
    context.blocked.clear()
