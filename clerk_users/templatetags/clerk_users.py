"""Template tags that load ClerkJS on a Django page (README, "ClerkJS on your pages").

``{% clerk_js %}`` renders the two ``<script>`` tags (ClerkJS and its UI bundle, served by the
site's own static files) with the site's publishable key and ``proxyUrl``, and defines
``window.clerkReady``: a promise of the loaded ``Clerk``. Where the bundles are not installed
it renders a notice saying how to install them instead. ``{% clerk_publishable_key %}`` and
``{% clerk_proxy_url %}`` give the two values alone.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.contrib.staticfiles import finders
from django.urls import NoReverseMatch, reverse

from clerk_users import publishable_keys

register = template.Library()

CLERK_JS = "clerk-js/clerk.browser.js"
CLERK_UI = "clerk-ui/ui.browser.js"


def proxy_url(request: Any) -> str:
    """``<origin>/api/frontend``: ClerkJS appends ``/v1/...`` to it."""
    try:
        environment = reverse("clerk_users_frontend:environment")
    except NoReverseMatch:
        return ""
    prefix = environment[: -len("/v1/environment")] if "/v1/" in environment else environment
    return request.build_absolute_uri(prefix) if request is not None else prefix


@register.simple_tag(takes_context=True)
def clerk_publishable_key(context: Any) -> str:
    return publishable_keys.publishable_key(context.get("request"))


@register.simple_tag(takes_context=True)
def clerk_proxy_url(context: Any) -> str:
    return proxy_url(context.get("request"))


@register.inclusion_tag("clerk_users/clerk_js.html", takes_context=True)
def clerk_js(context: Any) -> dict[str, Any]:
    request = context.get("request")
    return {
        "available": bool(finders.find(CLERK_JS) and finders.find(CLERK_UI)),
        "clerk_js": CLERK_JS,
        "clerk_ui": CLERK_UI,
        "publishable_key": publishable_keys.publishable_key(request),
        "proxy_url": proxy_url(request),
    }
