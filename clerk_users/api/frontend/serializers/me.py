"""Parameters of ``PATCH /me``, ``PATCH /me/metadata``, ``POST /me/change_password`` and
``POST /me/remove_password``."""

from __future__ import annotations

from rest_framework import serializers

from clerk_users.api.frontend.serializers import RawJSONField, StrictCharField, text


class UpdateMeInput(serializers.Serializer):
    """What ClerkJS's ``user.update()`` may change; anything else is ``form_param_unknown``."""

    username = text(allow_null=True)
    first_name = text(allow_null=True)
    last_name = text(allow_null=True)
    primary_email_address_id = text(allow_null=True)
    primary_phone_number_id = text(allow_null=True)
    primary_web3_wallet_id = text(allow_null=True)
    unsafe_metadata = RawJSONField(required=False)


class MetadataInput(serializers.Serializer):
    """Deep-merged into ``unsafe_metadata``; a ``null`` value deletes its key."""

    unsafe_metadata = RawJSONField()


class ChangePasswordInput(serializers.Serializer):
    current_password = text(help_text="Required when the user already has a password.")
    new_password = StrictCharField(trim_whitespace=False)
    sign_out_of_other_sessions = serializers.BooleanField(required=False, default=False)


class RemovePasswordInput(serializers.Serializer):
    current_password = text(help_text="The user's password.")
