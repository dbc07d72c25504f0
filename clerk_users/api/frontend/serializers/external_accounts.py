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
    oidc_prompt = RawJSONField(required=False, help_text="OIDC prompt, e.g. select_account.")
    oidc_login_hint = RawJSONField(required=False, help_text="OIDC login_hint.")


class ReauthorizeExternalAccountInput(serializers.Serializer):
    redirect_url = serializers.CharField()
    additional_scope = RawJSONField(required=False)
    oidc_prompt = RawJSONField(required=False)
    oidc_login_hint = RawJSONField(required=False)
