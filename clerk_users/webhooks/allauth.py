"""allauth's emails as ``email.created`` events, and allauth's account signals as ``user.*``.

allauth sends its own emails (password reset, "an account already exists", confirmation
links, login codes); the site's account adapter,
``clerk_users.allauth_account.ClerkAccountAdapter``, calls :func:`report_mail` for each one
sent, with its slug (the template name, e.g. ``password_reset_key``), subject, body and the
codes/links a site delivering its own mail needs.
"""

from __future__ import annotations

from typing import Any

from allauth.account.adapter import DefaultAccountAdapter

from clerk_users import signals

# Context values worth a receiver's while (a site that delivers the mail itself needs them).
DATA_KEYS = ("code", "password_reset_url", "activate_url", "signup_url", "key", "email")


def report_mail(template_prefix: str, email: str, message: Any, context: dict[str, Any]) -> None:
    user = context.get("user")
    user_id = getattr(user, "pk", None)
    if user_id is None:
        from clerk_users import normalization
        from clerk_users.models import EmailAddress

        user_id = (
            EmailAddress.objects.filter(email_address=normalization.email_key(email) or email)
            .values_list("user_id", flat=True)
            .first()
        )
    html = next(
        (body for body, mime in getattr(message, "alternatives", []) if mime == "text/html"), None
    )
    signals.email_sent.send(
        sender=DefaultAccountAdapter,
        to=email,
        subject=str(message.subject),
        body=str(message.body),
        html=html,
        slug=template_prefix.rsplit("/", 1)[-1],
        data={k: str(context[k]) for k in DATA_KEYS if isinstance(context.get(k), str | int)},
        user_id=user_id,
        identifier_id=None,
    )


def on_signed_up(sender: Any, request: Any = None, user: Any = None, **kwargs: Any) -> None:
    if user is not None and user.pk:
        signals.user_created.send(sender=type(user), user=user)


def on_password_changed(sender: Any, request: Any = None, user: Any = None, **kw: Any) -> None:
    if user is not None and user.pk:
        signals.user_updated.send(sender=type(user), user=user)


def connect() -> None:
    from allauth.account import signals as account_signals

    account_signals.user_signed_up.connect(on_signed_up, dispatch_uid="clerk_users.wh.signup")
    for name in ("password_changed", "password_set", "password_reset"):
        getattr(account_signals, name).connect(
            on_password_changed, dispatch_uid=f"clerk_users.wh.{name}"
        )
