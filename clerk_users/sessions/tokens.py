"""Session tokens: short-lived RS256 JWTs that other services verify with the public JWKS.

``session_token(session)`` mints Clerk's session token (claims ``sub``, ``sid``, ``iss``,
``iat``, ``nbf``, ``exp`` = iat + 60, ``azp``, ``v``); ``service`` tokens (``firebase``,
``hasura``) and named JWT templates go through the same entry point. ``get_user_token``
adds ClerkJS's cache semantics (a token is reused while more than the leeway remains), and
``verify_session_token`` is the one verifier used by the DRF authentication class.

Minting does no database query once the signing key is loaded: the caller passes a
``Session`` it has just read (the API views load it fresh, so a revoked session mints
nothing).
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import jwt

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.internal.urls import origin_of
from clerk_users.sessions import signing_keys

SERVICES = ("clerk", "firebase", "hasura")
FIREBASE_AUDIENCE = (
    "https://identitytoolkit.googleapis.com/google.identity.identitytoolkit.v1.IdentityToolkit"
)
HASURA_NAMESPACE = "https://hasura.io/jwt/claims"
TOKEN_VERSION = 2
# Headers a verifier must never follow: the key comes from our JWKS, not from the token.
FORBIDDEN_HEADERS = ("jku", "x5u", "jwk", "x5c", "crit")


class TokenError(errors.ClerkError):
    """A session token that does not verify (401 on the APIs)."""

    default_status = 401

    def __init__(self, message: str, code: str = "authentication_invalid") -> None:
        super().__init__(code, "Invalid session token", long_message=message)


def session_inactive() -> errors.ClerkError:
    return errors.ClerkError(
        "session_not_active",
        "Session is not active",
        long_message="This session is no longer active and cannot create tokens.",
        status=404,
    )


# -- claims ------------------------------------------------------------------------------
def issuer(request: Any = None) -> str:
    """``SESSION_TOKEN_ISSUER``, else the Frontend API's URL when minted for a request (as
    Clerk's ``iss`` is its Frontend API, so ``{iss}/.well-known/jwks.json`` is the JWKS)."""
    configured = app_settings.SESSION_TOKEN_ISSUER
    if configured:
        return configured
    if request is not None:
        return f"{request.scheme}://{request.get_host()}{_frontend_api_path()}"
    return "clerk_users"


def accepted_issuers(request: Any = None) -> list[str]:
    """The ``iss`` values a session token of *this* site carries: the configured issuer,
    else this request's Frontend API URL or the request-less default (``user.get_token()``
    in a script). Sites that share signing keys must configure ``SESSION_TOKEN_ISSUER``."""
    if app_settings.SESSION_TOKEN_ISSUER:
        return [app_settings.SESSION_TOKEN_ISSUER]
    return [issuer(request), issuer(None)] if request is not None else [issuer(None)]


def _frontend_api_path() -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        jwks_path = reverse("clerk_users_frontend:jwks")
    except NoReverseMatch:
        return ""
    return jwks_path[: -len("/.well-known/jwks.json")]


def allowed_parties(request: Any) -> set[str]:
    """Origins a session token may be minted for (``azp``): the site itself, the
    ``AUTHORIZED_PARTIES`` and the ``ALLOWED_REDIRECT_ORIGINS``."""
    allowed = {o.rstrip("/").lower() for o in app_settings.AUTHORIZED_PARTIES}
    allowed |= {o.rstrip("/").lower() for o in app_settings.ALLOWED_REDIRECT_ORIGINS}
    if request is not None:
        allowed.add(f"{request.scheme}://{request.get_host()}".lower())
    return allowed


def authorized_party(request: Any) -> str | None:
    """The request's ``Origin`` when it is the site itself or an allowed party."""
    if request is None:
        return None
    origin = origin_of(request.headers.get("Origin", ""))
    if origin is None:
        return None
    return origin if origin in allowed_parties(request) else None


def session_claims(session: Any, request: Any = None, now: int | None = None) -> dict[str, Any]:
    iat = int(time.time()) if now is None else now
    claims: dict[str, Any] = {
        "iss": issuer(request),
        "sub": session.user_id,
        "sid": session.id,
        "iat": iat,
        "nbf": iat - app_settings.TOKEN_CLOCK_SKEW,
        "exp": iat + app_settings.SESSION_TOKEN_LIFETIME,
        "v": TOKEN_VERSION,
    }
    if hasattr(session, "first_factor_verified_at"):
        from clerk_users.sessions.reverification import factor_verification_age

        # Clerk's ``fva``: minutes since the first and second factor were verified.
        claims["fva"] = factor_verification_age(session)
    azp = authorized_party(request)
    if azp:
        claims["azp"] = azp
    return claims


