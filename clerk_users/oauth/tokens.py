"""Refresh of expired OAuth 2.0 access tokens (allauth's ``SocialToken``), as Clerk does when
``GET /users/{id}/oauth_access_tokens/{provider}`` meets an expired token with a refresh token.

allauth has no refresh API, so this speaks RFC 6749 §6 to the provider's token endpoint with
the provider's own allauth adapter (its token URL, method and client authentication).
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone
from requests import RequestException
from requests.auth import HTTPBasicAuth

from clerk_users import errors

logger = logging.getLogger(__name__)


def is_expired(token: Any) -> bool:
    return token.expires_at is not None and token.expires_at <= timezone.now()


def refresh_if_expired(token: Any, request: Any) -> Any:
    """Return ``token``, refreshed first when it expired and carries a refresh token.

    A provider that refuses the refresh is Clerk's 422 ``oauth_token_retrieval_error``."""
    if not is_expired(token) or not token.token_secret:
        return token
    from allauth.core import context
    from allauth.socialaccount.adapter import get_adapter

    social = token.account
    with context.request_context(request):
        try:
            provider = get_adapter(request).get_provider(request, social.provider)
            adapter = provider.get_oauth2_adapter(request)
            app = provider.app
            data = {"grant_type": "refresh_token", "refresh_token": token.token_secret}
            auth = None
            if adapter.basic_auth:
                auth = HTTPBasicAuth(app.client_id, app.secret)
            else:
                data.update(client_id=app.client_id, client_secret=app.secret)
            method = adapter.access_token_method
            with get_adapter(request).get_requests_session() as session:
                response = session.request(
                    method,
                    adapter.access_token_url,
                    data=data if method == "POST" else None,
                    params=None if method == "POST" else data,
                    auth=auth,
                    headers=adapter.headers,
                )
                response.raise_for_status()
                fresh = adapter.parse_token(response.json())
        except (RequestException, ValueError, KeyError, AttributeError) as exc:
            logger.warning("refreshing the %s token failed: %s", social.provider, exc)
            raise errors.ClerkError(
                "oauth_token_retrieval_error",
                "token retrieval failed",
                long_message="The OAuth access token expired and the provider refused to "
                "refresh it; the user must connect the account again.",
                param_name="provider",
            ) from None
    with transaction.atomic():
        token.token = fresh.token
        if fresh.token_secret:  # many providers only send a refresh token once
            token.token_secret = fresh.token_secret
        token.expires_at = fresh.expires_at
        token.save(update_fields=["token", "token_secret", "expires_at"])
    return token
