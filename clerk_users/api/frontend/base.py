"""Base of every Frontend API view: the signed-in user acting on their own account.

Auth is the Django session cookie (unsafe methods only from the site's own or an allowed
origin: ``origins.check_origin``) or a Bearer session JWT; other classes can join with
``register_authentication_class``. Whatever class identified the user, a banned or locked
user is answered 403 ``user_banned`` / ``user_locked`` before any view code runs.
Responses are wrapped as Clerk's are: ``{"response": <resource>, "client": <client>}``, the
browser's current client (``client.client_json``) piggybacked on every mutation so ClerkJS
updates ``Clerk.user`` from it.

ClerkJS's request conventions are understood here: PATCH/PUT/DELETE tunnelled through
``POST ?_method=PATCH``, form-encoded bodies (JSON values as strings), and
``_clerk_session_id`` (the session the call acts for: it must be the request's own session).
Its other query parameters (``__clerk_api_version``, ``_clerk_js_version``,
``_clerk_retry_attempt``, ``debug``) are ignored; trailing slashes are handled by the URLconf.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.utils.crypto import constant_time_compare
from rest_framework import authentication, exceptions, permissions
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.authentication import SessionTokenAuthentication
from clerk_users.api.base import ClerkAPIView, ClerkGenericViewSet, ClerkViewSet
from clerk_users.api.frontend import origins
from clerk_users.api.frontend.origins import CSRFFailed, check_origin  # noqa: F401 (re-exported)
from clerk_users.api.throttling import ClerkRateThrottle

OVERRIDABLE_METHODS = ("PATCH", "PUT", "DELETE")


class SessionMismatch(exceptions.AuthenticationFailed):
    """``_clerk_session_id`` names a session other than the request's own (another user's,
    an ended one, one of another browser)."""

    clerk_code = "authentication_invalid"


def session_user(request: Any) -> Any:
    """The user named by the Django session, *including* banned or locked users.

    ``django.contrib.auth.get_user`` drops inactive users (``ModelBackend.get_user``), which
    would answer 401; the Frontend API must identify them to answer 403 instead. The session's
    auth hash is still verified, so a password change ends other cookie sessions as in Django.

    The user is loaded through the Clerk session named in the Django session, which must be
    active in the database (the same single indexed query, joined to the user): revocation
    holds for the API even where the shared revocation marker is missing (a per-process
    cache, an evicted key) or the Django session outlived it. A cookie session that no Clerk
    session tracks is refused: every login creates one (``sessions.create_session``).
    """
    from clerk_users.models.sessions import active_session_with_user
    from clerk_users.sessions import lifecycle as sessions

    session = getattr(request, "session", None)
    if session is None:
        return None
    user_id = session.get(SESSION_KEY)
    backend_path = session.get(BACKEND_SESSION_KEY)
    if user_id is None or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return None
    clerk_session_id = sessions.session_id_of(request)
    if not isinstance(clerk_session_id, str) or not clerk_session_id:
        return None
    model = get_user_model()
    try:
        pk = model._meta.pk.to_python(user_id)
    except Exception:
        return None
    clerk_session = active_session_with_user(clerk_session_id, pk)
    if clerk_session is None:
        return None
    user: Any = clerk_session.user
    user._clerk_session_id = clerk_session.id
    request.clerk_session = clerk_session
    session_hash = session.get(HASH_SESSION_KEY) or ""
    secrets = [None, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if not any(
        constant_time_compare(session_hash, user._get_session_auth_hash(secret=secret))
        for secret in secrets
    ):
        return None
    return user


class SessionCookieAuthentication(authentication.SessionAuthentication):
    """Session-cookie auth: 401 (not 403) without a session; unsafe methods only from the
    site's own or an allowed origin (``origins.check_origin``)."""

    def authenticate(self, request: Any) -> tuple[Any, None] | None:
        user = session_user(request._request)
        if user is None:
            return None
        check_origin(request)
        return (user, None)

    def authenticate_header(self, request: Any) -> str:
        return 'Session realm="api"'


def ensure_can_act(user: Any) -> None:
    """Refuse a banned or locked user (403), whichever authentication class found them."""
    if getattr(user, "banned", False):
        raise errors.ClerkError(
            "user_banned",
            "You are banned",
            long_message="This account is banned and cannot use the Frontend API.",
            status=403,
        )
    if getattr(user, "locked", False):
        raise errors.user_locked(user)


class FrontendUpdateThrottle(ClerkRateThrottle):
    """Clerk's user-update limit (``FRONTEND_UPDATE_RATE``, 10 per 10 s) on unsafe methods."""

    rate_setting = "FRONTEND_UPDATE_RATE"
    scope = "frontend_update"

    def get_ident_key(self, request: Any, view: Any) -> str | None:
        if request.method in permissions.SAFE_METHODS:
            return None
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None


