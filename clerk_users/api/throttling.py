"""Fixed-window rate limits through Django's cache (Redis in production).

Rates are written ``"<count>/<seconds>s"`` (Clerk's "1000 per 10 s" is ``"1000/10s"``); plain
DRF rates such as ``"100/m"`` work too. The counter is ``cache.add`` + ``cache.incr``, atomic on
Redis and memcached, so parallel requests cannot slip past the limit. A refusal is DRF's
``Throttled``, which the Clerk exception handler answers with 429 and ``Retry-After``.
"""

from __future__ import annotations

import re
import time
from typing import Any

from django.core.cache import caches
from rest_framework.throttling import BaseThrottle

from clerk_users.app_settings import app_settings

_RATE_RE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([smhd]?)\w*\s*")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "": 1}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"1000/10s"`` -> ``(1000, 10)``; ``"5/m"`` -> ``(5, 60)``."""
    match = _RATE_RE.fullmatch(rate or "")
    if not match:
        raise ValueError(f"invalid rate {rate!r}; use '<count>/<seconds>s'")
    count, number, unit = match.groups()
    return int(count), int(number or 1) * _UNITS[unit]


def hit(key: str, rate: str, cache_alias: str = "default") -> int | None:
    """Count one request against ``key``; return seconds to wait when over the limit."""
    limit, window = parse_rate(rate)
    now = time.time()
    window_start = int(now // window) * window
    cache_key = f"clerk_users:rl:{key}:{window_start}"
    cache = caches[cache_alias]
    if cache.add(cache_key, 1, timeout=window + 1):
        count = 1
    else:
        try:
            count = cache.incr(cache_key)
        except ValueError:  # expired between add and incr
            cache.add(cache_key, 1, timeout=window + 1)
            count = 1
    if count > limit:
        return max(1, int(window_start + window - now + 0.999))
    return None


class ClerkRateThrottle(BaseThrottle):
    """Subclass with ``rate_setting`` (a ``CLERK_USERS`` key) and ``get_ident_key``."""

    rate_setting = ""
    scope = "clerk"

    def get_ident_key(self, request: Any, view: Any) -> str | None:
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        ident = self.get_ident_key(request, view)
        if ident is None:
            return True
        self._wait = hit(f"{self.scope}:{ident}", app_settings.get(self.rate_setting))
        return self._wait is None

    def wait(self) -> float | None:
        return getattr(self, "_wait", None)
