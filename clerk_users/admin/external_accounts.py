"""Admin for external accounts: browse, search and delete (through the rules, which also
remove allauth's ``SocialAccount`` and tokens). Accounts are created by OAuth flows only.

Registered from ``ClerkUsersConfig.ready`` so it does not depend on the app's ``admin.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from clerk_users.models import ExternalAccount
from clerk_users.oauth import external_accounts


@admin.register(ExternalAccount)
class ExternalAccountAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "provider",
        "provider_user_id",
        "email_address",
        "verification_status",
        "created_at",
    )
    list_filter = ("provider", "verification_status")
    search_fields = ("id", "provider_user_id", "email_address", "username", "user__username")
    list_select_related = ("user",)
    fields = (
        "id",
        "identification_id",
        "user",
        "provider",
        "provider_user_id",
        "social_account",
        "email_address",
        "email_address_verified",
        "first_name",
        "last_name",
        "username",
        "image_url",
        "approved_scopes",
        "verification_status",
        "verification_error",
        "verification_expire_at",
        "created_at",
        "updated_at",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def delete_model(self, request: HttpRequest, obj: ExternalAccount) -> None:
        external_accounts.delete_external_account(obj, keep_sign_in=False)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet[ExternalAccount]) -> None:
        for account in queryset.select_related("user", "social_account"):
            external_accounts.delete_external_account(account, keep_sign_in=False)
