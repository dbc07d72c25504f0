"""The one module that keeps allauth's ``account.EmailAddress`` mirroring ours.

Our ``EmailAddress`` rows are the source of truth. After any change of a user's addresses
(create, verify, unverify, set primary, delete) the identifiers module calls
:func:`sync_user`, which makes allauth's rows for that user equal to ours: same addresses
(lowercased, as allauth looks them up), same ``verified`` flag, ``primary`` on our primary.
Changes allauth makes itself (sign-up, confirmation, its email management page) arrive through
``post_save`` / ``post_delete`` of allauth's model and are applied to ours with our rules; a
thread-local guard keeps the two directions from echoing each other.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Iterator
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from clerk_users import errors, normalization

logger = logging.getLogger(__name__)
_state = threading.local()


@contextlib.contextmanager
def _syncing() -> Iterator[None]:
    previous = getattr(_state, "active", False)
    _state.active = True
    try:
        yield
    finally:
        _state.active = previous


def _is_syncing() -> bool:
    return getattr(_state, "active", False)


def sync_user(user_id: Any) -> None:
    """Make allauth's email rows of ``user_id`` equal to ours."""
    from allauth.account.models import EmailAddress as AllauthEmail

    from clerk_users.models import EmailAddress

    User = get_user_model()
    primary_id = (
        User.objects.filter(pk=user_id).values_list("primary_email_address_id", flat=True).first()
    )
    ours = {e.email_address.lower(): e for e in EmailAddress.objects.filter(user_id=user_id)}
    with _syncing(), transaction.atomic():
        theirs = {a.email.lower(): a for a in AllauthEmail.objects.filter(user_id=user_id)}
        stale = [a.pk for email, a in theirs.items() if email not in ours or a.email != email]
        if stale:
            AllauthEmail.objects.filter(pk__in=stale).delete()
            theirs = {k: v for k, v in theirs.items() if v.pk not in stale}
        # Clear primaries first: allauth allows one primary per user.
        AllauthEmail.objects.filter(user_id=user_id, primary=True).exclude(
            email=next((e.email_address.lower() for e in ours.values() if e.pk == primary_id), "")
        ).update(primary=False)
        for email, ours_row in ours.items():
            verified = ours_row.is_verified
            primary = ours_row.pk == primary_id
            row = theirs.get(email)
            if row is None:
                AllauthEmail.objects.create(
                    user_id=user_id, email=email, verified=verified, primary=primary
                )
            elif row.verified != verified or row.primary != primary:
                AllauthEmail.objects.filter(pk=row.pk).update(verified=verified, primary=primary)


def _strategy() -> str:
    """How allauth verified an address: by code or by link, as the site configures it."""
    from allauth.account import app_settings as account_settings

    return "email_code" if account_settings.EMAIL_VERIFICATION_BY_CODE_ENABLED else "email_link"


def _allauth_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """allauth added or changed an address: apply it to ours with our rules.

    Only what allauth adds is applied (a new address, a verification, a new primary); a row
    merely demoted by allauth is left to the step that follows. allauth's ``set_as_primary``
    first saves the old primary with ``primary=False`` and then the new one with
    ``primary=True``: re-syncing in between would put the old one back and make allauth's
    second save violate its one-primary-per-user constraint.
    """
    if _is_syncing() or kwargs.get("raw"):
        return
    from clerk_users import identifiers
    from clerk_users.models import EmailAddress

    email = normalization.email_key(instance.email)
    if email is None:  # our account adapter's clean_email refuses these on allauth's forms
        logger.warning("allauth address %s cannot be stored; left alone", instance.email)
        return
    if identifiers.is_claimed("email_address", email, by_other_than=instance.user_id):
        logger.warning("allauth address %s is verified by another clerk user; left alone", email)
        return
    ours = (
        EmailAddress.objects.filter(user_id=instance.user_id, email_address=email)
        .select_related("user")
        .first()
    )
    try:
        if ours is None:
            ours = identifiers.create_email_address(
                instance.user, email, verified=instance.verified, strategy=_strategy()
            )
        elif instance.verified and not ours.is_verified:
            identifiers.verify(ours, _strategy())
        if instance.primary and instance.verified:
            user = ours.user
            if user.primary_email_address_id != ours.pk:
                identifiers.set_primary(user, ours)
    except errors.ClerkError as exc:
        logger.warning("allauth address %s not mirrored: %s", email, exc.long_message)
        sync_user(instance.user_id)


def _allauth_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    origin = kwargs.get("origin")
    origin_model = getattr(origin, "model", type(origin))
    if _is_syncing() or origin_model is not sender:
        # Part of a cascade (e.g. the user is being deleted): nothing to mirror.
        return
    from clerk_users import identifiers
    from clerk_users.models import EmailAddress

    ours = (
        EmailAddress.objects.filter(
            user_id=instance.user_id,
            email_address=normalization.email_key(instance.email) or instance.email.lower(),
        )
        .select_related("user")
        .first()
    )
    if ours is None:
        return
    try:
        identifiers.delete_identifier(ours, keep_sign_in=True)
    except errors.ClerkError:
        replacement = (
            EmailAddress.objects.filter(user_id=ours.user_id, verification_status="verified")
            .exclude(pk=ours.pk)
            .first()
        )
        if replacement is not None:
            identifiers.delete_identifier(ours, new_primary=replacement)
        else:
            sync_user(instance.user_id)


def connect() -> None:
    from allauth.account.models import EmailAddress as AllauthEmail

    post_save.connect(_allauth_saved, sender=AllauthEmail, dispatch_uid="clerk_users_allauth_saved")
    post_delete.connect(
        _allauth_deleted, sender=AllauthEmail, dispatch_uid="clerk_users_allauth_deleted"
    )
