"""Clerk's resource shapes, shared by both APIs.

Each resource has a plain function that builds its JSON from model rows (fast: the list
endpoints call it for hundreds of users) and a DRF serializer declaring the same fields, which
drf-spectacular turns into the OpenAPI schema; the serializer's ``to_representation`` calls the
function, so the schema and the wire cannot drift apart unnoticed (schemathesis checks).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rest_framework import serializers

from clerk_users import identifiers as identifier_rules
from clerk_users.models import ExternalAccount, Identification
from clerk_users.models.loading import related


def ms(value: datetime | None) -> int | None:
    """Unix milliseconds, Clerk's timestamp format."""
    return None if value is None else int(value.timestamp() * 1000)


def verification_json(identifier: Identification) -> dict[str, Any] | None:
    strategy = identifier.verification_strategy
    if not strategy:
        return None
    data: dict[str, Any] = {
        "object": identifier.verification_object,
        "status": identifier.verification_status,
        "strategy": strategy,
        "attempts": identifier.verification_attempts,
        "expire_at": ms(identifier.verification_expire_at),
    }
    if identifier.kind == "web3_wallet" and identifier.verification_message:
        data["message"] = identifier.verification_message
        from clerk_users.web3 import siwe_fields

        data["nonce"] = siwe_fields(identifier.verification_message).get("Nonce")
    return data


def _identifier_common(identifier: Identification) -> dict[str, Any]:
    return {
        "id": identifier.pk,
        "reserved": identifier.reserved,
        "verification": verification_json(identifier),
        "linked_to": identifier_rules.linked_to(identifier),
        "created_at": ms(identifier.created_at),
        "updated_at": ms(identifier.updated_at),
    }


def email_address_json(email: Any) -> dict[str, Any]:
    data = {"object": "email_address", "email_address": email.email_address}
    data.update(_identifier_common(email))
    data["matches_sso_connection"] = email.matches_sso_connection
    return data


def phone_number_json(phone: Any) -> dict[str, Any]:
    data = {
        "object": "phone_number",
        "phone_number": phone.phone_number,
        "reserved_for_second_factor": phone.reserved_for_second_factor,
        "default_second_factor": phone.default_second_factor,
        "backup_codes": None,
    }
    data.update(_identifier_common(phone))
    return data


def web3_wallet_json(wallet: Any) -> dict[str, Any]:
    data = {"object": "web3_wallet", "web3_wallet": wallet.web3_wallet}
    data.update(_identifier_common(wallet))
    data.pop("reserved")
    data.pop("linked_to")
    return data


def external_account_json(account: ExternalAccount) -> dict[str, Any]:
    from clerk_users.oauth import external_accounts as rules

    return rules.to_json(account)


def user_json(user: Any, *, backend: bool = True) -> dict[str, Any]:
    """Clerk's user object; ``backend=False`` is the Frontend shape (no private metadata or
    backend-only flags)."""
    from clerk_users.images import profile as images

    image_url = images.image_url(user)
    data: dict[str, Any] = {
        "object": "user",
        "id": user.pk,
        "external_id": user.external_id,
        "primary_email_address_id": user.primary_email_address_id,
        "primary_phone_number_id": user.primary_phone_number_id,
        "primary_web3_wallet_id": user.primary_web3_wallet_id,
        "username": user.username,
        "first_name": user.first_name or None,
        "last_name": user.last_name or None,
        "image_url": image_url,
        "has_image": images.has_image(user),
        "email_addresses": [email_address_json(e) for e in related(user, "email_addresses")],
        "phone_numbers": [phone_number_json(p) for p in related(user, "phone_numbers")],
        "web3_wallets": [web3_wallet_json(w) for w in related(user, "web3_wallets")],
        "passkeys": [],
        "external_accounts": [external_account_json(a) for a in related(user, "external_accounts")],
        "enterprise_accounts": [],
        "password_enabled": user.password_enabled,
        "two_factor_enabled": user.two_factor_enabled(),
        "totp_enabled": user.totp_enabled,
        "backup_code_enabled": user.backup_code_enabled,
        "public_metadata": user.public_metadata,
        "unsafe_metadata": user.unsafe_metadata,
        "last_sign_in_at": ms(user.last_login),
        "delete_self_enabled": user.delete_self_enabled,
        "create_organization_enabled": user.create_organization_enabled,
        "legal_accepted_at": ms(user.legal_accepted_at),
        "created_at": ms(user.created_at),
        "updated_at": ms(user.updated_at),
    }
    if backend:
        data.update(
            {
                "locale": user.locale,
                "profile_image_url": image_url,
                "mfa_enabled_at": ms(user.mfa_enabled_at),
                "mfa_disabled_at": ms(user.mfa_disabled_at),
                "saml_accounts": [],
                "private_metadata": user.private_metadata,
                "banned": user.banned,
                "locked": user.locked,
                "lockout_expires_in_seconds": user.lockout_expires_in_seconds,
                "verification_attempts_remaining": user.verification_attempts_remaining,
                "last_active_at": ms(user.last_active_at),
                "password_last_updated_at": ms(user.password_last_updated_at),
            }
        )
    else:
        data.update(
            {
                "profile_image_id": images.profile_image_id(user),
                "organization_memberships": [],
                "create_organizations_limit": None,
            }
        )
    return data


