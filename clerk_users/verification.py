"""One-time code verification of email addresses and phone numbers (contract §8).

Codes come from ``secrets`` (a CSPRNG), are stored only as an HMAC keyed with the site's
``SECRET_KEY`` and the identifier's id, expire after ``VERIFICATION_CODE_LIFETIME`` seconds and
allow ``VERIFICATION_MAX_ATTEMPTS`` tries. Each attempt first claims a try with one conditional
``UPDATE ... SET attempts = attempts + 1 WHERE attempts < max``, so parallel attempts can never
compare more codes than the limit allows; the comparison is constant-time.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone

from clerk_users import errors, identifiers, lockout, signals
from clerk_users.adapter import get_adapter
from clerk_users.app_settings import app_settings
from clerk_users.models import Identification, VerificationStatus

CODE_STRATEGIES = {"email_address": "email_code", "phone_number": "phone_code"}


def generate_code() -> str:
    length = app_settings.VERIFICATION_CODE_LENGTH
    return f"{secrets.randbelow(10**length):0{length}d}"


def limit_sends(kind: str, value: str) -> None:
    """429 past ``VERIFICATION_PREPARE_RATE`` codes per identifier value, whoever asks: /me,
    sign-ins and sign-ups (of any number of attempts) share it, keyed by the normalised
    address or number, so nobody can mail-bomb or SMS-pump it through the site (issue 12)."""
    from clerk_users.api.throttling import hit

    wait = hit(f"prepare:{kind}:{value}", app_settings.VERIFICATION_PREPARE_RATE)
    if wait is not None:
        raise errors.too_many_requests(wait)


def limit_guesses(kind: str, value: str) -> None:
    """429 past ``VERIFICATION_GUESS_RATE`` codes compared per identifier value, across every
    sign-in and sign-up: parallel attempts for one address (each with its own
    ``VERIFICATION_MAX_ATTEMPTS`` tries) cannot multiply the guesses of its codes. Counted
    before the comparison, so parallel requests cannot overshoot."""
    from clerk_users.api.throttling import hit

    wait = hit(f"guess:{kind}:{value}", app_settings.VERIFICATION_GUESS_RATE)
    if wait is not None:
        raise errors.too_many_requests(wait)


def digest(identifier: Identification, secret: str) -> str:
    key = f"clerk_users.verification:{settings.SECRET_KEY}:{identifier.pk}".encode()
    return hmac.new(key, secret.encode(), hashlib.sha256).hexdigest()


def _refresh(identifier: Identification) -> None:
    identifier.refresh_from_db(
        fields=[
            "verification_status",
            "verification_strategy",
            "verification_attempts",
            "verification_expire_at",
            "verification_secret",
            "verification_sent_at",
            "verification_message",
            "verified_at",
        ]
    )


def prepare(
    identifier: Identification, strategy: str | None = None, **kwargs: Any
) -> Identification:
    """Start a verification: generate and send a code (or a web3 nonce message).

    A second call within ``VERIFICATION_RESEND_COOLDOWN`` seconds is refused with 429, which
    is decided by a conditional update so two parallel calls cannot both send.
    """
    if identifier.kind == "web3_wallet":
        from clerk_users import web3  # type: ignore[attr-defined]

        return web3.prepare(identifier, strategy or web3.STRATEGY, request=kwargs.get("request"))
    expected = CODE_STRATEGIES[identifier.kind]
    if strategy is None:
        strategy = expected
    if strategy != expected:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"strategy must be {expected} for this identifier.",
            param_name="strategy",
        )
    if identifier.is_verified:
        raise errors.ClerkError(
            "verification_already_verified",
            "already verified",
            long_message="This identifier has already been verified.",
            status=400,
        )
    limit_sends(identifier.kind, identifier.value)
    now = timezone.now()
    cooldown = app_settings.VERIFICATION_RESEND_COOLDOWN
    code = generate_code()
    model = type(identifier)
    claimed = (
        model.objects.filter(pk=identifier.pk)
        .exclude(verification_status=VerificationStatus.VERIFIED)
        .filter(
            Q(verification_sent_at__isnull=True)
            | Q(verification_sent_at__lte=now - timedelta(seconds=cooldown))
        )
        .update(
            verification_status=VerificationStatus.UNVERIFIED,
            verification_strategy=strategy,
            verification_attempts=0,
            verification_expire_at=now + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME),
            verification_secret=digest(identifier, code),
            verification_sent_at=now,
            updated_at=now,
        )
    )
    if not claimed:
        _refresh(identifier)
        sent_at = identifier.verification_sent_at or now
        wait = cooldown - int((now - sent_at).total_seconds())
        raise errors.too_many_requests(wait)
    _refresh(identifier)
    adapter = get_adapter()
    # Webhooks (email.created / sms.created): the message the site sent, as Clerk reports it.
    event: dict[str, Any] = {"slug": "verification_code", "data": {"otp_code": code}}
    event.update(user_id=identifier.user_id, identifier_id=identifier.pk, to=identifier.value)
    if identifier.kind == "email_address":
        adapter.send_verification_email(identifier, code)
        content = adapter.verification_email(identifier, code)
        signals.email_sent.send(sender=model, **content, **event)
    else:
        adapter.send_verification_sms(identifier, code)
        body = adapter.verification_sms(identifier, code)
        signals.sms_sent.send(sender=model, body=body, **event)
    return identifier


def _consume_attempt(identifier: Identification, now: Any) -> bool:
    """Claim one try atomically; False when none is left or the code is not pending."""
    model = type(identifier)
    max_attempts = app_settings.VERIFICATION_MAX_ATTEMPTS
    return bool(
        model.objects.filter(
            pk=identifier.pk,
            verification_status=VerificationStatus.UNVERIFIED,
            verification_attempts__lt=max_attempts,
            verification_expire_at__gt=now,
        )
        .exclude(verification_secret="")
        .update(verification_attempts=F("verification_attempts") + 1, updated_at=now)
    )


def _spent_error(identifier: Identification, now: Any) -> errors.ClerkError:
    """The error for an attempt when no try can be claimed, recording the final status."""
    model = type(identifier)
    _refresh(identifier)
    if identifier.is_verified:
        return errors.ClerkError(
            "verification_already_verified",
            "already verified",
            long_message="This identifier has already been verified.",
            status=400,
        )
    if not identifier.verification_secret:
        return errors.ClerkError(
            "verification_missing",
            "no verification in progress",
            long_message="Call prepare_verification first.",
            status=400,
        )
    expire_at = identifier.verification_expire_at
    if identifier.verification_status == VerificationStatus.EXPIRED or (
        expire_at is not None
        and expire_at <= now
        and identifier.verification_status != VerificationStatus.FAILED
    ):
        model.objects.filter(pk=identifier.pk).exclude(
            verification_status=VerificationStatus.VERIFIED
        ).update(verification_status=VerificationStatus.EXPIRED)
        identifier.verification_status = VerificationStatus.EXPIRED
        return errors.verification_expired()
    model.objects.filter(pk=identifier.pk).exclude(
        verification_status=VerificationStatus.VERIFIED
    ).update(verification_status=VerificationStatus.FAILED)
    identifier.verification_status = VerificationStatus.FAILED
    return errors.verification_failed()


def complete(identifier: Identification, expected_secret: str, now: Any) -> bool:
    """Mark ``identifier`` verified if its pending secret is still ``expected_secret``.

    One conditional update decides, so among parallel correct attempts exactly one wins and
    runs the primary rules, the allauth mirror and the signal.
    """
    model = type(identifier)
    try:
        with transaction.atomic():
            won = (
                model.objects.filter(pk=identifier.pk, verification_secret=expected_secret)
                .exclude(verification_status=VerificationStatus.VERIFIED)
                .update(
                    verification_status=VerificationStatus.VERIFIED,
                    verification_secret="",
                    verification_message="",
                    verified_at=now,
                    updated_at=now,
                )
            )
            if won:
                _refresh(identifier)
                identifiers._after_verified(identifier)
                identifiers._mirror(identifier)
                # in the transaction: the webhook outbox row commits or rolls back with it
                signals.identifier_verified.send(sender=model, identifier=identifier)
    except IntegrityError:  # another user verified the same value first
        raise errors.identifier_exists(identifier.kind, identifiers.WHAT[identifier.kind]) from None
    return bool(won)


def record_wrong_attempt(identifier: Identification) -> int:
    """After a wrong code or signature: mark the verification failed when no try is left, and
    return how many tries remain."""
    remaining = max(
        0, app_settings.VERIFICATION_MAX_ATTEMPTS - (identifier.verification_attempts or 0)
    )
    if remaining == 0:
        type(identifier).objects.filter(
            pk=identifier.pk, verification_status=VerificationStatus.UNVERIFIED
        ).update(verification_status=VerificationStatus.FAILED)
        identifier.verification_status = VerificationStatus.FAILED
    return remaining


def attempt(identifier: Identification, code: Any = None, **kwargs: Any) -> Identification:
    """Check ``code``; verified on success, else ``form_code_incorrect`` (422) while tries
    remain, then ``verification_failed`` / ``verification_expired`` (400)."""
    if identifier.kind == "web3_wallet":
        from clerk_users import web3  # type: ignore[attr-defined]

        return web3.attempt(
            identifier, kwargs.get("signature", code), request=kwargs.get("request")
        )
    if not isinstance(code, str) or not code.strip():
        raise errors.param_missing("code")
    now = timezone.now()
    if not _consume_attempt(identifier, now):
        raise _spent_error(identifier, now)
    # The code counts toward the user's lockout before it is compared (``lockout``), on
    # the code counter that a correct password does not reset.
    user = identifier.user
    if not lockout.claim(user, lockout.CODE):
        raise errors.user_locked(user)
    _refresh(identifier)
    expected = identifier.verification_secret
    if expected and hmac.compare_digest(expected, digest(identifier, code.strip())):
        if complete(identifier, expected, now):
            lockout.succeeded(user, lockout.CODE)
            return identifier
    remaining = record_wrong_attempt(identifier)
    lockout.failed(user)
    raise errors.code_incorrect(remaining)
