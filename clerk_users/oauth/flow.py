"""allauth's OAuth flows seen from our ExternalAccount: start, success, failure, sign-up.

- ``start_view`` (the ``external_verification_redirect_url``) checks the signed start token
  and the signed-in owner, then calls allauth's ``provider.redirect(process="connect")``, so
  state and PKCE are allauth's. The pending account id travels in allauth's state ``data``.
- On success allauth sends ``social_account_added`` (new connection) or
  ``social_account_updated`` (known provider account); both land in :func:`sync_account`, which
  verifies the pending account (or creates/refreshes one for sign-in), fills its fields from
  the provider data and links the provider's email as an identifier.
- Failures reach :func:`fail` through ``ClerkSocialAccountAdapter``: the account stays
  unverified with ``verification.error`` and the browser goes to ``redirect_url`` with the
  error. A missing, wrong or replayed ``state`` has no account to touch: nothing changes.
"""

from __future__ import annotations

import logging
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from requests import RequestException

from clerk_users import errors, normalization
from clerk_users.models import EmailAddress, ExternalAccount, VerificationStatus
from clerk_users.oauth import external_accounts as rules

logger = logging.getLogger(__name__)
STATE_KEY = "clerk_external_account"

# Clerk's error codes for a connect flow that did not complete.
ERRORS: dict[str, tuple[str, str]] = {
    "oauth_access_denied": (
        "access denied",
        "You did not grant access to your {provider} account.",
    ),
    "oauth_callback_error": ("oauth error", "{provider} returned an error; please try again."),
    "oauth_token_exchange_error": (
        "oauth error",
        "The response from {provider} could not be used to complete the connection.",
    ),
    "external_account_exists": (
        "already connected",
        "This {provider} account is already connected to another user.",
    ),
    "session_mismatch": (
        "not signed in",
        "Sign in as the owner of this account before connecting {provider}.",
    ),
    "oauth_provider_unavailable": (
        "provider unavailable",
        "{provider} could not be reached; please try again later.",
    ),
    "verification_expired": ("expired", "This connection attempt expired; start a new one."),
    "external_account_mismatch": (
        "different account",
        "Reauthorize with the same {provider} account that is connected.",
    ),
}


def pending_id(sociallogin_or_state: Any) -> str | None:
    state = getattr(sociallogin_or_state, "state", sociallogin_or_state)
    data = (state or {}).get("data") if isinstance(state, dict) else None
    value = data.get(STATE_KEY) if isinstance(data, dict) else None
    return value if isinstance(value, str) else None


def _with_query(url: str, params: dict[str, str]) -> str:
    parts = urlsplit(url)
    query = "&".join(q for q in (parts.query, urlencode(params)) if q)
    return urlunsplit(parts._replace(query=query))


def final_redirect(
    request: Any, account: ExternalAccount, params: dict[str, str] | None = None
) -> str:
    from allauth.socialaccount.adapter import get_adapter

    url = account.redirect_url or get_adapter(request).get_connect_redirect_url(request, None)
    return _with_query(url, params) if params else url


def fail(request: Any, account_id: str | None, code: str) -> HttpResponse | None:
    """Record ``code`` on the pending account (unverified, ``verification.error``) and answer
    the redirect to its ``redirect_url`` carrying the error; None when there is no account."""
    if not account_id:
        return None
    with transaction.atomic():
        account = ExternalAccount.objects.select_for_update().filter(pk=account_id).first()
        if account is None:
            return None
        reauthorizing = account.verification_status == VerificationStatus.VERIFIED
        # A failed reauthorization leaves the account verified (allauth's social account
        # still signs in, and the "last way to sign in" guard counts it); either way the
        # error is recorded and the flow closed (its start link dies).
        if not reauthorizing or account.verification_nonce:
            provider = account.provider.removeprefix("oauth_").capitalize()
            message, long_message = ERRORS[code]
            if not reauthorizing:
                account.verification_status = (
                    VerificationStatus.EXPIRED
                    if code == "verification_expired"
                    else VerificationStatus.UNVERIFIED
                )
            account.verification_error = {
                "code": code,
                "message": message,
                "long_message": long_message.format(provider=provider),
                "meta": {},
            }
            account.external_verification_redirect_url = ""
            account.verification_nonce = ""
            account.save()
    params = {"error": code, "external_account_id": account.pk}
    return HttpResponseRedirect(final_redirect(request, account, params))


