"""External (OAuth) accounts: the one place for their rules and wire shape.

Strategies are Clerk's (``oauth_github``...); the mapping to allauth provider ids lives in
``oauth_settings.PROVIDERS``. Connecting an account is allauth's ``process=connect`` flow,
started by ``oauth_flow.start_view`` and finished by ``oauth_flow`` (signals and the
``ClerkSocialAccountAdapter``); this module creates the pending account, deletes accounts with
Clerk's "last way to sign in" rule and reads allauth's stored tokens.
"""

from __future__ import annotations

import re
import secrets
from datetime import timedelta
from typing import Any

from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from clerk_users import errors, signals
from clerk_users.models import ExternalAccount, VerificationStatus
from clerk_users.oauth.providers import PROVIDERS

# Seconds a started connect flow stays valid (Clerk: 10 minutes).
VERIFICATION_LIFETIME = 600
START_SALT = "clerk_users.external_accounts.start"
SCOPE_RE = re.compile(r"[\w.:/\-]{1,200}")
PROMPTS = {"none", "login", "consent", "select_account"}

STRATEGY_TO_PROVIDER_ID: dict[str, str] = {
    f"oauth_{name}": provider_id for name, (_app, provider_id) in PROVIDERS.items()
}
PROVIDER_ID_TO_STRATEGY: dict[str, str] = {v: k for k, v in STRATEGY_TO_PROVIDER_ID.items()}


def _ms(value: Any) -> int | None:
    return None if value is None else int(value.timestamp() * 1000)


# -- providers -------------------------------------------------------------------------------
def strategy_for(provider_id: str) -> str:
    """Clerk's strategy (``oauth_<name>``) of an allauth provider id."""
    return PROVIDER_ID_TO_STRATEGY.get(provider_id, f"oauth_{provider_id}")


def provider_id_for(strategy: Any, param: str = "strategy") -> str:
    """allauth's provider id for a Clerk strategy; 422 for anything else."""
    if not isinstance(strategy, str) or strategy not in STRATEGY_TO_PROVIDER_ID:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"{param} must be one of: {', '.join(sorted(STRATEGY_TO_PROVIDER_ID))}.",
            param_name=param,
        )
    return STRATEGY_TO_PROVIDER_ID[strategy]


def configured_apps(provider_id: str) -> list[Any]:
    """allauth apps (settings or ``SocialApp`` rows) with credentials for ``provider_id``."""
    from allauth.socialaccount.adapter import get_adapter

    apps = get_adapter().list_apps(None, provider=provider_id)
    return [app for app in apps if app.client_id and app.secret]


def unconfigured_strategies() -> list[str]:
    return [s for s, pid in STRATEGY_TO_PROVIDER_ID.items() if not configured_apps(pid)]


def get_provider(request: Any, strategy: Any, param: str = "strategy") -> Any:
    """The allauth provider object for ``strategy``; 422 when unknown or without credentials."""
    from allauth.socialaccount.adapter import get_adapter

    provider_id = provider_id_for(strategy, param)
    if not configured_apps(provider_id):
        raise errors.ClerkError(
            "oauth_provider_not_enabled",
            "is not enabled",
            long_message=f"{strategy} has no OAuth client credentials configured on this instance.",
            param_name=param,
        )
    return get_adapter().get_provider(request, provider_id)


def parse_scopes(value: Any, param: str = "additional_scope") -> list[str]:
    """``additional_scope`` as a list (a list or a comma/space separated string)."""
    if value is None or value == "":
        return []
    items = value if isinstance(value, list) else None
    if isinstance(value, str):
        items = [s for s in re.split(r"[,\s]+", value) if s]
    if items is None or not all(isinstance(s, str) and SCOPE_RE.fullmatch(s) for s in items):
        raise errors.format_invalid(param, f"{param} must be a list of OAuth scopes.")
    return list(dict.fromkeys(items))


def parse_auth_params(oidc_prompt: Any = None, oidc_login_hint: Any = None) -> dict[str, str]:
    """ClerkJS's ``oidc_prompt`` / ``oidc_login_hint`` as authorize-URL parameters."""
    params: dict[str, str] = {}
    for param, key, value in (
        ("oidc_prompt", "prompt", oidc_prompt),
        ("oidc_login_hint", "login_hint", oidc_login_hint),
    ):
        if value is None or value == "":
            continue
        if not isinstance(value, str) or len(value) > 320 or not value.isprintable():
            raise errors.format_invalid(param, f"{param} must be a short printable string.")
        params[key] = value
    if "prompt" in params and not set(params["prompt"].split()) <= PROMPTS:
        raise errors.format_invalid(
            "oidc_prompt",
            "oidc_prompt must be none, login, consent or select_account (space separated).",
        )
    return params


