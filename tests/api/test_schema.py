"""The API docs pages load offline: Swagger UI's files come from drf-spectacular-sidecar's static
files (``clerk_users.api.schema.LocalSwaggerAssetsMixin``), never from a CDN."""

from __future__ import annotations

import re

import pytest
from django.contrib.staticfiles import finders
from django.test import Client, override_settings

DOCS_PAGES = ["/api/backend/v1/docs/", "/api/frontend/v1/docs/"]


def _asset_urls(html: str) -> list[str]:
    return re.findall(r'<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)"', html)


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_assets_are_local_static_files(page: str) -> None:
    response = Client().get(page)
    assert response.status_code == 200
    html = response.content.decode()
    urls = _asset_urls(html)
    assert any(url.endswith("swagger-ui-bundle.js") for url in urls), urls
    for url in urls:
        assert url.startswith("/static/drf_spectacular_sidecar/swagger-ui-dist/"), url
        assert finders.find(url.removeprefix("/static/")), f"{url} is not a static file"
    assert "//" not in "".join(urls)


@pytest.mark.parametrize("page", DOCS_PAGES)
def test_docs_page_without_sidecar_falls_back_to_drf_spectacular_default(page: str) -> None:
    from django.conf import settings

    apps = [app for app in settings.INSTALLED_APPS if app != "drf_spectacular_sidecar"]
    with override_settings(INSTALLED_APPS=apps):
        html = Client().get(page).content.decode()
    assert any("cdn.jsdelivr.net" in url for url in _asset_urls(html))
