"""``SessionTokenAuthentication``: DRF authentication by ``Authorization: Bearer <session JWT>``.

The Frontend API accepts it next to the session cookie, and a site's other DRF services can
use it as is (``authentication_classes = [SessionTokenAuthentication]``). Unlike a stateless
verifier, it checks that the token's session is still active (one indexed query that also
loads the user), so a revoked session's tokens are refused at once, not 60 s later.

A Backend API secret key (``sk_...``) in the same header is not a JWT: the class then steps
aside (returns None) so another authentication class can look at it.
"""

from __future__ import annotations

from typing import Any

from rest_framework import authentication, exceptions

from clerk_users.sessions import tokens


class SessionTokenFailed(exceptions.AuthenticationFailed):
    clerk_code = "authentication_invalid"


def verify_request_token(token: str, request: Any = None) -> tuple[Any, dict[str, Any]]:
    """Verify ``token`` and its session; return ``(session, claims)``."""
    from clerk_users.models.sessions import active_session_with_user

    try:
        # The token must name this site as its issuer and, when it names an authorized
        # party, one of ours: a token of another site (same keys, other iss/azp) is refused.
        claims = tokens.verify_session_token(
            token,
            issuer=tokens.accepted_issuers(request),
            authorized_parties=sorted(tokens.allowed_parties(request)),
        )
    except tokens.TokenError as exc:
        failure = SessionTokenFailed(exc.long_message)
        failure.clerk_code = exc.clerk_code
        raise failure from None
    session = active_session_with_user(claims["sid"], claims["sub"])
    if session is None:
        failure = SessionTokenFailed("The session of this token is no longer active.")
        failure.clerk_code = "session_not_active"
        raise failure
    return session, claims


class SessionTokenAuthentication(authentication.BaseAuthentication):
    """Sets ``request.user`` to the session's user and ``request.auth`` to the claims;
    ``request.user._clerk_session_id`` lets ``request.user.get_token()`` use that session."""

    keyword = "Bearer"

    def authenticate(self, request: Any) -> tuple[Any, dict[str, Any]] | None:
        header = request.META.get("HTTP_AUTHORIZATION", "")
        parts = header.split()
        if len(parts) != 2 or parts[0].lower() != self.keyword.lower():
            return None
        token = parts[1]
        if token.startswith(("sk_test_", "sk_live_")) or token.count(".") != 2:
            return None
        session, claims = verify_request_token(token, request)
        user = session.user
        user._clerk_session_id = session.id
        request.clerk_session = session
        return user, claims

    def authenticate_header(self, request: Any) -> str:
        return f'{self.keyword} realm="api"'


try:  # describe the scheme in drf-spectacular's OpenAPI output when it is installed
    from drf_spectacular.extensions import OpenApiAuthenticationExtension

    class SessionTokenAuthenticationScheme(OpenApiAuthenticationExtension):
        target_class = "clerk_users.api.authentication.SessionTokenAuthentication"
        name = "sessionToken"

        def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
            return {"type": "http", "scheme": "bearer", "bearerFormat": "JWT (session token)"}

except ImportError:  # pragma: no cover
    pass
