"""ClerkJS loads against the site and ``Clerk.user`` is the signed-in user."""

from __future__ import annotations

import pytest

from tests.browser.conftest import clerk, load_clerk

pytestmark = pytest.mark.browser


def test_clerk_loads_with_the_signed_in_user(signed_in):
    page, user = signed_in.page, signed_in.user
    load_clerk(page, signed_in.site)
    data = clerk(
        page,
        "async (c) => ({loaded: c.loaded, id: c.user && c.user.id, session: c.session && c.session.id})",
    )
    assert data["loaded"] is True, page.console_messages
    assert data["id"] == user.pk


def test_a_test_key_loads_a_development_instance(signed_in, settings):
    """With a pk_test_ key ClerkJS also sends PATCH /environment (and, unless the page turns
    it off, telemetry to Clerk's host, which the route guard would catch)."""
    from clerk_users import publishable_keys
    from tests.browser import fapi_log

    key = publishable_keys.encode("clerk.localhost", live=False)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "PUBLISHABLE_KEY": key}
    page = signed_in.page
    assert fapi_log.CALLS is not None
    fapi_log.CALLS.clear()
    load_clerk(page, signed_in.site, "/profile/")
    page.wait_for_selector(".cl-profileSectionPrimaryButton__profile")
    data = clerk(page, "async (c) => [c.user.id, c.publishableKey, c.instanceType]")
    assert data == [signed_in.user.pk, key, "development"]
    assert ("clerkjs", "PATCH", "/api/frontend/v1/environment", 200) in fapi_log.CALLS
