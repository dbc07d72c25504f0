"""Parameters of the ``/me/external_accounts`` routes."""

from __future__ import annotations

from rest_framework import serializers

from clerk_users.api.frontend.serializers import RawJSONField


class CreateExternalAccountInput(serializers.Serializer):
    strategy = serializers.CharField(help_text="oauth_<provider>, e.g. oauth_github.")
    redirect_url = serializers.CharField(
        help_text="Where the browser returns after the provider; same origin or allowed."
    )
    additional_scope = RawJSONField(
        required=False, help_text="Extra OAuth scopes: a list or a comma separated string."
    )


class ReauthorizeExternalAccountInput(serializers.Serializer):
    redirect_url = serializers.CharField()
    additional_scope = RawJSONField(required=False)
