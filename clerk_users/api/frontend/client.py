"""Clerk's ``Client`` resource: the browser's Django session, as ClerkJS sees it.

Clerk's "client" is one browser. Here it is the Django session: its signed-in Clerk
``Session`` (a Django session holds one user, so at most one) is ``client.sessions``, and the
client id is kept in the Django session (``CLIENT_ID_KEY``) and on each ``Session`` row
(``Session.client_id``) created in it.

Everything that builds the JSON is here, in one place other features extend:

- ``client_json(request)``: ``ClientJSON``, piggybacked on every Frontend API mutation;
- ``register_client_field(name, builder)``: ``sign_in``/``sign_up`` (null until the sign-in
  and sign-up flows register a builder) or any other top-level client field;
- ``session_json(session, request)``: ``SessionJSON`` with the full user,
  ``public_user_data`` and ``last_active_token``;
- ``factor_verification_age(session)``: the one function to change when sessions record
  their factor verifications.

The client JSON is only ever built from the session cookie: a request authenticated by a
Bearer session token gets ``"client": null`` (a session token never mints its successor).
``session_json`` keeps the same rule for the session JSON it builds anywhere (the
reverification answers, the touched session): ``last_active_token`` is minted only when the
request's own cookie holds that very session (``client_holds``), else it is null (ClerkJS
types it ``TokenJSON | null``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.crypto import constant_time_compare

from clerk_users.api.serializers import ms
from clerk_users.api.sessions_json import session_json as backend_session_json
from clerk_users.api.sessions_json import token_json
from clerk_users.sessions.lifecycle import CLIENT_ID_KEY

# name -> builder(request) for the top-level fields of ClientJSON other features own.
CLIENT_FIELDS: dict[str, Callable[[Any], Any]] = {
    "sign_in": lambda request: None,
    "sign_up": lambda request: None,
}


def register_client_field(name: str, builder: Callable[[Any], Any]) -> None:
    """Let another feature fill a field of the client (e.g. ``sign_in``, ``sign_up``)."""
    CLIENT_FIELDS[name] = builder


def cookie_session(request: Any) -> Any:
    """The active Clerk ``Session`` of this browser's Django session, or None."""
    from clerk_users.models import Session
    from clerk_users.sessions import lifecycle as sessions

    known = getattr(request, "clerk_session", None)
    session_id = sessions.session_id_of(request)
    if not session_id:
        return None
    if known is not None and known.id == session_id:
        return known if known.is_active else None
    return Session.objects.active().select_related("user").filter(pk=session_id).first()


def client_id(request: Any) -> str | None:
    """This browser's client id (None for a browser that never signed in)."""
    django_session = getattr(request, "session", None)
    if django_session is None:
        return None
    return django_session.get(CLIENT_ID_KEY)


def factor_verification_age(session: Any) -> list[int] | None:
    """Minutes since the session's first and second factor were verified
    (Clerk's ``[firstFactorAge, secondFactorAge]``; ``-1`` means never): the session's
    recorded verification times (``clerk_users.sessions.reverification``)."""
    from clerk_users.sessions import reverification

    return reverification.factor_verification_age(session)


def public_user_data(user: Any, user_data: dict[str, Any]) -> dict[str, Any]:
    """Clerk's ``PublicUserDataJSON`` (what a session shows of its user), from the user JSON
    already built (no query): the identifier is the primary email, phone or username."""
    identifier = user_data.get("username") or ""
    for kind, field, primary in (
        ("phone_numbers", "phone_number", "primary_phone_number_id"),
        ("email_addresses", "email_address", "primary_email_address_id"),
    ):
        for item in user_data.get(kind, []):
            if item["id"] == user_data.get(primary):
                identifier = item[field]
    return {
        "first_name": user_data.get("first_name"),
        "last_name": user_data.get("last_name"),
        "image_url": user_data.get("image_url"),
        "has_image": user_data.get("has_image", False),
        "identifier": identifier,
        "user_id": user_data["id"],
        "username": user_data.get("username"),
        "banned": bool(getattr(user, "banned", False)),
    }


def client_holds(session: Any, request: Any) -> bool:
    """Whether ``request`` comes from the client (the Django session cookie) holding the
    active ``session``: the only one allowed to mint its tokens. A Bearer JWT alone, the
    cookie of another session, a cookie whose auth hash a password change invalidated, or
    no request at all: no."""
    from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY

    from clerk_users.sessions import lifecycle as sessions

    raw = getattr(request, "_request", request)
    django_session = getattr(raw, "session", None)
    if django_session is None or not session.is_active:
        return False
    if sessions.session_id_of(raw) != session.id:
        return False
    if str(django_session.get(SESSION_KEY)) != str(session.user_id):
        return False
    session_hash = django_session.get(HASH_SESSION_KEY) or ""
    user = session.user
    return any(
        constant_time_compare(session_hash, user._get_session_auth_hash(secret=secret))
        for secret in [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    )


def session_json(
    session: Any, request: Any = None, *, user_data: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Clerk's ``SessionJSON`` of a client session: the full user and, when the request's
    cookie holds this session (``client_holds``), a fresh session token."""
    from clerk_users.api.frontend.views.me import frontend_user_json

    if user_data is None:  # fresh from the database: the request may have changed the user
        user_data = frontend_user_json(session.user, refresh=True)
    data = backend_session_json(session)
    data.pop("latest_activity", None)
    jwt = session.get_token(request=request) if client_holds(session, request) else None
    data.update(
        {
            "factor_verification_age": factor_verification_age(session),
            "last_active_token": token_json(jwt) if jwt else None,
            "user": user_data,
            "public_user_data": public_user_data(session.user, user_data),
        }
    )
    return data


def client_json(request: Any, *, user_data: dict[str, Any] | None = None) -> dict[str, Any] | None:
    """The browser's ``ClientJSON`` (None when this browser has no client yet).

    ``user_data`` is the user JSON a view already built, reused for the session's user.
    """
    raw = getattr(request, "_request", request)
    cid = client_id(raw)
    session = cookie_session(raw)
    if cid is None and session is not None:
        cid = session.client_id
    if cid is None:
        return None
    sessions = []
    if session is not None:
        if user_data is None or user_data.get("id") != session.user_id:
            user_data = None
        sessions.append(session_json(session, raw, user_data=user_data))
    now = ms(timezone.now())
    expiry = None
    django_session = getattr(raw, "session", None)
    if django_session is not None and session is not None:
        try:
            expiry = ms(django_session.get_expiry_date())
        except (AttributeError, TypeError):
            expiry = None
    data: dict[str, Any] = {
        "object": "client",
        "id": cid,
        "sessions": sessions,
        "last_active_session_id": session.id if session is not None else None,
        "last_authentication_strategy": None,
        "cookie_expires_at": expiry,
        "captcha_bypass": False,
        "created_at": ms(session.created_at) if session is not None else now,
        "updated_at": now,
    }
    for name, builder in CLIENT_FIELDS.items():
        data[name] = builder(raw)
    return data