class FrontendVerificationThrottle(ClerkRateThrottle):
    """Verification attempts per user (``FRONTEND_VERIFICATION_RATE``, 3 per 10 s)."""

    rate_setting = "FRONTEND_VERIFICATION_RATE"
    scope = "frontend_verification"

    def get_ident_key(self, request: Any, view: Any) -> str | None:
        user = getattr(request, "user", None)
        return str(user.pk) if user is not None and user.is_authenticated else None


def envelope(resource: Any, client: Any = None) -> dict[str, Any]:
    return {"response": resource, "client": client}


def flat_data(request: Any) -> dict[str, Any]:
    """The request body as a plain dict, whether it came as JSON, form or multipart.

    A form key sent once gives its string, a repeated key a list; JSON bodies pass through.
    A JSON body that is not an object is a 400.
    """
    data = request.data
    if hasattr(data, "lists"):
        flat: dict[str, Any] = {}
        for key, values in data.lists():
            flat[key] = values[0] if len(values) == 1 else list(values)
        return flat
    if data is None:  # a JSON ``null`` body (an empty body parses as {})
        raise exceptions.ParseError("The request body must be a JSON object.")
    if not isinstance(data, dict):
        raise exceptions.ParseError("The request body must be a JSON object.")
    return dict(data)


class FrontendMixin:
    authentication_classes: Sequence[Any] = [
        SessionTokenAuthentication,
        SessionCookieAuthentication,
    ]
    permission_classes: Sequence[Any] = [permissions.IsAuthenticated]
    throttle_classes: Sequence[Any] = [FrontendUpdateThrottle]

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # A CORS preflight carries no cookie: answered before authentication.
        if origins.is_preflight(request):
            return origins.preflight_response(request)
        response = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return origins.add_cors_headers(request, response)

    def initialize_request(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # ClerkJS sends PATCH and DELETE as ``POST ?_method=PATCH``.
        if request.method == "POST":
            override = request.GET.get("_method", "").upper()
            if override in OVERRIDABLE_METHODS:
                request.method = override
        return super().initialize_request(request, *args, **kwargs)  # type: ignore[misc]

    def perform_authentication(self, request: Any) -> None:
        user = request.user
        if user is not None and user.is_authenticated:
            ensure_can_act(user)
            check_acting_session(request)

    def respond(self, resource: Any, status: int = 200) -> Response:
        """``{"response": resource, "client": ...}``; the client rides on mutations only
        (ClerkJS reads it from those; a GET would pay for a token it ignores)."""
        client = None
        request: Any = getattr(self, "request")  # noqa: B009 (set by DRF's dispatch)
        if request.method not in permissions.SAFE_METHODS:
            from clerk_users.api.frontend.client import client_json

            user_data = resource if isinstance(resource, dict) else None
            if user_data is not None and user_data.get("object") != "user":
                user_data = None
            client = client_json(request, user_data=user_data)
        return Response(envelope(resource, client), status=status)


def request_session_id(request: Any) -> str | None:
    """The Clerk session of this request: the Bearer token's ``sid`` or the cookie's."""
    from clerk_users.sessions import lifecycle as sessions

    auth = getattr(request, "auth", None)
    if isinstance(auth, dict) and auth.get("sid"):
        return auth["sid"]
    clerk_session = getattr(request._request, "clerk_session", None)
    if clerk_session is not None:
        return clerk_session.id
    return sessions.session_id_of(request._request)


def check_acting_session(request: Any) -> None:
    """``?_clerk_session_id=`` (ClerkJS adds it to every ``/me`` call) must name the
    request's own active session; a session of another user, another browser or an ended
    one is refused with 401 before anything is read or changed."""
    wanted = request.query_params.get("_clerk_session_id")
    if wanted is None or wanted == "":
        return
    if wanted != request_session_id(request):
        raise SessionMismatch("_clerk_session_id does not name this request's active session.")


def register_authentication_class(cls: type, *, first: bool = True) -> None:
    """Let another feature (the Bearer session JWT) join the Frontend API's auth classes."""
    current = list(FrontendMixin.authentication_classes)
    if cls not in current:
        FrontendMixin.authentication_classes = [cls, *current] if first else [*current, cls]


class FrontendAPIView(FrontendMixin, ClerkAPIView):
    pass


class FrontendViewSet(FrontendMixin, ClerkViewSet):
    pass


class FrontendGenericViewSet(FrontendMixin, ClerkGenericViewSet):
    pass
