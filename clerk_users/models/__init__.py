"""The data model of clerk_users (contract §3); rules live in the plain modules beside it."""

from .external_accounts import ExternalAccount
from .identifiers import (
    IDENTIFIER_MODELS,
    EmailAddress,
    Identification,
    PhoneNumber,
    VerificationStatus,
    Web3Wallet,
)
from .images import Image
from .secret_keys import SecretKey
from .sessions import JWTTemplate, Session, SessionStatus, SigningKey, TOTPEnrollment
from .sign_ins import SignInAttempt, SignInStatus, SignUpAttempt, SignUpStatus
from .user import AbstractClerkUser, ClerkUserManager, ClerkUserQuerySet, User
from .webhooks import MessageStatus, WebhookAttempt, WebhookEndpoint, WebhookMessage

__all__ = [
    "IDENTIFIER_MODELS",
    "AbstractClerkUser",
    "ClerkUserManager",
    "ClerkUserQuerySet",
    "EmailAddress",
    "ExternalAccount",
    "Identification",
    "Image",
    "JWTTemplate",
    "MessageStatus",
    "PhoneNumber",
    "SecretKey",
    "Session",
    "SessionStatus",
    "SignInAttempt",
    "SignInStatus",
    "SignUpAttempt",
    "SignUpStatus",
    "SigningKey",
    "TOTPEnrollment",
    "User",
    "VerificationStatus",
    "Web3Wallet",
    "WebhookAttempt",
    "WebhookEndpoint",
    "WebhookMessage",
]
