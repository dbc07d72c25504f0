"""Sign-in with ``oauth_<provider>`` through allauth's own login flow.

``prepare`` gives the sign-in's ``first_factor_verification`` an
``external_verification_redirect_url``: :func:`start_view`, which only the browser holding
the sign-in (its client) may open, calls allauth's ``provider.redirect(process="login")`` so
state, PKCE, the callback, account matching, auto sign-up and allauth.mfa's second-factor
stage are allauth's. allauth then redirects to :func:`return_view`, which records the outcome
on the sign-in (complete with the new session, or the verification's ``error``) and sends the
browser to the sign-in's ``redirect_url`` (checked like every redirect: same origin or
``ALLOWED_REDIRECT_ORIGINS``), where ClerkJS's ``handleRedirectCallback`` reads the client.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from requests import RequestException

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.models import SignInAttempt, SignInStatus
from clerk_users.oauth import external_accounts as rules
from clerk_users.sessions import lifecycle as sessions
from clerk_users.signin import client

logger = logging.getLogger(__name__)
STATE_KEY = "clerk_sign_in"


def check(request: Any, strategy: str, params: dict[str, Any]) -> None:
    """Refuse an unknown or unconfigured provider and a redirect URL off the site (422)."""
    rules.get_provider(client.django_request(request), strategy)
    if not params.get("redirect_url"):
        raise errors.param_missing("redirect_url")
    for name in ("redirect_url", "action_complete_redirect_url"):
        try:
            rules._check_redirect(params.get(name), client.django_request(request))
        except errors.ClerkError as exc:
            exc.param_name = name
            exc.meta["param_name"] = name
            exc.long_message = exc.long_message.replace("redirect_url", name)
            raise
    rules.parse_auth_params(params.get("oidc_prompt"), params.get("oidc_login_hint"))


def prepare(request: Any, attempt: SignInAttempt, strategy: str, params: dict[str, Any]) -> None:
    django_request = client.django_request(request)
    path = reverse("clerk_users_frontend:sign-in-oauth-start", kwargs={"sign_in_id": attempt.pk})
    attempt.first_factor_strategy = strategy
    attempt.first_factor_status = "unverified"
    attempt.first_factor_attempts = None
    attempt.first_factor_expire_at = timezone.now() + timedelta(
        seconds=app_settings.VERIFICATION_CODE_LIFETIME
    )
    attempt.first_factor_error = None
    attempt.oauth_auth_params = rules.parse_auth_params(
        params.get("oidc_prompt"), params.get("oidc_login_hint")
    )
    attempt.external_verification_redirect_url = django_request.build_absolute_uri(path)
    attempt.redirect_url = params["redirect_url"]
    attempt.action_complete_redirect_url = params.get("action_complete_redirect_url") or ""
    if attempt.status == SignInStatus.NEEDS_IDENTIFIER:
        attempt.status = SignInStatus.NEEDS_FIRST_FACTOR
    attempt.save()


def _json_error(exc: errors.ClerkError) -> JsonResponse:
    return JsonResponse({"errors": [exc.as_dict()]}, status=exc.status)


def _mine(request: HttpRequest, sign_in_id: str) -> SignInAttempt | None:
    mine = client.client_id(request, create=False)
    if not mine:
        return None
    return SignInAttempt.objects.filter(pk=sign_in_id, client_id=mine).first()


def start_view(request: HttpRequest, sign_in_id: str) -> HttpResponse:
    """``GET`` the sign-in's ``external_verification_redirect_url``: allauth's login redirect."""
    attempt = _mine(request, sign_in_id)
    if attempt is None or not attempt.first_factor_strategy.startswith("oauth_"):
        return _json_error(errors.NotFound(f"No sign in was found with id {sign_in_id}"))
    if attempt.status != SignInStatus.NEEDS_FIRST_FACTOR or (
        attempt.first_factor_expire_at and attempt.first_factor_expire_at < timezone.now()
    ):
        return _finish(request, attempt, "verification_expired")
    try:
        provider = rules.get_provider(request, attempt.first_factor_strategy)
    except errors.ClerkError as exc:
        return _json_error(exc)
    back = reverse("clerk_users_frontend:sign-in-oauth-return", kwargs={"sign_in_id": attempt.pk})
    auth_params = attempt.oauth_auth_params or {}
    try:
        return provider.redirect(
            request,
            "login",
            next_url=back,
            data={STATE_KEY: attempt.pk},
            auth_params={**provider.get_auth_params(), **auth_params},
        )
    except RequestException:
        logger.warning("%s unreachable while starting a sign-in", attempt.first_factor_strategy)
        return _finish(request, attempt, "oauth_provider_unavailable")


ERRORS = {
    "oauth_access_denied": "You did not grant access to your account.",
    "oauth_callback_error": "The provider returned an error; please try again.",
    "verification_expired": "This sign-in attempt expired; start a new one.",
    "oauth_provider_unavailable": "The provider could not be reached; please try again later.",
    "external_account_not_found": "No account is connected to this provider account.",
}


def _finish(request: HttpRequest, attempt: SignInAttempt, code: str | None) -> HttpResponse:
    """Record the outcome and go back to the sign-in's ``redirect_url``."""
    if code is None:
        attempt.first_factor_status = "verified"
        attempt.first_factor_error = None
    else:
        attempt.first_factor_status = "expired" if code == "verification_expired" else "failed"
        attempt.first_factor_error = {
            "code": code,
            "message": code.replace("_", " "),
            "long_message": ERRORS[code],
            "meta": {},
        }
    attempt.external_verification_redirect_url = ""
    attempt.save()
    client.remember(request, client.SIGN_IN_KEY, attempt.pk)
    return HttpResponseRedirect(attempt.redirect_url or "/")


def return_view(request: HttpRequest, sign_in_id: str) -> HttpResponse:
    """allauth's ``next_url`` after its login flow: complete the sign-in with that session."""
    attempt = _mine(request, sign_in_id)
    if attempt is None or not attempt.first_factor_strategy.startswith("oauth_"):
        return _json_error(errors.NotFound(f"No sign in was found with id {sign_in_id}"))
    session_id = sessions.session_id_of(request)
    if attempt.status == SignInStatus.COMPLETE:
        return HttpResponseRedirect(attempt.redirect_url or "/")
    if not request.user.is_authenticated or not session_id:
        return _finish(request, attempt, "external_account_not_found")
    attempt.user = request.user
    attempt.status = SignInStatus.COMPLETE
    attempt.created_session_id = session_id
    attempt.first_factor_verified_at = timezone.now()
    return _finish(request, attempt, None)


def fail_from_state(request: Any, state: Any, code: str) -> HttpResponse | None:
    """A failed allauth callback of a sign-in we started (None when it is not one)."""
    data = (state or {}).get("data") if isinstance(state, dict) else None
    sign_in_id = data.get(STATE_KEY) if isinstance(data, dict) else None
    if not isinstance(sign_in_id, str):
        return None
    attempt = _mine(request, sign_in_id)
    if attempt is None:
        return None
    return _finish(request, attempt, code if code in ERRORS else "oauth_callback_error")
