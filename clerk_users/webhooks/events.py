"""Clerk's webhook events: names, the envelope and the ``data`` of each event.

``data`` is the Backend API's JSON of the resource, built by the same functions the API uses
(``user_json``, ``session_json``), so a receiver written for Clerk reads it unchanged; the
shapes of ``email.created`` and ``sms.created`` are ``EmailJSON`` and ``SMSMessageJSON`` of
``@clerk/backend`` (``api/resources/JSON.d.ts``), and session events carry the session's user
(``SessionWebhookEventJSON``). ``event_attributes.http_request`` is the request that made the
change, captured from Django's ``request_started`` signal (WSGI environ or ASGI scope), so no
middleware is needed; outside a request (a command, the worker) it is empty strings.
"""

from __future__ import annotations

import hashlib
import time
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.http.request import HttpHeaders

from clerk_users import ids
from clerk_users.app_settings import app_settings

USER_EVENTS = ("user.created", "user.updated", "user.deleted")
SESSION_EVENTS = ("session.created", "session.ended", "session.removed", "session.revoked")
MESSAGE_EVENTS = ("email.created", "sms.created")
EVENT_TYPES = [*USER_EVENTS, *SESSION_EVENTS, *MESSAGE_EVENTS]

_http_request: ContextVar[dict[str, str] | None] = ContextVar(
    "clerk_users_webhook_http_request", default=None
)


class _Meta:
    """Just enough of a request for ``activity.client_ip`` (trusted proxy rules)."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.META = meta
        self.headers = HttpHeaders(meta)


def _meta_from_scope(scope: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {}
    client = scope.get("client") or ("", 0)
    meta["REMOTE_ADDR"] = client[0] if client else ""
    for raw_name, raw_value in scope.get("headers") or []:
        name = raw_name.decode("latin1").upper().replace("-", "_")
        meta[f"HTTP_{name}"] = raw_value.decode("latin1")
    return meta


def on_request_started(sender: Any, environ: Any = None, scope: Any = None, **kwargs: Any) -> None:
    from clerk_users.sessions import activity

    meta = environ if environ is not None else _meta_from_scope(scope or {})
    shim = _Meta(meta)
    _http_request.set(
        {
            "client_ip": activity.client_ip(shim) or "",
            "user_agent": str(meta.get("HTTP_USER_AGENT", ""))[:512],
        }
    )


def on_request_finished(sender: Any, **kwargs: Any) -> None:
    _http_request.set(None)


def http_request() -> dict[str, str]:
    return dict(_http_request.get() or {"client_ip": "", "user_agent": ""})


def instance_id() -> str:
    """``ins_`` + 27 base62 characters, stable for a site (derived from SECRET_KEY unless
    ``WEBHOOK_INSTANCE_ID`` is set)."""
    configured = app_settings.WEBHOOK_INSTANCE_ID
    if configured:
        return str(configured)
    seed = hashlib.sha256(f"clerk_users.instance:{settings.SECRET_KEY}".encode()).digest()
    number = int.from_bytes(seed[:20], "big")
    return "ins_" + ids._encode(number)


def envelope(event_type: str, data: dict[str, Any], *, at_ms: int | None = None) -> dict[str, Any]:
    return {
        "data": data,
        "event_attributes": {"http_request": http_request()},
        "instance_id": instance_id(),
        "object": "event",
        "timestamp": at_ms if at_ms is not None else int(time.time() * 1000),
        "type": event_type,
    }


# -- data of each event --------------------------------------------------------------------
def user_data(user_id: str) -> dict[str, Any] | None:
    """The Backend API's JSON of the user as stored now (None when it is gone)."""
    from clerk_users.api.backend.views.users import users_queryset
    from clerk_users.api.serializers import user_json

    user = users_queryset().filter(pk=user_id).first()
    return None if user is None else user_json(user)


def user_deleted_data(user: Any) -> dict[str, Any]:
    from clerk_users.api.serializers import deleted_json

    data = deleted_json("user", user.pk)
    if getattr(user, "external_id", None):
        data["external_id"] = user.external_id  # UserDeletedJSON
    return data


def session_data(session: Any) -> dict[str, Any]:
    from clerk_users.api.sessions_json import session_json

    data = session_json(session)
    data["user"] = user_data(session.user_id)
    return data


def email_data(
    *,
    to: str,
    subject: str,
    body: str,
    slug: str,
    data: dict[str, Any] | None = None,
    email_address_id: str | None = None,
    user_id: str | None = None,
    html: str | None = None,
) -> dict[str, Any]:
    """Clerk's ``EmailJSON``; the site's own mail backend delivered it (so ``delivered_by_clerk``,
    this app being the site's Clerk, is true)."""
    from_email = app_settings.EMAIL_FROM or settings.DEFAULT_FROM_EMAIL or ""
    return {
        "object": "email",
        "id": ids.generate_id("ema"),
        "slug": slug,
        "from_email_name": from_email.rsplit("<", 1)[-1].split("@", 1)[0].strip(),
        "to_email_address": to,
        "email_address_id": email_address_id,
        "user_id": user_id,
        "subject": subject,
        "body": html if html is not None else body,
        "body_plain": body,
        "status": "queued",
        "data": data or {},
        "delivered_by_clerk": True,
    }


def sms_data(
    *,
    to: str,
    message: str,
    slug: str,
    data: dict[str, Any] | None = None,
    phone_number_id: str | None = None,
    user_id: str | None = None,
) -> dict[str, Any]:
    """Clerk's ``SMSMessageJSON``."""
    return {
        "object": "sms_message",
        "id": ids.generate_id("sms"),
        "from_phone_number": "",  # the SMS backend chooses the sender
        "to_phone_number": to,
        "phone_number_id": phone_number_id,
        "user_id": user_id,
        "message": message,
        "status": "queued",
        "slug": slug,
        "data": data or {},
        "delivered_by_clerk": True,
    }
