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
