"""allauth's social account adapter for clerk_users (``SOCIALACCOUNT_ADAPTER``).

It ties allauth's flows to our ExternalAccount (see ``oauth_flow``) and closes one hole:
allauth's email authentication also matches *unverified* addresses (it then wipes the
password); here a provider email only ever matches an address verified on our side.
"""

from __future__ import annotations

from typing import Any

from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.providers.base.constants import AuthError

from clerk_users import allauth_sync
from clerk_users.oauth import flow as oauth_flow


class ClerkSocialAccountAdapter(DefaultSocialAccountAdapter):
    def populate_user(self, request: Any, sociallogin: Any, data: dict[str, Any]) -> Any:
        # Keep the provider's common fields (names, username) for the ExternalAccount.
        sociallogin._clerk_common_fields = dict(data)
        return super().populate_user(request, sociallogin, data)

    def pre_social_login(self, request: Any, sociallogin: Any) -> None:
        """In a connect flow we started, refuse a provider account owned by someone else or a
        callback arriving in another user's session (the account gets ``verification.error``)."""
        super().pre_social_login(request, sociallogin)
        account_id = oauth_flow.pending_id(sociallogin)
        if not account_id or sociallogin.state.get("process") != "connect":
            return
        from django.utils import timezone

        from clerk_users.models import ExternalAccount

        pending = ExternalAccount.objects.filter(pk=account_id).first()
        if pending is None:
            return
        code = None
        if not request.user.is_authenticated or request.user.pk != pending.user_id:
            code = "session_mismatch"
        elif pending.verification_expire_at and pending.verification_expire_at < timezone.now():
            code = "verification_expired"
        elif pending.provider_user_id and pending.provider_user_id != sociallogin.account.uid:
            # A reauthorization refreshes the SAME provider account: another one (another
            # uid) must never take its place (it would sign in as this user, and its email
            # would become a verified address here).
            code = "external_account_mismatch"
        elif sociallogin.is_existing and sociallogin.user.pk != request.user.pk:
            code = "external_account_exists"
        if code:
            response = oauth_flow.fail(request, account_id, code)
            if response is not None:
                raise ImmediateHttpResponse(response)
        if not sociallogin.is_existing:
            # Our connect flow began at POST /me/external_accounts or at PATCH .../reauthorize
            # (of an account without a provider uid yet, see above), both of which required
            # a recent first factor (reverification): connect here, atomically, rather
            # than through allauth's connect (which would ask again and race).
            self._connect_new(request, sociallogin, pending)

    def _connect_new(self, request: Any, sociallogin: Any, pending: Any) -> None:
        """Connect a provider account that no one has yet, atomically: if another user's
        callback for the same provider account wins the race, the database's uniqueness
        refuses this one and the account gets ``external_account_exists`` (never a 500)."""
        from django.db import IntegrityError, transaction
        from django.http import HttpResponseRedirect

        try:
            with transaction.atomic():
                sociallogin.connect(request, request.user)
        except IntegrityError:
            response = oauth_flow.fail(request, pending.pk, "external_account_exists")
            raise ImmediateHttpResponse(response) from None
        url = oauth_flow.final_redirect(request, pending)
        raise ImmediateHttpResponse(HttpResponseRedirect(url))

    def on_authentication_error(
        self,
        request: Any,
        provider: Any,
        error: Any = None,
        exception: Any = None,
        extra_context: Any = None,
    ) -> None:
        """A denied or failed callback of our connect flow: record it, go to ``redirect_url``.
        Without a valid state (wrong or replayed) there is no account to touch."""
        super().on_authentication_error(request, provider, error, exception, extra_context)
        state = (extra_context or {}).get("state")
        account_id = oauth_flow.pending_id(state)
        if error == AuthError.CANCELLED:
            code = "oauth_access_denied"
        elif exception is not None:
            code = "oauth_token_exchange_error"
        else:
            code = "oauth_callback_error"
        response = oauth_flow.fail(request, account_id, code)
        if response is None:  # a ClerkJS sign-in (clerk_users.signin.oauth)?
            from clerk_users.signin import oauth as sign_in_oauth

            response = sign_in_oauth.fail_from_state(request, state, code)
        if response is not None:
            raise ImmediateHttpResponse(response)

    def authenticate_by_email(self, sociallogin: Any) -> tuple[Any, str] | None:
        """Only a provider-verified email equal to an address *verified here* may sign in."""
        from clerk_users import identifiers

        for address in sociallogin.email_addresses:
            if not address.verified or not self.can_authenticate_by_email(
                sociallogin, address.email
            ):
                continue
            # The canonical form (punycode domain): a lookalike such as a dotless-i (U+0131) domain
            # never equals the real address, whatever the database's case folding does.
            ours = identifiers.verified_holder("email_address", address.email)
            if ours is not None:
                return ours.user, address.email
        return None

    def save_user(self, request: Any, sociallogin: Any, form: Any = None) -> Any:
        """Sign-up with a provider: allauth creates the user and the SocialAccount, then the
        ExternalAccount and the provider email (as our identifier) are made here."""
        from allauth.account.models import EmailAddress as AllauthEmail

        from clerk_users import errors, identifiers

        with allauth_sync._syncing():
            user = super().save_user(request, sociallogin, form)
        oauth_flow.sync_account(sociallogin)
        # An address typed on allauth's sign-up form (the provider gave none; allauth itself
        # drops it as our user model has no email field) is the user's too, unverified until
        # allauth's confirmation. Other addresses of the provider are not kept (as Clerk).
        from_provider = {e.email.lower() for e in sociallogin.email_addresses}
        typed = form.cleaned_data.get("email") if form is not None else None
        candidates = [typed] if isinstance(typed, str) and typed else []
        candidates += AllauthEmail.objects.filter(user_id=user.pk, verified=False).values_list(
            "email", flat=True
        )
        for email in dict.fromkeys(e.lower() for e in candidates):
            if email in from_provider:
                continue
            try:
                identifiers.create_email_address(user, email)
            except errors.ClerkError:
                pass  # taken meanwhile: sync_user below drops allauth's row
        allauth_sync.sync_user(user.pk)
        return user
