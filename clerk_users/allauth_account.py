"""allauth's account adapter and forms for clerk_users: the same identity rules on allauth's
pages as in both APIs (issue 12).

- ``ClerkAccountAdapter`` (``ACCOUNT_ADAPTER``): every address typed on allauth's forms goes
  through ``clerk_users.normalization`` (so allauth's own lookups use the canonical form and
  lookalikes are refused); the "account already exists" mail and password-reset mails only
  go to *verified* addresses (an unverified address is no proof of its mailbox).
- An unverified identifier claims nothing: someone else's unverified claim of an address
  never blocks its owner's sign-up or confirmation (allauth counts unverified addresses as
  taken: :func:`install` makes its one uniqueness verdict count verified holders only, and
  ``SignupForm`` (``ACCOUNT_FORMS["signup"]``) keeps the owner's address that allauth's
  ``setup_user_email`` would drop); the owner verifies it and the other claims go.
- Every mail allauth sends is reported as an ``email.created`` webhook
  (:func:`clerk_users.webhooks.allauth.report_mail`).
- ``ResetPasswordForm`` (``ACCOUNT_FORMS["reset_password"]``): only users holding the
  address *verified* get a reset (by link or by code).

Settings (the example project has them; a system check warns when they are missing)::

    ACCOUNT_ADAPTER = "clerk_users.allauth_account.ClerkAccountAdapter"
    ACCOUNT_FORMS = {
        "signup": "clerk_users.allauth_account.SignupForm",
        "reset_password": "clerk_users.allauth_account.ResetPasswordForm",
    }
"""

from __future__ import annotations

from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter, get_adapter
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from allauth.account.forms import SignupForm as AllauthSignupForm
from django import forms

from clerk_users import identifiers, normalization
from clerk_users.app_settings import app_settings

ADAPTER_PATH = "clerk_users.allauth_account.ClerkAccountAdapter"
FORMS = {
    "signup": "clerk_users.allauth_account.SignupForm",
    "reset_password": "clerk_users.allauth_account.ResetPasswordForm",
}


def holds_verified(user: Any, email: str) -> bool:
    """Whether ``user`` holds ``email`` verified (our table, canonical form)."""
    from clerk_users.models import EmailAddress

    key = normalization.email_key(email)
    return bool(key) and (
        EmailAddress.objects.filter(
            user_id=getattr(user, "pk", user), email_address=key, verification_status="verified"
        ).exists()
    )


class ClerkAccountAdapter(DefaultAccountAdapter):
    def clean_email(self, email: str) -> str:
        try:
            email = normalization.canonical_email(email)
        except normalization.EmailRefused as exc:
            raise forms.ValidationError(
                f"Enter a valid email address; this one {exc}.", code="invalid"
            ) from None
        return super().clean_email(email)

    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """One clock for allauth's pages and the Frontend API: where allauth would ask for
        reauthentication, it does so only when the Clerk session of this browser has not
        verified a first factor within ``REVERIFICATION_MAX_AGE`` (a sign-in, our
        reverification or allauth's own reauthentication all refresh it)."""
        from clerk_users.models import Session
        from clerk_users.sessions import lifecycle as sessions
        from clerk_users.sessions import reverification

        required = super().is_reauthentication_required(app=app, **kwargs)
        request = getattr(self, "request", None)
        if not required or request is None or app_settings.REVERIFICATION_MAX_AGE is None:
            return required
        session_id = sessions.session_id_of(request)
        session = Session.objects.active().filter(pk=session_id).first() if session_id else None
        return session is None or not reverification.is_fresh(session)

    def send_account_already_exists_mail(self, email: str) -> None:
        if identifiers.is_claimed("email_address", email):
            super().send_account_already_exists_mail(email)

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        if holds_verified(user, email):
            super().send_password_reset_mail(user, email, context)

    def render_mail(
        self, template_prefix: str, email: str, context: dict, *a: Any, **kw: Any
    ) -> Any:
        """allauth's mail, reported as an ``email.created`` webhook once it is sent."""
        from clerk_users.webhooks.allauth import report_mail

        message = super().render_mail(template_prefix, email, context, *a, **kw)
        send = message.send

        def send_and_report(*args: Any, **kwargs: Any) -> Any:
            sent = send(*args, **kwargs)
            report_mail(template_prefix, email, message, context)
            return sent

        message.send = send_and_report
        return message


def _assess_unique_email(original: Any) -> Any:
    def assess_unique_email(email: str, user: Any = None) -> bool | None:
        """allauth's verdict on an address, counting only *verified* holders: allauth
        counts any row of its table, so someone else's unverified claim blocked sign-up,
        its confirmation and provider sign-ups (then "account already exists")."""
        if not identifiers.is_claimed("email_address", email, by_other_than=user):
            return True
        return original(email, user=user)

    assess_unique_email.clerk_users = True  # type: ignore[attr-defined]
    return assess_unique_email


def install() -> None:
    """Make allauth's uniqueness verdict follow "an unverified identifier claims nothing"
    (called from ``AppConfig.ready``). allauth has no adapter hook for it: the one function
    every form and flow asks (``manage_email.assess_unique_email``) is wrapped, in the
    modules that imported it by name too."""
    from allauth.account.internal.flows import manage_email
    from allauth.socialaccount.internal.flows import signup as social_signup

    if getattr(manage_email.assess_unique_email, "clerk_users", False):
        return
    wrapped = _assess_unique_email(manage_email.assess_unique_email)
    manage_email.assess_unique_email = wrapped
    if hasattr(social_signup, "assess_unique_email"):
        social_signup.assess_unique_email = wrapped


def installed() -> bool:
    from allauth.account.internal.flows import manage_email

    return bool(getattr(manage_email.assess_unique_email, "clerk_users", False))


class SignupForm(AllauthSignupForm):
    def save(self, request: Any) -> Any:
        """allauth's ``setup_user_email`` drops an address that *any* row of its table
        holds, verified or not; put the owner's (unverified) address back so allauth sends
        its confirmation, and verifying it releases the other claims."""
        from allauth.account.models import EmailAddress as AllauthEmail

        user = super().save(request)
        email = self.cleaned_data.get("email")
        if (
            email
            and not AllauthEmail.objects.filter(user_id=user.pk).exists()
            and not identifiers.is_claimed("email_address", email)
        ):
            AllauthEmail.objects.create(user=user, email=email, primary=True, verified=False)
        return user


class ResetPasswordForm(AllauthResetPasswordForm):
    def clean_email(self) -> str:
        email = super().clean_email()
        found: list[Any] = list(getattr(self, "users", []))
        self.users = [u for u in found if holds_verified(u, email)]
        if not self.users and not account_settings.PREVENT_ENUMERATION:
            raise get_adapter().validation_error("unknown_email")
        return email