# -- schema serializers ----------------------------------------------------------------------
class VerificationSerializer(serializers.Serializer):
    object = serializers.CharField()
    status = serializers.ChoiceField(
        choices=["unverified", "verified", "failed", "expired", "transferable"]
    )
    strategy = serializers.CharField()
    attempts = serializers.IntegerField(allow_null=True)
    expire_at = serializers.IntegerField(allow_null=True)


class LinkedToSerializer(serializers.Serializer):
    type = serializers.CharField()
    id = serializers.CharField()


class _IdentifierSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    reserved = serializers.BooleanField()
    verification = VerificationSerializer(allow_null=True)
    linked_to = LinkedToSerializer(many=True)
    created_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()


class EmailAddressSerializer(_IdentifierSerializer):
    email_address = serializers.CharField()
    matches_sso_connection = serializers.BooleanField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return email_address_json(instance)


class PhoneNumberSerializer(_IdentifierSerializer):
    phone_number = serializers.CharField()
    reserved_for_second_factor = serializers.BooleanField()
    default_second_factor = serializers.BooleanField()
    backup_codes = serializers.ListField(child=serializers.CharField(), allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return phone_number_json(instance)


class Web3WalletSerializer(serializers.Serializer):
    id = serializers.CharField()
    object = serializers.CharField()
    web3_wallet = serializers.CharField()
    verification = VerificationSerializer(allow_null=True)
    created_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return web3_wallet_json(instance)


class OAuthVerificationSerializer(VerificationSerializer):
    error = serializers.DictField(allow_null=True, required=False)
    external_verification_redirect_url = serializers.CharField(allow_null=True)


class ExternalAccountSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    provider = serializers.CharField()
    identification_id = serializers.CharField()
    provider_user_id = serializers.CharField()
    approved_scopes = serializers.CharField()
    email_address = serializers.CharField()
    email_address_verified = serializers.BooleanField(allow_null=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    avatar_url = serializers.CharField()
    image_url = serializers.CharField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    phone_number = serializers.CharField(allow_null=True)
    public_metadata = serializers.DictField()
    label = serializers.CharField(allow_null=True)  # type: ignore[assignment]
    verification = OAuthVerificationSerializer(allow_null=True)
    created_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return external_account_json(instance)


class _UserCommonSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    external_id = serializers.CharField(allow_null=True)
    primary_email_address_id = serializers.CharField(allow_null=True)
    primary_phone_number_id = serializers.CharField(allow_null=True)
    primary_web3_wallet_id = serializers.CharField(allow_null=True)
    username = serializers.CharField(allow_null=True)
    first_name = serializers.CharField(allow_null=True)
    last_name = serializers.CharField(allow_null=True)
    image_url = serializers.CharField()
    has_image = serializers.BooleanField()
    email_addresses = EmailAddressSerializer(many=True)
    phone_numbers = PhoneNumberSerializer(many=True)
    web3_wallets = Web3WalletSerializer(many=True)
    passkeys = serializers.ListField(child=serializers.DictField())
    external_accounts = ExternalAccountSerializer(many=True)
    enterprise_accounts = serializers.ListField(child=serializers.DictField())
    password_enabled = serializers.BooleanField()
    two_factor_enabled = serializers.BooleanField()
    totp_enabled = serializers.BooleanField()
    backup_code_enabled = serializers.BooleanField()
    public_metadata = serializers.DictField()
    unsafe_metadata = serializers.DictField()
    last_sign_in_at = serializers.IntegerField(allow_null=True)
    delete_self_enabled = serializers.BooleanField()
    create_organization_enabled = serializers.BooleanField()
    legal_accepted_at = serializers.IntegerField(allow_null=True)
    created_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()


class BackendUserSerializer(_UserCommonSerializer):
    locale = serializers.CharField(allow_null=True)
    profile_image_url = serializers.CharField()
    mfa_enabled_at = serializers.IntegerField(allow_null=True)
    mfa_disabled_at = serializers.IntegerField(allow_null=True)
    saml_accounts = serializers.ListField(child=serializers.DictField())
    private_metadata = serializers.DictField()
    banned = serializers.BooleanField()
    locked = serializers.BooleanField()
    lockout_expires_in_seconds = serializers.IntegerField(allow_null=True)
    verification_attempts_remaining = serializers.IntegerField(allow_null=True)
    last_active_at = serializers.IntegerField(allow_null=True)
    password_last_updated_at = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return user_json(instance, backend=True)


class FrontendUserSerializer(_UserCommonSerializer):
    profile_image_id = serializers.CharField(allow_null=True)
    organization_memberships = serializers.ListField(child=serializers.DictField())
    create_organizations_limit = serializers.IntegerField(allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return user_json(instance, backend=False)


class DeletedObjectSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    deleted = serializers.BooleanField()


def deleted_json(kind: str, object_id: str) -> dict[str, Any]:
    return {"object": kind, "id": object_id, "deleted": True}
