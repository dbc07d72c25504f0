"""Sign-in and sign-up with ``oauth_<provider>`` through allauth's own login flow.

``prepare`` gives the attempt an ``external_verification_redirect_url`` (the sign-in's
``first_factor_verification``, the sign-up's ``verifications.external_account``):
:func:`start_view`, which only the browser holding the attempt (its client) may open, calls
allauth's ``provider.redirect(process="login")`` so state, PKCE, the callback, account
matching, auto sign-up and allauth.mfa's second-factor stage are allauth's. allauth then
redirects to :func:`return_view`, which records the outcome on the attempt (complete with
the new session, or the verification's ``error``) and sends the browser to the attempt's
``redirect_url`` (checked like every redirect: same origin or ``ALLOWED_REDIRECT_ORIGINS``),
where ClerkJS's ``handleRedirectCallback`` reads the client. allauth decides whether the
provider account signs in or signs up, so either attempt completes the same way.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from requests import RequestException

from clerk_users import errors, ids
from clerk_users.app_settings import app_settings
from clerk_users.models import SignInAttempt, SignInStatus, SignUpAttempt, SignUpStatus
from clerk_users.oauth import external_accounts as rules
from clerk_users.sessions import lifecycle as sessions
from clerk_users.signin import client

logger = logging.getLogger(__name__)
STATE_KEY = "clerk_sign_in"
# Where each kind of attempt keeps its OAuth verification.
FIELDS = {
    "sia": ("first_factor_strategy", "first_factor_status", "first_factor_expire_at"),
    "sua": ("external_account_strategy", "external_account_status", "external_account_expire_at"),
}
ERROR_FIELD = {"sia": "first_factor_error", "sua": "external_account_error"}


def _kind(attempt: Any) -> str:
    return "sia" if isinstance(attempt, SignInAttempt) else "sua"


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


def prepare(request: Any, attempt: Any, strategy: str, params: dict[str, Any]) -> None:
    """Start the OAuth verification of a sign-in or sign-up (``check`` it first)."""
    django_request = client.django_request(request)
    path = reverse("clerk_users_frontend:oauth-attempt-start", kwargs={"attempt_id": attempt.pk})
    strategy_field, status_field, expire_field = FIELDS[_kind(attempt)]
    setattr(attempt, strategy_field, strategy)
    setattr(attempt, status_field, "unverified")
    setattr(
        attempt,
        expire_field,
        timezone.now() + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME),
    )
    setattr(attempt, ERROR_FIELD[_kind(attempt)], None)
    if isinstance(attempt, SignInAttempt):
        attempt.first_factor_attempts = None
        if attempt.status == SignInStatus.NEEDS_IDENTIFIER:
            attempt.status = SignInStatus.NEEDS_FIRST_FACTOR
    attempt.oauth_auth_params = rules.parse_auth_params(
        params.get("oidc_prompt"), params.get("oidc_login_hint")
    )
    attempt.external_verification_redirect_url = django_request.build_absolute_uri(path)
    attempt.redirect_url = params["redirect_url"]
    attempt.action_complete_redirect_url = params.get("action_complete_redirect_url") or ""
    attempt.save()


def _json_error(exc: errors.ClerkError) -> JsonResponse:
    from clerk_users.api.errors import error_body

    return JsonResponse(error_body([exc.as_dict()]), status=exc.status)


def _mine(request: HttpRequest, attempt_id: str) -> Any:
    """This browser's sign-in or sign-up with an OAuth verification, else None."""
    mine = client.client_id(request, create=False)
    # A plain Django view (no DRF ``refuse_nul``): only a well-formed id reaches the
    # database (a NUL in the path was a PostgreSQL DataError, an HTML 500).
    if not mine or not (ids.is_valid(attempt_id, "sia") or ids.is_valid(attempt_id, "sua")):
        return None
    model = SignInAttempt if attempt_id.startswith("sia_") else SignUpAttempt
    attempt = model.objects.filter(pk=attempt_id, client_id=mine).first()
    if attempt is None or not getattr(attempt, FIELDS[_kind(attempt)][0]).startswith("oauth_"):
        return None
    return attempt


