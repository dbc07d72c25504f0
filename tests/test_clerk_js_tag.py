"""``{% clerk_js %}``: the script tags ClerkJS needs, or how to install it when it is missing."""

from __future__ import annotations

import os

import pytest
from django.template import Context, Template
from django.test import RequestFactory

from clerk_users import publishable_keys
from example_project.settings import BASE_DIR


def render(request) -> str:
    return Template("{% load clerk_users %}{% clerk_js %}").render(Context({"request": request}))


def test_renders_the_bundles_with_key_and_proxy_url(settings):
    settings.STATICFILES_DIRS = [
        ("clerk-js", BASE_DIR / "node_modules/@clerk/clerk-js/dist"),
        ("clerk-ui", BASE_DIR / "node_modules/@clerk/ui/dist"),
    ]
    if not (BASE_DIR / "node_modules/@clerk/clerk-js/dist/clerk.browser.js").exists():
        if os.environ.get("CI"):
            pytest.fail("CI must run npm ci (ClerkJS bundles)")
        pytest.skip("npm ci was not run")
    request = RequestFactory().get("/", HTTP_HOST="accounts.example.com")
    html = render(request)
    key = publishable_keys.publishable_key(request)
    assert 'src="/static/clerk-js/clerk.browser.js"' in html
    assert 'src="/static/clerk-ui/ui.browser.js"' in html
    assert f'data-clerk-publishable-key="{key}"' in html
    assert 'data-clerk-proxy-url="http://accounts.example.com/api/frontend"' in html
    assert "telemetry: false" in html
    assert "https://" not in html.replace("http://accounts.example.com", "")


def test_without_the_bundles_the_page_says_how_to_install_them(settings):
    settings.STATICFILES_DIRS = [BASE_DIR / "example_project" / "static"]
    html = render(RequestFactory().get("/"))
    assert "npm ci" in html and "<script src" not in html
    assert "Promise.reject" in html  # clerkReady rejects: the page's mount code does nothing
