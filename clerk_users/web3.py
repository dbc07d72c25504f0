"""Web3 wallet verification by EIP-191 signature (``personal_sign``), as Clerk's
``web3_metamask_signature`` strategy does, of an EIP-4361 (Sign-In with Ethereum) message.

``prepare`` stores a fresh EIP-4361 message in ``verification_message`` (shown to the client
as ``verification.message`` / ``verification.nonce``): the site's domain and URI, the wallet
(EIP-55), a nonce, issued-at and expiration times, so a signature obtained by another site
(phishing) is useless here; an HMAC of it goes in ``verification_secret``.
On ``attempt`` the server re-reads the message it issued and checks its domain against the
request's host and its expiration time before recovering the signer;
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
STATEMENT = "Sign this message to verify that you own this wallet."
SIWE_HEADER = " wants you to sign in with your Ethereum account:"


def siwe_message(
    address: str, *, domain: str, uri: str, nonce: str, issued_at: Any, expires_at: Any
) -> str:
    """An EIP-4361 message (the ABNF's field order and labels)."""
    from eth_utils import to_checksum_address

    def iso(moment: Any) -> str:
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")

    return (
        f"{domain}{SIWE_HEADER}\n{to_checksum_address(address)}\n\n{STATEMENT}\n\n"
        f"URI: {uri}\nVersion: 1\nChain ID: 1\nNonce: {nonce}\n"
        f"Issued At: {iso(issued_at)}\nExpiration Time: {iso(expires_at)}"
    )


def siwe_fields(message: str) -> dict[str, str]:
    """The fields of an EIP-4361 message (``domain`` from its first line)."""
    lines = message.split("\n")
    fields = {"domain": lines[0][: -len(SIWE_HEADER)] if lines[0].endswith(SIWE_HEADER) else ""}
    for line in lines:
        name, sep, value = line.partition(": ")
        if sep:
            fields[name] = value
    return fields


def _site(request: Any) -> tuple[str, str]:
    """(domain, URI) the message binds to: the request's host, else the first allowed host."""
    if request is not None:
        return request.get_host(), f"{request.scheme}://{request.get_host()}"
    from django.conf import settings

    hosts = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", "")]
    host = hosts[0] if hosts else "localhost"
    return host, f"https://{host}"


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


def prepare(
    identifier: Identification, strategy: str = STRATEGY, *, request: Any = None
) -> Identification:
    """Start a signature verification: a new EIP-4361 message replaces any previous one."""
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
    domain, uri = _site(request)
    expires = now + timedelta(seconds=app_settings.VERIFICATION_CODE_LIFETIME)
    message = siwe_message(
        identifier.value,
        domain=domain,
        uri=uri,
        nonce=secrets.token_hex(16),
        issued_at=now,
        expires_at=expires,
    )
    claimed = (
        type(identifier)
        .objects.filter(pk=identifier.pk)
        .exclude(verification_status=VerificationStatus.VERIFIED)
        .update(
            verification_status=VerificationStatus.UNVERIFIED,
            verification_strategy=strategy,
            verification_attempts=0,
            verification_expire_at=expires,
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


def attempt(identifier: Identification, signature: Any, *, request: Any = None) -> Identification:
    """Check ``signature`` over the prepared message; verified when it recovers the wallet
    and the message was issued for this site (``request``'s host) and has not expired."""
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
    if intact and request is not None and siwe_fields(message)["domain"] != request.get_host():
        intact = False  # a message issued for another domain
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
