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
from .user import AbstractClerkUser, ClerkUserManager, ClerkUserQuerySet, User

__all__ = [
    "IDENTIFIER_MODELS",
    "AbstractClerkUser",
    "ClerkUserManager",
    "ClerkUserQuerySet",
    "EmailAddress",
    "ExternalAccount",
    "Identification",
    "Image",
    "PhoneNumber",
    "SecretKey",
    "User",
    "VerificationStatus",
    "Web3Wallet",
]