def _open(attempt: Any) -> bool:
    expire_at = getattr(attempt, FIELDS[_kind(attempt)][2])
    pending = attempt.status in (SignInStatus.NEEDS_FIRST_FACTOR, SignUpStatus.MISSING_REQUIREMENTS)
    return pending and not (expire_at and expire_at < timezone.now())


def start_view(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """``GET`` the attempt's ``external_verification_redirect_url``: allauth's login redirect."""
    attempt = _mine(request, attempt_id)
    if attempt is None:
        return _json_error(errors.NotFound(f"No sign in or sign up was found with id {attempt_id}"))
    if not _open(attempt):
        return _finish(request, attempt, "verification_expired")
    strategy = getattr(attempt, FIELDS[_kind(attempt)][0])
    try:
        provider = rules.get_provider(request, strategy)
    except errors.ClerkError as exc:
        return _json_error(exc)
    back = reverse("clerk_users_frontend:oauth-attempt-return", kwargs={"attempt_id": attempt.pk})
    try:
        return provider.redirect(
            request,
            "login",
            next_url=back,
            data={STATE_KEY: attempt.pk},
            auth_params={**provider.get_auth_params(), **(attempt.oauth_auth_params or {})},
        )
    except RequestException:
        logger.warning("%s unreachable while starting a sign-in", strategy)
        return _finish(request, attempt, "oauth_provider_unavailable")


ERRORS = {
    "oauth_access_denied": "You did not grant access to your account.",
    "oauth_callback_error": "The provider returned an error; please try again.",
    "verification_expired": "This attempt expired; start a new one.",
    "oauth_provider_unavailable": "The provider could not be reached; please try again later.",
    "external_account_not_found": "No account is connected to this provider account.",
}


def _finish(request: HttpRequest, attempt: Any, code: str | None) -> HttpResponse:
    """Record the outcome and go back to the attempt's ``redirect_url``."""
    kind = _kind(attempt)
    status_field = FIELDS[kind][1]
    if code is None:
        setattr(attempt, status_field, "verified")
        setattr(attempt, ERROR_FIELD[kind], None)
    else:
        setattr(attempt, status_field, "expired" if code == "verification_expired" else "failed")
        setattr(
            attempt,
            ERROR_FIELD[kind],
            {
                "code": code,
                "message": code.replace("_", " "),
                "long_message": ERRORS[code],
                "meta": {},
            },
        )
    attempt.external_verification_redirect_url = ""
    attempt.save()
    client.remember(
        request, client.SIGN_IN_KEY if kind == "sia" else client.SIGN_UP_KEY, attempt.pk
    )
    return HttpResponseRedirect(attempt.redirect_url or "/")


def return_view(request: HttpRequest, attempt_id: str) -> HttpResponse:
    """allauth's ``next_url`` after its login flow: complete the attempt with that session
    (allauth signed the provider account in, or signed it up)."""
    attempt = _mine(request, attempt_id)
    if attempt is None:
        return _json_error(errors.NotFound(f"No sign in or sign up was found with id {attempt_id}"))
    if attempt.status in (SignInStatus.COMPLETE, SignUpStatus.COMPLETE):
        return HttpResponseRedirect(attempt.redirect_url or "/")
    session_id = sessions.session_id_of(request)
    if not request.user.is_authenticated or not session_id:
        return _finish(request, attempt, "external_account_not_found")
    if isinstance(attempt, SignInAttempt):
        attempt.user = request.user
        attempt.first_factor_verified_at = timezone.now()
    else:
        attempt.created_user = request.user
    attempt.status = "complete"
    attempt.created_session_id = session_id
    return _finish(request, attempt, None)


def fail_from_state(request: Any, state: Any, code: str) -> HttpResponse | None:
    """A failed allauth callback of an attempt we started (None when it is not one)."""
    data = (state or {}).get("data") if isinstance(state, dict) else None
    attempt_id = data.get(STATE_KEY) if isinstance(data, dict) else None
    attempt = _mine(request, attempt_id) if isinstance(attempt_id, str) else None
    if attempt is None:
        return None
    return _finish(request, attempt, code if code in ERRORS else "oauth_callback_error")
