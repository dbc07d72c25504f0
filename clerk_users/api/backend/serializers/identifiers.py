"""Request bodies of ``/email_addresses`` and ``/phone_numbers`` and the verification reply."""

from __future__ import annotations

from rest_framework import serializers

from .users import StrictSerializer, _bool


class CreateEmailAddressBody(StrictSerializer):
    user_id = serializers.CharField(max_length=64)
    email_address = serializers.CharField(max_length=320, trim_whitespace=False)
    verified = _bool()
    primary = _bool()
    notify_primary_email_address_changed = _bool()


class UpdateEmailAddressBody(StrictSerializer):
    verified = _bool()
    primary = _bool()
    notify_primary_email_address_changed = _bool()


class CreatePhoneNumberBody(StrictSerializer):
    user_id = serializers.CharField(max_length=64)
    phone_number = serializers.CharField(max_length=64, trim_whitespace=False)
    verified = _bool()
    primary = _bool()
    reserved_for_second_factor = _bool()


class UpdatePhoneNumberBody(StrictSerializer):
    verified = _bool()
    primary = _bool()
    reserved_for_second_factor = _bool()


class PrepareVerificationBody(StrictSerializer):
    strategy = serializers.CharField(max_length=64, required=False)


class AttemptVerificationBody(StrictSerializer):
    verification_id = serializers.CharField(max_length=64)
    code = serializers.CharField(max_length=64)


class VerificationResponseSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    status = serializers.CharField()
    strategy = serializers.CharField()
    attempts = serializers.IntegerField(allow_null=True)
    expire_at = serializers.IntegerField(allow_null=True)
    channel = serializers.CharField(allow_null=True)