def sign(claims: dict[str, Any]) -> str:
    key = signing_keys.active_key()
    return jwt.encode(claims, key.private_key, algorithm="RS256", headers={"kid": key.kid})


# -- minting -----------------------------------------------------------------------------
def session_token(
    session: Any,
    template: str | None = None,
    *,
    request: Any = None,
    expires_in_seconds: int | None = None,
) -> str:
    """Mint a token for ``session`` (which must be active): the session token, a service
    token (``firebase``, ``hasura``) or one from the JWT template named ``template``."""
    if expires_in_seconds is not None:
        expires_in_seconds = _lifetime(expires_in_seconds)
    if not session.is_active:
        raise session_inactive()
    if template in (None, "", "clerk"):
        claims = session_claims(session, request)
        if expires_in_seconds is not None:
            claims["exp"] = claims["iat"] + expires_in_seconds
        return sign(claims)
    if template == "hasura":
        return hasura_token(session, request=request)
    if template == "firebase":
        return firebase_token(session)
    from clerk_users.sessions import jwt_templates

    return jwt_templates.mint(
        session, str(template), request=request, expires_in_seconds=expires_in_seconds
    )


def _lifetime(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 30 <= value <= 315_360_000:
        raise errors.format_invalid(
            "expires_in_seconds", "expires_in_seconds must be an integer from 30 to 315360000."
        )
    return value


def hasura_token(session: Any, *, request: Any = None) -> str:
    """The session token plus Hasura's claims namespace; roles come from the user's
    ``public_metadata["hasura"]`` (``default_role``, ``allowed_roles``) or the settings."""
    claims = session_claims(session, request)
    claims.pop("v", None)  # a service token, never accepted as a session token
    claims["jti"] = new_jti()
    user = session.user
    meta = (user.public_metadata or {}).get("hasura") or {}
    default_role = meta.get("default_role") or app_settings.HASURA_DEFAULT_ROLE
    allowed = meta.get("allowed_roles") or app_settings.HASURA_ALLOWED_ROLES
    if default_role not in allowed:
        allowed = [*allowed, default_role]
    claims[HASURA_NAMESPACE] = {
        "x-hasura-user-id": user.pk,
        "x-hasura-default-role": default_role,
        "x-hasura-allowed-roles": list(allowed),
    }
    return sign(claims)


def firebase_service_account() -> dict[str, Any]:
    value = app_settings.FIREBASE_SERVICE_ACCOUNT
    if not value:
        raise errors.ClerkError(
            "firebase_not_configured",
            "Firebase is not configured",
            long_message='Set CLERK_USERS["FIREBASE_SERVICE_ACCOUNT"] to a service account key.',
            status=422,
        )
    if isinstance(value, str | Path):
        value = json.loads(Path(value).read_text())
    return dict(value)


def firebase_token(session: Any, *, now: int | None = None) -> str:
    """A Firebase custom token (``signInWithCustomToken``) signed with the service account's
    key, carrying the user's id as ``uid`` and the session claims under ``claims``."""
    account = firebase_service_account()
    iat = int(time.time()) if now is None else now
    email = account["client_email"]
    claims = {
        "iss": email,
        "sub": email,
        "aud": FIREBASE_AUDIENCE,
        "iat": iat,
        "exp": iat + 3600,
        "uid": session.user_id,
        "claims": {"sid": session.id},
    }
    headers = {"kid": account["private_key_id"]} if account.get("private_key_id") else None
    return jwt.encode(claims, account["private_key"], algorithm="RS256", headers=headers)


# -- the ClerkJS-style cache of ``user.get_token`` -----------------------------------------
_token_cache: dict[tuple[Any, ...], list[Any]] = {}  # key -> [token, exp, sid, checked_at]
_cache_lock = threading.Lock()
_CACHE_LIMIT = 10_000
# How often a cached token re-reads the shared revocation marker (one cache round trip).
REVOCATION_CHECK_INTERVAL = 1.0


def forget_session(session_id: str) -> None:
    """Drop cached tokens of a session (called on revocation)."""
    with _cache_lock:
        for key in [k for k in _token_cache if k[1] == session_id or k[1] is None]:
            _token_cache.pop(key, None)


def _still_usable(entry: list[Any], leeway: int, now: float) -> bool:
    """Whether a cached token may be handed out: more than ``leeway`` seconds of life left,
    and its session not marked revoked in the shared cache — re-read at most once per
    ``REVOCATION_CHECK_INTERVAL``, so a revocation in another process stops it within that
    interval without a cache round trip on every call."""
    if entry[1] - now <= leeway:
        return False
    if now - entry[3] >= REVOCATION_CHECK_INTERVAL:
        from django.core.cache import cache

        from clerk_users.sessions.lifecycle import revoked_cache_key

        if cache.get(revoked_cache_key(entry[2])):
            return False
        entry[3] = now
    return True


def get_user_token(
    user: Any, service: str = "clerk", leeway_in_seconds: int = 10, *, request: Any = None
) -> str:
    """A token for ``user``'s current session (set by the middleware or the Bearer
    authentication; else the user's most recently active session), reused from the
    in-process cache while more than ``leeway_in_seconds`` of its life remains and its
    session is not revoked (see ``_still_usable``)."""
    leeway = max(0, min(int(leeway_in_seconds), app_settings.SESSION_TOKEN_LIFETIME))
    session_id = getattr(user, "_clerk_session_id", None)
    key = (user.pk, session_id, service or "clerk")
    cached = _token_cache.get(key)
    if cached is not None and _still_usable(cached, leeway, time.time()):
        return cached[0]
    session = _current_session(user, session_id)
    token = session_token(session, template=service, request=request)
    exp = jwt.decode(token, options={"verify_signature": False}).get("exp", 0)
    with _cache_lock:
        if len(_token_cache) >= _CACHE_LIMIT:
            _token_cache.clear()
        _token_cache[key] = [token, int(exp), session.pk, time.time()]
    return token


def _current_session(user: Any, session_id: str | None) -> Any:
    from clerk_users.models import Session

    queryset = Session.objects.active().filter(user_id=user.pk).select_related("user")
    if session_id:
        queryset = queryset.filter(pk=session_id)
    session = queryset.order_by("-last_active_at", "-created_at").first()
    if session is None:
        raise session_inactive()
    return session


# -- verification ------------------------------------------------------------------------
def verify_session_token(
    token: str,
    *,
    issuer: str | list[str] | None = None,
    authorized_parties: list[str] | None = None,
    leeway: int | None = None,
    max_lifetime: int | None = None,
) -> dict[str, Any]:
    """Verify a session token minted here and return its claims (``TokenError`` otherwise).

    Only RS256 with a ``kid`` of a published key is accepted: ``alg: none``, HMAC signed
    with the public key, unknown kids and key-carrying headers (``jku``, ``x5u``, ``jwk``)
    are refused before any signature check.

    Only *session* tokens pass: JWT-template and Hasura tokens are signed with the same key
    and carry ``sub`` (templates may live up to ten years), so a token must carry the
    session-token version ``v``, no ``jti`` (every template token has one), and live at most
    ``max_lifetime`` seconds (default: ``SESSION_TOKEN_LIFETIME`` + the clock skew; a caller
    that accepts the Backend API's longer ``expires_in_seconds`` tokens passes its bound).
    """
    if not isinstance(token, str) or token.count(".") != 2:
        raise TokenError("The token is not a JWT.")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise TokenError(f"The token header is invalid: {exc}.") from None
    if header.get("alg") != "RS256":
        raise TokenError("Session tokens are signed with RS256.")
    if any(name in header for name in FORBIDDEN_HEADERS):
        raise TokenError("The token names its own key; it is refused.")
    key = signing_keys.find_published(str(header.get("kid", "")))
    if key is None:
        raise TokenError("The token's kid is not one of the published signing keys.")
    skew = app_settings.TOKEN_CLOCK_SKEW if leeway is None else leeway
    try:
        claims = jwt.decode(
            token,
            key.private_key.public_key(),
            algorithms=["RS256"],
            leeway=skew,
            issuer=issuer,
            options={"require": ["exp", "iat", "nbf", "sub", "sid", "v"]},
        )
    except jwt.ExpiredSignatureError:
        raise TokenError("The token has expired.", code="token_expired") from None
    except jwt.ImmatureSignatureError:
        raise TokenError("The token is not valid yet.", code="token_not_active_yet") from None
    except jwt.PyJWTError as exc:
        raise TokenError(f"The token is invalid: {exc}.") from None
    _require_session_token(claims, max_lifetime, skew)
    if authorized_parties is not None and claims.get("azp") not in (None, *authorized_parties):
        raise TokenError("The token's azp is not an authorized party.")
    return claims


def _require_session_token(claims: dict[str, Any], max_lifetime: int | None, skew: int) -> None:
    """Refuse a verified JWT that is not a session token (see ``verify_session_token``)."""
    if claims.get("v") != TOKEN_VERSION or "jti" in claims or HASURA_NAMESPACE in claims:
        raise TokenError("The token is not a session token.")
    limit = app_settings.SESSION_TOKEN_LIFETIME + skew if max_lifetime is None else max_lifetime
    iat, exp = claims["iat"], claims["exp"]
    if not isinstance(iat, int | float) or not isinstance(exp, int | float) or exp - iat > limit:
        raise TokenError("The token lives longer than a session token.")


def new_jti() -> str:
    return uuid.uuid4().hex[:20]