# -- start -----------------------------------------------------------------------------------
def start_view(request: HttpRequest, token: str) -> HttpResponse:
    """``GET`` the pending account's start URL: begin allauth's connect flow for it."""
    loaded = rules.load_start_token(token)
    account = None
    if loaded is not None:
        account = ExternalAccount.objects.filter(pk=loaded[0]).select_related("user").first()
    if account is None or loaded is None or account.verification_nonce != loaded[1]:
        return _json_error(errors.NotFound("This connection link is invalid or was replaced."))
    if not request.user.is_authenticated or request.user.pk != account.user_id:
        # Someone else's browser: send it back with the error, change nothing.
        params = {"error": "session_mismatch", "external_account_id": account.pk}
        return HttpResponseRedirect(final_redirect(request, account, params))
    if account.verification_expire_at and account.verification_expire_at < timezone.now():
        return fail(request, account.pk, "verification_expired")  # type: ignore[return-value]
    try:
        provider = rules.get_provider(request, account.provider)
    except errors.ClerkError as exc:
        return _json_error(exc)
    scopes = rules.requested_scopes(provider, account.additional_scope)
    try:
        return provider.redirect(
            request,
            "connect",
            next_url=account.redirect_url or None,
            data={STATE_KEY: account.pk, "scopes": scopes},
            scope=scopes,
            auth_params={**provider.get_auth_params(), **(account.auth_params or {})},
        )
    except RequestException:  # e.g. an OpenID Connect discovery document out of reach
        logger.warning("%s unreachable while starting a connect flow", account.provider)
        return fail(request, account.pk, "oauth_provider_unavailable")  # type: ignore[return-value]


def _json_error(exc: errors.ClerkError) -> JsonResponse:
    return JsonResponse({"errors": [exc.as_dict()]}, status=exc.status)


# -- success ---------------------------------------------------------------------------------
def _names(sociallogin: Any) -> dict[str, Any]:
    common = getattr(sociallogin, "_clerk_common_fields", None)
    if common is None:  # a sign-up resumed from allauth's form: the stash did not survive
        try:
            provider = sociallogin.account.get_provider()
            common = provider.extract_common_fields(dict(sociallogin.account.extra_data)) or {}
        except Exception:  # a provider's field helper must not break sign-up
            logger.exception("common fields of %s", sociallogin.account.provider)
            common = {}
    first = common.get("first_name") or ""
    last = common.get("last_name") or ""
    if not (first or last) and common.get("name"):
        first, _, last = str(common["name"]).partition(" ")
    return {"first_name": first, "last_name": last, "username": common.get("username") or None}


def _email(sociallogin: Any) -> tuple[str, bool]:
    addresses = [e for e in sociallogin.email_addresses if getattr(e, "email", "")]
    if not addresses:
        return "", False
    chosen = next((e for e in addresses if e.primary), addresses[0])
    return chosen.email.strip().lower(), bool(chosen.verified)


def sync_account(sociallogin: Any) -> ExternalAccount | None:
    """Make our ExternalAccount match the (saved) allauth ``SocialAccount`` of ``sociallogin``.

    A pending account named in the state is verified; otherwise the account linked to the
    social account, or the user's account for (provider, provider user id), is refreshed, or
    a new verified one is created (sign-up, sign-in, email auto-connect).
    """
    social = sociallogin.account
    user = social.user
    if social.pk is None or user is None or user.pk is None:
        return None
    strategy = rules.strategy_for(social.provider)
    wanted = pending_id(sociallogin)
    with transaction.atomic():
        linked = ExternalAccount.objects.select_for_update().filter(social_account=social).first()
        if linked is None:
            linked = (
                ExternalAccount.objects.select_for_update()
                .filter(user_id=user.pk, provider=strategy, provider_user_id=social.uid)
                .first()
            )
        pending = None
        if wanted:
            pending = (
                ExternalAccount.objects.select_for_update()
                .filter(pk=wanted, user_id=user.pk, provider=strategy)
                .first()
            )
            if pending is not None and pending.provider_user_id not in ("", social.uid):
                # Never re-point an account at another provider account (the adapter
                # already refuses such a reauthorization; this is the last line).
                logger.warning("reauthorization of %s returned another provider uid", wanted)
                pending = None
        account = linked or pending
        if pending is not None and linked is not None and pending.pk != linked.pk:
            # The user connected a provider account they already had: keep the existing one.
            linked.redirect_url = pending.redirect_url
            linked.additional_scope = pending.additional_scope
            linked.approved_scopes = pending.approved_scopes
            pending.delete()
        if account is None:
            account = ExternalAccount(user=user, provider=strategy)
            provider = social.get_provider()
            account.approved_scopes = " ".join(rules.requested_scopes(provider, ""))
        _fill(account, sociallogin)
        try:
            with transaction.atomic():
                account.save()
        except IntegrityError:
            logger.warning("external account %s:%s belongs to another user", strategy, social.uid)
            return None
        link_email(account, *_email(sociallogin))
    return account


