"""A session's latest activity from a request: browser and device (``ua-parser``), client
address (direct, or from a trusted proxy's header) and place (from a CDN's headers)."""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import Any
from urllib.parse import unquote

from clerk_users.app_settings import app_settings

MOBILE_OS = frozenset({"iOS", "Android", "Windows Phone", "BlackBerry OS", "KaiOS"})


@lru_cache(maxsize=512)
def parse_user_agent(user_agent: str) -> dict[str, Any]:
    """``browser_name``, ``browser_version``, ``device_type``, ``is_mobile`` of a UA string."""
    if not user_agent:
        return {"browser_name": "", "browser_version": "", "device_type": "", "is_mobile": False}
    from ua_parser import parse

    result = parse(user_agent[:512])
    agent, os, device = result.user_agent, result.os, result.device
    name = agent.family if agent and agent.family != "Other" else ""
    version = ""
    if agent:
        version = ".".join(p for p in (agent.major, agent.minor, agent.patch) if p)
    os_family = os.family if os and os.family != "Other" else ""
    device_type = device.family if device and device.family != "Other" else os_family
    is_mobile = os_family in MOBILE_OS or (" Mobile" in user_agent and "iPad" not in user_agent)
    return {
        "browser_name": name[:64],
        "browser_version": version[:32],
        "device_type": device_type[:64],
        "is_mobile": bool(is_mobile),
    }


def _valid_ip(value: str) -> str | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    try:
        return str(ipaddress.ip_address(value))
    except ValueError:
        return None


def client_ip(request: Any) -> str | None:
    """The client address: ``REMOTE_ADDR``, or the entry a trusted proxy appended to
    ``TRUSTED_PROXY_IP_HEADER`` (counting ``TRUSTED_PROXY_COUNT`` proxies from the right, so
    a client cannot choose its address by sending the header itself)."""
    header = app_settings.TRUSTED_PROXY_IP_HEADER
    if header:
        raw = request.headers.get(header, "")
        parts = [p for p in (x.strip() for x in raw.split(",")) if p]
        count = max(1, app_settings.TRUSTED_PROXY_COUNT)
        if len(parts) >= count:
            found = _valid_ip(parts[-count])
            if found:
                return found
    return _valid_ip(request.META.get("REMOTE_ADDR", "") or "")


def _header(request: Any, name: str | None, limit: int) -> str:
    if not name:
        return ""
    return unquote(request.headers.get(name, "")).strip()[:limit]


def from_request(request: Any) -> dict[str, Any]:
    """The activity fields of a ``Session`` for ``request``."""
    fields = dict(parse_user_agent(request.META.get("HTTP_USER_AGENT", "")[:512]))
    fields["ip_address"] = client_ip(request)
    fields["city"] = _header(request, app_settings.CITY_HEADER, 128)
    fields["country"] = _header(request, app_settings.COUNTRY_HEADER, 64)
    return fields
