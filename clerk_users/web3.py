"""Web3 wallet verification by EIP-191 signature (``personal_sign``), as Clerk's
``web3_metamask_signature`` strategy does.

``prepare`` stores a fresh nonce message in ``verification_message`` (shown to the client as
``verification.message`` / ``verification.nonce``) and an HMAC of it in ``verification_secret``;
``attempt`` claims one try atomically (the same counter as one-time codes), recovers the
signer's address from the signature with eth-account and compares it with the wallet. A
message is usable once: success clears it.

eth-account is an optional dependency (``pip install clerk-users[web3]``). Without it wallets
cannot be verified by signature and can only be added already verified, through the Backend
API or the Python API; every call here then raises ``web3_unavailable``.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from django.utils import timezone

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.models import Identification, VerificationStatus

STRATEGY = "web3_metamask_signature"
STRATEGIES = frozenset(
    {"web3_metamask_signature", "web3_coinbase_wallet_signature", "web3_okx_wallet_signature"}
)
MESSAGE_PREFIX = "Sign this message to verify that you own this wallet. Nonce:"


def available() -> bool:
    """Whether eth-account (the ``web3`` extra) is installed."""
    try:
        import eth_account  # noqa: F401
    except ImportError:
        return False
    return True


def unavailable_error() -> errors.ClerkError:
    return errors.ClerkError(
        "web3_unavailable",
        "web3 verification is not available",
        long_message="Web3 wallet verification needs the optional 'web3' extra (eth-account), "
        "which is not installed on this server. Wallets can only be added already verified "
        "through the Backend API.",
        status=422,
    )


def ensure_available() -> None:
    if not available():
        raise unavailable_error()


def recover_address(message: str, signature: str) -> str | None:
    """The lowercased address that signed ``message`` (EIP-191), or None if malformed."""
    from eth_account import Account
    from eth_account.messages import encode_defunct

    try:
        address = Account.recover_message(encode_defunct(text=message), signature=signature)
    except Exception:  # eth-account raises several types for malformed signatures
        return None
    return str(address).lower()


def _already_verified() -> errors.ClerkError:
    return errors.ClerkError(
        "verification_already_verified",
        "already verified",
        long_message="This identifier has already been verified.",
        status=400,
    )


def prepare(identifier: Identification, strategy: str = STRATEGY) -> Identification:
    """Start a signature verification: a new nonce message replaces any previous one."""
    ensure_available()
    if strategy not in STRATEGIES:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message=f"strategy must be one of: {', '.join(sorted(STRATEGIES))}.",
            param_name="strategy",
        )
    if identifier.is_verified:
        raise _already_verified()
    from clerk_users import verification

    now = timezone.now()
    message = f"{MESSAGE_PREFIX} {secrets.token_hex(16)}"
    claimed = (
        type(identifier)
        .objects.filter(pk=identifier.pk)
        .exclude(verification_status=VerificationStatus.VERIFIED)
        .update(
            verification_status=VerificationStatus.UNVERIFIED,
            verification_strategy=strategy,
            verification_attempts=0,
            verification_expire_at=now + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME),
            verification_secret=verification.digest(identifier, message),
            verification_message=message,
            verification_sent_at=now,
            updated_at=now,
        )
    )
    if not claimed:
        raise _already_verified()
    verification._refresh(identifier)
    return identifier


def attempt(identifier: Identification, signature: Any) -> Identification:
    """Check ``signature`` over the prepared message; verified when it recovers the wallet."""
    ensure_available()
    from clerk_users import verification

    if not isinstance(signature, str) or not signature.strip():
        raise errors.param_missing("signature")
    now = timezone.now()
    if not verification._consume_attempt(identifier, now):
        raise verification._spent_error(identifier, now)
    verification._refresh(identifier)
    message = identifier.verification_message
    expected = identifier.verification_secret
    intact = bool(message) and hmac.compare_digest(
        expected, verification.digest(identifier, message)
    )
    signer = recover_address(message, signature.strip()) if intact else None
    if signer is not None and hmac.compare_digest(signer, identifier.value.lower()):
        if verification.complete(identifier, expected, now):
            return identifier
    remaining = verification.record_wrong_attempt(identifier)
    if signer is None:
        raise errors.ClerkError(
            "form_param_format_invalid",
            "is invalid",
            long_message="signature is not a valid EIP-191 signature of the prepared message.",
            param_name="signature",
            meta={"attempts_remaining": remaining},
        )
    raise errors.ClerkError(
        "form_code_incorrect",
        "is incorrect",
        long_message="The signature was not made by this wallet.",
        param_name="signature",
        meta={"attempts_remaining": remaining},
    )