def requested_scopes(provider: Any, additional: str) -> list[str]:
    return list(dict.fromkeys([*provider.get_scope(), *additional.split()]))


def _check_redirect(redirect_url: Any, request: Any) -> str:
    from clerk_users.adapter import get_adapter

    if redirect_url is None or redirect_url == "":
        return ""
    if not isinstance(redirect_url, str) or not get_adapter().is_redirect_allowed(
        redirect_url, request
    ):
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="redirect_url must be on this site or in CLERK_USERS"
            "['ALLOWED_REDIRECT_ORIGINS'].",
            param_name="redirect_url",
        )
    return redirect_url


# -- the connect flow ------------------------------------------------------------------------
def _begin(account: ExternalAccount, request: Any) -> None:
    """Give ``account`` a fresh pending flow: nonce, expiry and the signed start URL.

    A verified account (reauthorization) stays verified until the callback completes or
    fails: it is still a way to sign in (allauth's social account is untouched), so the
    "last way to sign in" guard must keep counting it. ``to_json`` shows the open flow."""
    account.verification_nonce = secrets.token_urlsafe(16)
    if account.verification_status != VerificationStatus.VERIFIED:
        account.verification_status = VerificationStatus.UNVERIFIED
    account.verification_error = None
    account.verification_expire_at = timezone.now() + timedelta(seconds=VERIFICATION_LIFETIME)
    token = signing.dumps({"eac": account.pk, "n": account.verification_nonce}, salt=START_SALT)
    path = reverse("clerk_users_frontend:oauth-start", kwargs={"token": token})
    account.external_verification_redirect_url = (
        request.build_absolute_uri(path) if request is not None else path
    )


def create_external_account(
    user: Any,
    strategy: Any,
    redirect_url: Any = None,
    additional_scope: Any = None,
    *,
    request: Any = None,
    oidc_prompt: Any = None,
    oidc_login_hint: Any = None,
) -> ExternalAccount:
    """Create an unverified external account whose ``external_verification_redirect_url``
    starts allauth's connect flow (``process=connect``) for ``strategy``.

    Everything is checked before anything is written: an unknown or unconfigured strategy,
    a ``redirect_url`` that is neither same-origin nor allowed, or malformed scopes is 422.
    """
    provider = get_provider(request, strategy)
    scopes = parse_scopes(additional_scope)
    auth_params = parse_auth_params(oidc_prompt, oidc_login_hint)
    redirect = _check_redirect(redirect_url, request)
    account = ExternalAccount(
        user=user,
        provider=strategy,
        redirect_url=redirect,
        additional_scope=" ".join(scopes),
        approved_scopes=" ".join(requested_scopes(provider, " ".join(scopes))),
        auth_params=auth_params,
    )
    _begin(account, request)
    with transaction.atomic():
        account.save(force_insert=True)
        signals.user_updated.send(sender=type(user), user=user)  # webhooks, same transaction
    return account


def reauthorize(
    account: ExternalAccount,
    redirect_url: Any,
    additional_scope: Any = None,
    *,
    request: Any = None,
    oidc_prompt: Any = None,
    oidc_login_hint: Any = None,
) -> ExternalAccount:
    """Start a new connect flow for an existing account (e.g. to grant more scopes)."""
    get_provider(request, account.provider)
    scopes = parse_scopes(additional_scope)
    auth_params = parse_auth_params(oidc_prompt, oidc_login_hint)
    redirect = _check_redirect(redirect_url, request)
    with transaction.atomic():
        account = ExternalAccount.objects.select_for_update().get(pk=account.pk)
        account.redirect_url = redirect
        extra = dict.fromkeys([*account.additional_scope.split(), *scopes])
        account.additional_scope = " ".join(extra)
        account.auth_params = auth_params
        _begin(account, request)
        account.save()
    return account


