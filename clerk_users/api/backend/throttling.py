"""Per-secret-key rate limit of the Backend API (Clerk: 1000 requests per 10 s).

The rate is ``CLERK_USERS["BACKEND_API_RATE"]``; the counter lives in Django's cache (use
Redis in production so every worker shares it). Over the limit the request is answered 429
``too_many_requests`` with ``Retry-After``.
"""

from __future__ import annotations

from typing import Any

from clerk_users.api.throttling import ClerkRateThrottle
from clerk_users.models import SecretKey


class SecretKeyRateThrottle(ClerkRateThrottle):
    rate_setting = "BACKEND_API_RATE"
    scope = "backend"

    def get_ident_key(self, request: Any, view: Any) -> str | None:
        key = request.auth
        return key.pk if isinstance(key, SecretKey) else None