def _fill(account: ExternalAccount, sociallogin: Any) -> None:
    social = sociallogin.account
    names = _names(sociallogin)
    email, verified = _email(sociallogin)
    data = sociallogin.state.get("data") if isinstance(sociallogin.state, dict) else None
    scopes = data.get("scopes") if isinstance(data, dict) else None
    if isinstance(scopes, list) and pending_id(sociallogin) in (None, account.pk):
        account.approved_scopes = " ".join(str(s) for s in scopes)
    account.social_account = social
    account.provider_user_id = social.uid
    if email:
        account.email_address = email
        account.email_address_verified = verified
    account.first_name = names["first_name"][:255] or account.first_name
    account.last_name = names["last_name"][:255] or account.last_name
    account.username = names["username"] or account.username
    try:
        account.image_url = social.get_avatar_url() or account.image_url
    except Exception:  # a provider's avatar helper must not break sign-in
        logger.exception("avatar url of %s", social.provider)
    account.verification_status = VerificationStatus.VERIFIED
    account.verification_error = None
    account.external_verification_redirect_url = ""
    account.verification_nonce = ""
    if account.verification_expire_at is None:
        account.verification_expire_at = timezone.now()


def link_email(account: ExternalAccount, email: str, verified: bool) -> None:
    """Make the provider's email one of the user's identifiers, ``linked_to`` the account.

    Verified (strategy ``from_oauth_<name>``) only when the provider says it is; an address
    that belongs to another user is left alone (never linked, never verified).
    """
    from clerk_users import identifiers

    if not email:
        return
    strategy = "from_" + account.provider
    key = normalization.email_key(email)
    if key is None or identifiers.is_claimed("email_address", key, by_other_than=account.user):
        logger.info("provider email %s not added: refused or verified by another user", email)
        return
    existing = EmailAddress.objects.filter(user_id=account.user_id, email_address=key).first()
    try:
        if existing is None:
            existing = identifiers.create_email_address(
                account.user, key, verified=verified, strategy=strategy
            )
        elif verified and not existing.is_verified:
            identifiers.verify(existing, strategy)
    except errors.ClerkError as exc:
        logger.info("provider email %s not added: %s", email, exc.long_message)
        return
    if existing.linked_external_account_id is None:
        EmailAddress.objects.filter(pk=existing.pk).update(linked_external_account=account)


# -- receivers -------------------------------------------------------------------------------
def _on_added(sender: Any, request: Any, sociallogin: Any, **kwargs: Any) -> None:
    from clerk_users import signals as clerk_signals

    account = sync_account(sociallogin)
    if account is not None:  # a provider connected to an existing user: user.updated
        clerk_signals.user_updated.send(sender=type(account.user), user=account.user)


def _on_updated(sender: Any, request: Any, sociallogin: Any, **kwargs: Any) -> None:
    """A known provider account came back (sign-in or connect): refresh it. In a connect flow
    started by another user, ``pre_social_login`` refuses it right after; skip it here."""
    wanted = pending_id(sociallogin)
    if (
        wanted
        and not ExternalAccount.objects.filter(
            pk=wanted, user_id=sociallogin.account.user_id
        ).exists()
    ):
        return
    sync_account(sociallogin)


def _on_social_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """allauth (its connections page, the admin) removed a provider account: so do we."""
    ExternalAccount.objects.filter(social_account_id=instance.pk).delete()


def connect() -> None:
    from django.core import checks

    from clerk_users.oauth.checks import check_providers

    checks.register(check_providers, "clerk_users")
    from allauth.socialaccount import signals
    from allauth.socialaccount.models import SocialAccount
    from django.db.models.signals import pre_delete

    signals.social_account_added.connect(_on_added, dispatch_uid="clerk_users_sa_added")
    signals.social_account_updated.connect(_on_updated, dispatch_uid="clerk_users_sa_updated")
    pre_delete.connect(
        _on_social_deleted, sender=SocialAccount, dispatch_uid="clerk_users_sa_deleted"
    )