def load_start_token(token: str) -> tuple[str, str] | None:
    """(external account id, nonce) of a start URL token, or None when forged.

    Expiry is the account's ``verification_expire_at`` (checked by the start view, which then
    marks the verification ``expired``); a newer flow of the account changes the nonce."""
    try:
        data = signing.loads(token, salt=START_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not {"eac", "n"} <= data.keys():
        return None
    return str(data["eac"]), str(data["n"])


# -- deletion --------------------------------------------------------------------------------
def can_sign_in_without(account: ExternalAccount) -> bool:
    """Whether the user keeps a way to sign in once ``account`` is gone (the one rule for
    every kind: ``identifiers.can_sign_in_without``)."""
    from clerk_users import identifiers

    return identifiers.can_sign_in_without(account.user, external_account=account)


def delete_external_account(account: ExternalAccount, *, keep_sign_in: bool = True) -> None:
    """Delete ``account`` and its allauth ``SocialAccount`` (and stored tokens).

    With ``keep_sign_in`` (the user acting on their own account) the deletion is refused when
    it would leave no way to sign in; the Backend API (an administrator) deletes regardless.
    """
    with transaction.atomic():
        type(account.user).objects.select_for_update().only("pk").get(pk=account.user_id)
        if keep_sign_in and account.is_verified and not can_sign_in_without(account):
            raise errors.ClerkError(
                "last_identification_deletion_failed",
                "cannot delete the last identification",
                long_message="This external account is your only way to sign in; add a "
                "password or another identifier before removing it.",
                status=403,
            )
        social = account.social_account
        account.delete()
        if social is not None:
            social.delete()
        signals.user_updated.send(sender=type(account.user), user=account.user)  # webhooks


# -- tokens ----------------------------------------------------------------------------------
def access_tokens(user: Any, strategy: Any, request: Any = None) -> list[dict[str, Any]]:
    """Clerk's ``oauth_access_token`` objects of ``user`` for ``strategy`` (allauth's tokens).

    An expired token with a refresh token is refreshed first when ``request`` is given."""
    from allauth.socialaccount.models import SocialToken

    from clerk_users.oauth import tokens as oauth_tokens

    provider_id = provider_id_for(strategy, "provider")
    accounts = {
        a.social_account_id: a
        for a in ExternalAccount.objects.filter(user_id=user.pk, provider=strategy).exclude(
            social_account=None
        )
    }
    tokens = (
        SocialToken.objects.filter(account_id__in=accounts.keys(), account__provider=provider_id)
        .select_related("account")
        .order_by("pk")
    )
    result = []
    for stored in tokens:
        token = oauth_tokens.refresh_if_expired(stored, request) if request else stored
        account = accounts[token.account_id]
        expires = token.expires_at
        data: dict[str, Any] = {
            "object": "oauth_access_token",
            "external_account_id": account.pk,
            "provider_user_id": account.provider_user_id,
            "token": token.token,
            "expires_at": int(expires.timestamp()) if expires else None,
            "provider": strategy,
            "public_metadata": account.public_metadata,
            "label": account.label,
            "scopes": account.approved_scopes.split(),
        }
        result.append(data)
    return result


# -- wire shape ------------------------------------------------------------------------------
def reauthorizing(account: ExternalAccount) -> bool:
    """A verified account with an open (unexpired) reauthorization flow."""
    expire_at = account.verification_expire_at
    return (
        account.is_verified
        and bool(account.external_verification_redirect_url)
        and expire_at is not None
        and expire_at > timezone.now()
    )


def to_json(account: ExternalAccount) -> dict[str, Any]:
    # During a reauthorization the wire shows what Clerk shows (an unverified verification
    # carrying the redirect URL ClerkJS follows); the stored status stays verified.
    reauthorization = reauthorizing(account)
    pending = reauthorization or (
        account.verification_status == VerificationStatus.UNVERIFIED
        and bool(account.external_verification_redirect_url)
    )
    status = VerificationStatus.UNVERIFIED if reauthorization else account.verification_status
    expire_at = account.verification_expire_at or account.created_at
    verification: dict[str, Any] | None = {
        "object": "verification_oauth",
        "status": status,
        "strategy": account.provider,
        "attempts": None,
        "expire_at": _ms(expire_at),
        "external_verification_redirect_url": (
            account.external_verification_redirect_url if pending else None
        ),
    }
    if account.verification_error:
        verification["error"] = account.verification_error  # type: ignore[index]
    return {
        "object": "external_account",
        "id": account.pk,
        "provider": account.provider,
        "identification_id": account.identification_id,
        "provider_user_id": account.provider_user_id,
        "approved_scopes": account.approved_scopes,
        "email_address": account.email_address,
        "email_address_verified": account.email_address_verified,
        "first_name": account.first_name,
        "last_name": account.last_name,
        "avatar_url": account.image_url,
        "image_url": account.image_url or None,
        "username": account.username,
        "phone_number": account.phone_number,
        "public_metadata": account.public_metadata,
        "label": account.label,
        "verification": verification,
        "created_at": _ms(account.created_at),
        "updated_at": _ms(account.updated_at),
    }
