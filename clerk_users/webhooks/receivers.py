"""From ``clerk_users.signals`` (sent by the rules where each change is made, whatever the path:
Backend API, Frontend API, allauth pages, admin, Python API) to the outbox.

Not ``post_save``: a user change touches several rows (identifiers, the user, allauth's
mirror) and Clerk reports it as one event with the user's state; the rules know when a change
is one. Identifier changes are ``user.updated`` (Clerk sends no identifier events), collapsed
with the user's other events of the same transaction (see ``outbox``).

A user saved for the first time during a request but not yet announced (allauth's sign-up
saves the user, then its email, then sends ``user_signed_up``, in separate transactions) gets
no ``user.updated`` before its ``user.created``: that one carries the state, and is sent when
the request ends if nothing announced the user by then.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from django.core.signals import request_finished, request_started
from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from clerk_users import signals
from clerk_users.webhooks import events, outbox

# Users saved for the first time in the current request and not yet announced.
_unannounced: ContextVar[set[str] | None] = ContextVar("clerk_users_unannounced", default=None)


def _user_changed(event_type: str, user_id: str) -> None:
    pending = _unannounced.get()
    if pending is not None and user_id in pending:
        if event_type != "user.created":
            return  # the coming user.created carries this change
        pending.discard(user_id)
    outbox.enqueue(event_type, lambda: events.user_data(user_id), user_key=user_id)


def on_user_created(sender: Any, user: Any, **kwargs: Any) -> None:
    _user_changed("user.created", user.pk)


def on_user_saved(sender: Any, instance: Any, created: bool, raw: bool = False, **kw: Any) -> None:
    pending = _unannounced.get()
    if created and not raw and pending is not None:
        pending.add(instance.pk)


def on_request_started(sender: Any, **kwargs: Any) -> None:
    _unannounced.set(set())


def on_request_finished(sender: Any, **kwargs: Any) -> None:
    """Announce users this request created that no rule announced (a plain ``save()``)."""
    pending = _unannounced.get()
    _unannounced.set(None)
    for user_id in sorted(pending or ()):
        _user_changed("user.created", user_id)


def on_user_updated(sender: Any, user: Any, **kwargs: Any) -> None:
    _user_changed("user.updated", user.pk)


def on_user_deleted(sender: Any, user: Any, **kwargs: Any) -> None:
    outbox.enqueue("user.deleted", lambda: events.user_deleted_data(user), user_key=user.pk)


def on_identifier_changed(sender: Any, identifier: Any, **kwargs: Any) -> None:
    user_id = identifier.user_id
    if user_id:
        _user_changed("user.updated", user_id)


def _session_event(event_type: str, session: Any) -> None:
    outbox.enqueue(event_type, lambda: events.session_data(session), user_key=session.user_id)


def on_session_created(sender: Any, session: Any, **kwargs: Any) -> None:
    _session_event("session.created", session)


def on_session_revoked(sender: Any, session: Any, **kwargs: Any) -> None:
    _session_event("session.revoked", session)


def on_session_ended(sender: Any, session: Any, **kwargs: Any) -> None:
    status = session.status if session.status in ("ended", "removed") else "ended"
    _session_event(f"session.{status}", session)


def on_email_sent(sender: Any, **kwargs: Any) -> None:
    user_id = kwargs.get("user_id")
    outbox.enqueue(
        "email.created",
        lambda: events.email_data(
            to=kwargs["to"],
            subject=kwargs.get("subject", ""),
            body=kwargs.get("body", ""),
            html=kwargs.get("html"),
            slug=kwargs.get("slug", ""),
            data=kwargs.get("data"),
            email_address_id=kwargs.get("identifier_id"),
            user_id=user_id,
        ),
        user_key=user_id or kwargs["to"][:64],
    )


def on_sms_sent(sender: Any, **kwargs: Any) -> None:
    user_id = kwargs.get("user_id")
    outbox.enqueue(
        "sms.created",
        lambda: events.sms_data(
            to=kwargs["to"],
            message=kwargs.get("body", ""),
            slug=kwargs.get("slug", ""),
            data=kwargs.get("data"),
            phone_number_id=kwargs.get("identifier_id"),
            user_id=user_id,
        ),
        user_key=user_id or kwargs["to"][:64],
    )


def _endpoint_changed(sender: Any, **kwargs: Any) -> None:
    outbox.forget_endpoints()


CONNECTIONS: list[tuple[Signal, Callable[..., Any]]] = [
    (signals.user_created, on_user_created),
    (signals.user_updated, on_user_updated),
    (signals.user_deleted, on_user_deleted),
    (signals.identifier_created, on_identifier_changed),
    (signals.identifier_verified, on_identifier_changed),
    (signals.identifier_deleted, on_identifier_changed),
    (signals.session_created, on_session_created),
    (signals.session_revoked, on_session_revoked),
    (signals.session_ended, on_session_ended),
    (signals.email_sent, on_email_sent),
    (signals.sms_sent, on_sms_sent),
]


def connect() -> None:
    from clerk_users.models import WebhookEndpoint
    from clerk_users.webhooks import allauth

    allauth.connect()  # allauth's sign-up and password signals -> user.* signals
    for signal, receiver in CONNECTIONS:
        signal.connect(receiver, dispatch_uid=f"clerk_users.webhooks.{receiver.__name__}")
    from django.contrib.auth import get_user_model

    request_started.connect(events.on_request_started, dispatch_uid="clerk_users.webhooks.req")
    request_started.connect(on_request_started, dispatch_uid="clerk_users.webhooks.req_users")
    request_finished.connect(on_request_finished, dispatch_uid="clerk_users.webhooks.fin_users")
    request_finished.connect(events.on_request_finished, dispatch_uid="clerk_users.webhooks.fin")
    post_save.connect(
        on_user_saved, sender=get_user_model(), dispatch_uid="clerk_users.webhooks.user_saved"
    )
    post_save.connect(
        _endpoint_changed, sender=WebhookEndpoint, dispatch_uid="clerk_users.webhooks.ep_saved"
    )
    post_delete.connect(
        _endpoint_changed, sender=WebhookEndpoint, dispatch_uid="clerk_users.webhooks.ep_deleted"
    )
