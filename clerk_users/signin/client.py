"""The browser's client: its Django session, and the sign-in and sign-up it holds.

Clerk's ``Client`` is one per browser; here it is the Django session. The session keeps a
``client_...`` id and the ids of the current sign-in and sign-up attempts; an attempt row
records the client id it belongs to, so an id from another browser is a 404 (and changes
nothing). Django's ``login()`` keeps session data across its key rotation, so the client id
survives signing in.
"""

from __future__ import annotations

from typing import Any

from clerk_users import errors, ids
from clerk_users.sessions.lifecycle import CLIENT_ID_KEY

SIGN_IN_KEY = "_clerk_sign_in_id"
SIGN_UP_KEY = "_clerk_sign_up_id"


def django_request(request: Any) -> Any:
    """The Django ``HttpRequest`` behind a DRF ``Request`` (or the request itself)."""
    return getattr(request, "_request", request)


def client_id(request: Any, *, create: bool = True) -> str | None:
    session = django_request(request).session
    value = session.get(CLIENT_ID_KEY)
    if not value and create:
        value = ids.generate_id(ids.PREFIXES["client"])
        session[CLIENT_ID_KEY] = value
    return value


def ensure_client_id(request: Any) -> str:
    """This browser's client id, created on first use."""
    return str(client_id(request))


def remember(request: Any, key: str, attempt_id: str | None) -> None:
    """Make ``attempt_id`` the client's current sign-in or sign-up (None forgets it)."""
    session = django_request(request).session
    if attempt_id is None:
        session.pop(key, None)
    else:
        session[key] = attempt_id


def current_id(request: Any, key: str) -> str | None:
    value = django_request(request).session.get(key)
    return value if isinstance(value, str) else None


def keep_after_login(request: Any, values: dict[str, Any]) -> None:
    """Put the client's keys back after a login that flushed the session (a different user
    was signed in): the browser stays the same client."""
    session = django_request(request).session
    for key, value in values.items():
        if value is not None:
            session[key] = value


def snapshot(request: Any) -> dict[str, Any]:
    session = django_request(request).session
    return {key: session.get(key) for key in (CLIENT_ID_KEY, SIGN_IN_KEY, SIGN_UP_KEY)}


def get_attempt(model: Any, request: Any, attempt_id: str, prefix: str) -> Any:
    """The attempt ``attempt_id`` of this client; 404 for a malformed id or another client's."""
    what = "sign in" if prefix == "sia" else "sign up"
    mine = client_id(request, create=False)
    if not ids.is_valid(attempt_id, prefix) or not mine:
        raise errors.NotFound(f"No {what} was found with id {attempt_id}")
    attempt = model.objects.filter(pk=attempt_id, client_id=mine).first()
    if attempt is None:
        raise errors.NotFound(f"No {what} was found with id {attempt_id}")
    return attempt


def client_json(request: Any) -> Any:
    """The browser's ``ClientJSON`` for the response envelope (``api.frontend.client``)."""
    from clerk_users.api.frontend.client import client_json as build

    return build(request)


def _current(request: Any, model: Any, key: str) -> Any:
    session = getattr(request, "session", None)
    attempt_id = session.get(key) if session is not None else None
    cid = session.get(CLIENT_ID_KEY) if session is not None else None
    if not isinstance(attempt_id, str) or not isinstance(cid, str):
        return None
    return (
        model.objects.select_related("user" if key == SIGN_IN_KEY else "created_user")
        .filter(pk=attempt_id, client_id=cid)
        .first()
    )


def sign_in_field(request: Any) -> Any:
    """``client.sign_in``: the client's current sign-in (kept once complete: ClerkJS's
    ``handleRedirectCallback`` reads it after an OAuth round trip), None past ``abandon_at``."""
    from django.utils import timezone

    from clerk_users.models import SignInAttempt, SignInStatus
    from clerk_users.signin.json import sign_in_json

    attempt = _current(request, SignInAttempt, SIGN_IN_KEY)
    if attempt is None or (
        attempt.status != SignInStatus.COMPLETE and attempt.abandon_at <= timezone.now()
    ):
        return None
    return sign_in_json(attempt)


def sign_up_field(request: Any) -> Any:
    """``client.sign_up``: the client's current sign-up, None past ``abandon_at``."""
    from django.utils import timezone

    from clerk_users.models import SignUpAttempt, SignUpStatus
    from clerk_users.signin.json import sign_up_json

    attempt = _current(request, SignUpAttempt, SIGN_UP_KEY)
    if attempt is None or (
        attempt.status != SignUpStatus.COMPLETE and attempt.abandon_at <= timezone.now()
    ):
        return None
    return sign_up_json(attempt)


def connect() -> None:
    """Fill ``client.sign_in`` / ``client.sign_up`` of the Frontend API's client JSON."""
    from clerk_users.api.frontend.client import register_client_field

    register_client_field("sign_in", sign_in_field)
    register_client_field("sign_up", sign_up_field)
