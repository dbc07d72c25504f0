"""The example site a new user sees first: its layout (base.html, allauth's pages in it, no
CDN), and its media files served with DEBUG=0 through the storage URL (example_project.media)."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from tests.images import corpus

pytestmark = pytest.mark.django_db


def _external_urls(html: str) -> list[str]:
    """src/href values that would make the browser leave the site."""
    urls = re.findall(r'\b(?:src|href)="([^"]*)"', html)
    return [url for url in urls if re.match(r"(?:[a-z]+:)?//", url)]


@pytest.mark.parametrize(
    "url", ["/", "/accounts/login/", "/accounts/signup/", "/accounts/password/reset/"]
)
def test_pages_use_the_site_layout_and_no_cdn(client: Any, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert '<link rel="stylesheet" href="/static/example/site.css">' in html
    assert '<header class="site-header">' in html and '<div id="user-button"></div>' in html
    for link in ["/admin/", "/api/backend/v1/docs/", "/api/frontend/v1/docs/"]:
        assert f'href="{link}"' in html
    assert 'href="/accounts/login/"' in html and 'href="/accounts/signup/"' in html
    assert _external_urls(html) == []


def test_entrance_pages_are_a_card_and_fields_are_styled(client: Any) -> None:
    html = client.get("/accounts/login/").content.decode()
    assert 'class="container site-main site-main--entrance"' in html
    assert '<form class="form" method="post" action="/accounts/login/">' in html
    assert 'class="button button--block"' in html  # allauth's prominent submit button


def test_signed_in_header_messages_and_account_pages(client: Any, make_user: Any) -> None:
    make_user(username="adalove", password="a long password 1", email_address="ada@example.com")
    response = client.post(
        "/accounts/login/", {"login": "adalove", "password": "a long password 1"}, follow=True
    )
    html = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    assert "Signed in as <strong>adalove</strong>" in html
    assert 'href="/profile/"' in html
    assert re.search(r'class="alert alert--success">Successfully signed in as adalove\.<', html)
    email_page = client.get(reverse("account_email")).content.decode()
    assert 'class="container site-main site-main--manage"' in email_page
    assert 'aria-current="page">Email addresses</a>' in email_page


def test_static_assets_of_the_layout_exist() -> None:
    from django.contrib.staticfiles import finders

    assert finders.find("example/site.css") and finders.find("example/favicon.svg")


# -- media with DEBUG=0 ------------------------------------------------------------------------
def test_profile_image_is_served_at_its_storage_url(
    client: Any, user: Any, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    storage = corpus.fresh_storage(settings)
    assert settings.DEBUG is False
    with django_capture_on_commit_callbacks(execute=True):
        image = user.set_profile_image(ContentFile(corpus.png(), name="me.png"))
    url = storage.url(image.path)
    with storage.open(image.path) as stored:
        expected = stored.read()
    assert url.startswith("/media/profile_images/img_") and url.endswith(".webp")
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/webp"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "immutable" in response["Cache-Control"]
    assert b"".join(response.streaming_content) == expected and expected
    assert client.head(url).status_code == 200
    assert client.post(url).status_code == 405


@pytest.mark.parametrize(
    "path",
    [
        "/media/profile_images/missing.webp",
        "/media/../example_project/settings.py",
        "/media/%2e%2e/example_project/settings.py",
        "/media/notes.html",
        "/media/drawing.svg",
        "/media/profile_images/",
    ],
)
def test_media_view_serves_only_existing_images(client: Any, settings: Any, path: str) -> None:
    storage = corpus.fresh_storage(settings)
    storage.save("notes.html", ContentFile(b"<script>alert(1)</script>"))
    storage.save("drawing.svg", ContentFile(b"<svg onload=alert(1)>"))
    assert client.get(path).status_code == 404
