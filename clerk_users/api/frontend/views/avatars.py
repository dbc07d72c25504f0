"""``GET /avatars/<version>/<initials>/<color>.png``: the default avatar of a user without a
picture. Public (like Clerk's image CDN), no database access, immutable for a URL."""

from __future__ import annotations

from typing import Any

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from clerk_users.api.errors import not_found_view
from clerk_users.images import avatars


@require_GET
def default_avatar_view(request: Any, version: str, initials: str, color: int) -> Any:
    if version != avatars.VERSION or not avatars.is_valid(initials, color):
        return not_found_view(request)
    response = HttpResponse(avatars.render_png(initials, color), content_type="image/png")
    response["Cache-Control"] = f"public, max-age={avatars.CACHE_SECONDS}, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'"
    return response
