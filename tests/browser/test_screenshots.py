"""A new user's first pages, in Chromium: home, sign in, sign up, both API docs and the
profile page load with no request leaving the machine (the ``context`` fixture's route guard)
and no console error, and look like a product (screenshots).

Screenshots go to ``build/screenshots/``; with ``CLERK_USERS_UPDATE_SCREENSHOTS=1`` also to
``docs/screenshots/``, the ones the README shows (commit them).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import ROOT, load_clerk, sign_in

pytestmark = pytest.mark.browser

# (name, path, selector that shows the page has rendered)
ANONYMOUS_PAGES = [
    ("home", "/", "a.button[href='/accounts/signup/']"),
    ("sign-in", "/accounts/login/", "form input[name=login]"),
    ("sign-up", "/accounts/signup/", "form input[name=username]"),
    ("backend-docs", "/api/backend/v1/docs/", ".swagger-ui .opblock"),
    ("frontend-docs", "/api/frontend/v1/docs/", ".swagger-ui .opblock"),
]


def _save(page: Any, name: str) -> None:
    targets = [ROOT / "build" / "screenshots"]
    if os.environ.get("CLERK_USERS_UPDATE_SCREENSHOTS") == "1":
        targets.append(ROOT / "docs" / "screenshots")
    shot = page.screenshot(animations="disabled", caret="hide")
    for folder in targets:
        Path(folder).mkdir(parents=True, exist_ok=True)
        (Path(folder) / f"{name}.png").write_bytes(shot)


def _errors(page: Any) -> list[str]:
    return [m for m in page.console_messages if m.startswith(("error:", "pageerror:"))]


@pytest.mark.parametrize(("name", "path", "ready"), ANONYMOUS_PAGES)
def test_first_pages_load_offline_without_console_errors(
    site: str, page: Any, name: str, path: str, ready: str
) -> None:
    response = page.goto(f"{site}{path}")
    assert response is not None and response.status == 200
    page.wait_for_selector(ready)
    page.wait_for_load_state("networkidle")
    assert _errors(page) == []
    _save(page, name)


def test_profile_page_mounts_user_profile(site: str, page: Any, make_browser_user: Any) -> None:
    user = make_browser_user(first_name="Grace", last_name="Hopper")
    user.create_phone_number("+14155550123")
    sign_in(page, site, user.username)
    assert "Successfully signed in" in page.inner_text(".messages")
    load_clerk(page, site, "/profile/")
    page.wait_for_selector("#user-profile .cl-cardBox .cl-navbar")
    email = user.primary_email_address.email_address
    page.locator("#user-profile").get_by_text(email).first.wait_for()  # the profile section
    page.wait_for_selector("#user-button button")  # <UserButton/> in the header
    page.wait_for_load_state("networkidle")
    assert user.username in page.inner_text(".site-header")
    assert _errors(page) == []
    _save(page, "profile")


def test_admin_user_list_fits_1280_px(site: str, page: Any, make_browser_user: Any) -> None:
    from clerk_users import users

    admin = make_browser_user(username="administrator", is_staff=True, is_superuser=True)
    for n in range(3):
        make_browser_user(
            first_name="Augusta Ada",
            last_name=f"King-Noel {n}",
            email_address=f"augusta.ada.king.noel.{n}@analytical-engine.example.org",
        )
    users.ban(make_browser_user())
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto(f"{site}/admin/login/")
    page.fill("input[name=username]", admin.username)
    page.fill("input[name=password]", "correct horse battery")
    page.click("input[type=submit]")
    page.goto(f"{site}/admin/clerk_users/user/")
    table = page.locator("#result_list").bounding_box()
    form = page.locator("#changelist-form").bounding_box()
    assert table and form
    assert table["x"] + table["width"] <= form["x"] + form["width"] + 1, (table, form)
    assert page.locator("#result_list thead th").count() == 6
    _save(page, "admin-users")
