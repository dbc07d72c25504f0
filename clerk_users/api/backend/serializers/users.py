"""Request bodies of the Backend API's user operations, as Clerk's SDK sends them.

They check types and report Clerk's 422 with ``meta.param_name`` (through the shared
exception handler); the rules themselves (uniqueness, password policy, metadata limits) stay
in the domain modules. drf-spectacular reads them for the OpenAPI schema.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clerk_users import errors

# JSON types each field accepts: DRF would coerce 1 into True or "5" into 5, which would let
# values that violate the documented schema through.
_JSON_TYPES: list[tuple[type, tuple[type, ...]]] = [
    (serializers.BooleanField, (bool,)),
    (serializers.IntegerField, (int,)),
    (serializers.ListField, (list,)),
    (serializers.DictField, (dict,)),
    (serializers.CharField, (str,)),
    (serializers.DateTimeField, (str,)),
    (serializers.ChoiceField, (str,)),
]


class StrictSerializer(serializers.Serializer):
    """Refuses parameters it does not declare with Clerk's ``form_param_unknown`` and, for
    JSON bodies, values of the wrong JSON type with ``form_param_format_invalid``."""

    def to_internal_value(self, data: Any) -> Any:
        if hasattr(data, "keys"):
            for name in data.keys():
                if name not in self.fields:
                    raise errors.param_unknown(name)
            if isinstance(data, dict):
                self._check_json_types(data)
        return super().to_internal_value(data)

    def _check_json_types(self, data: dict[str, Any]) -> None:
        for name, value in data.items():
            field = self.fields[name]
            if value is None:
                continue  # allow_null decides
            for field_class, accepted in _JSON_TYPES:
                if isinstance(field, field_class):
                    wrong = not isinstance(value, accepted) or (
                        isinstance(value, bool) and bool not in accepted
                    )
                    if isinstance(field, serializers.ListField) and not wrong:
                        child = field.child
                        wrong = isinstance(
                            child, serializers.CharField | serializers.ChoiceField
                        ) and any(not isinstance(item, str) for item in value)
                    if wrong:
                        raise errors.format_invalid(name, f"{name} has the wrong type.")
                    break

    def provided(self) -> dict[str, Any]:
        """Validated values of the parameters the caller actually sent."""
        return {k: v for k, v in self.validated_data.items() if k in self.initial_data}


def _str(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    kwargs.setdefault("allow_null", True)
    kwargs.setdefault("allow_blank", True)
    kwargs.setdefault("trim_whitespace", False)
    return serializers.CharField(**kwargs)


def _bool() -> serializers.BooleanField:
    return serializers.BooleanField(required=False, allow_null=True)


def _strings(max_length: int = 100, **kwargs: Any) -> serializers.ListField:
    return serializers.ListField(
        child=serializers.CharField(trim_whitespace=False),
        required=False,
        max_length=max_length,
        **kwargs,
    )


def _metadata() -> serializers.DictField:
    return serializers.DictField(required=False)


IDENTIFICATION_STATUSES = ("verified", "reserved")


class CreateUserBody(StrictSerializer):
    external_id = _str(max_length=255)
    first_name = _str(max_length=150)
    last_name = _str(max_length=150)
    locale = _str(max_length=16)
    email_address = _strings()
    email_address_identification_status = serializers.ListField(
        child=serializers.ChoiceField(choices=IDENTIFICATION_STATUSES), required=False
    )
    phone_number = _strings()
    phone_number_identification_status = serializers.ListField(
        child=serializers.ChoiceField(choices=IDENTIFICATION_STATUSES), required=False
    )
    web3_wallet = _strings()
    username = _str(max_length=64)
    password = _str(max_length=1024)
    password_digest = _str(max_length=1024)
    password_hasher = _str(max_length=64)
    skip_password_checks = _bool()
    skip_password_requirement = _bool()
    totp_secret = _str(max_length=256)
    backup_codes = _strings(max_length=100)
    public_metadata = _metadata()
    private_metadata = _metadata()
    unsafe_metadata = _metadata()
    delete_self_enabled = _bool()
    legal_accepted_at = serializers.DateTimeField(required=False, allow_null=True)
    skip_legal_checks = _bool()
    skip_user_requirement = _bool()
    create_organization_enabled = _bool()
    create_organizations_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=0
    )
    created_at = serializers.DateTimeField(required=False, allow_null=True)
    bypass_client_trust = _bool()
    banned = _bool()
    locked = _bool()


class UpdateUserBody(StrictSerializer):
    external_id = _str(max_length=255)
    first_name = _str(max_length=150)
    last_name = _str(max_length=150)
    locale = _str(max_length=16)
    primary_email_address_id = _str(max_length=64)
    notify_primary_email_address_changed = _bool()
    primary_phone_number_id = _str(max_length=64)
    primary_web3_wallet_id = _str(max_length=64)
    username = _str(max_length=64)
    profile_image_id = _str(max_length=64)
    password = _str(max_length=1024)
    password_digest = _str(max_length=1024)
    password_hasher = _str(max_length=64)
    skip_password_checks = _bool()
    sign_out_of_other_sessions = _bool()
    totp_secret = _str(max_length=256)
    backup_codes = _strings(max_length=100)
    public_metadata = _metadata()
    private_metadata = _metadata()
    unsafe_metadata = _metadata()
    delete_self_enabled = _bool()
    create_organization_enabled = _bool()
    legal_accepted_at = serializers.DateTimeField(required=False, allow_null=True)
    skip_legal_checks = _bool()
    create_organizations_limit = serializers.IntegerField(
        required=False, allow_null=True, min_value=0
    )
    created_at = serializers.DateTimeField(required=False, allow_null=True)
    bypass_client_trust = _bool()


class MetadataBody(StrictSerializer):
    public_metadata = _metadata()
    private_metadata = _metadata()
    unsafe_metadata = _metadata()


class VerifyPasswordBody(StrictSerializer):
    password = serializers.CharField(trim_whitespace=False, max_length=1024)


class UserIdsBody(StrictSerializer):
    user_ids = serializers.ListField(
        child=serializers.CharField(max_length=64), min_length=1, max_length=100
    )


class RemovePasswordBody(StrictSerializer):
    sign_out_of_other_sessions = _bool()


class ReplaceEmailAddressBody(StrictSerializer):
    email_address = serializers.CharField(max_length=320)
    identification_status = serializers.ChoiceField(
        choices=("verified", "reserved", "unverified"), required=False
    )
    notify_primary_email_address_changed = _bool()


class ReplacePhoneNumberBody(StrictSerializer):
    phone_number = serializers.CharField(max_length=64)
    identification_status = serializers.ChoiceField(
        choices=("verified", "reserved", "unverified"), required=False
    )


# -- response shapes that are not resources -------------------------------------------------
class TotalCountSerializer(serializers.Serializer):
    object = serializers.ChoiceField(choices=["total_count"])
    total_count = serializers.IntegerField()


class VerifiedSerializer(serializers.Serializer):
    verified = serializers.BooleanField()
