"""Admin for Backend API secret keys: create (raw key shown once in a message) and revoke.

Registered from ``ClerkUsersConfig.ready`` so it does not depend on the app's ``admin.py``.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clerk_users import secret_keys
from clerk_users.models import SecretKey


@admin.register(SecretKey)
class SecretKeyAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "visible_prefix",
        "environment",
        "created_at",
        "last_used_at",
        "revoked_at",
    )
    list_filter = ("environment",)
    search_fields = ("name", "visible_prefix")
    readonly_fields = ("id", "visible_prefix", "created_at", "last_used_at", "revoked_at")
    actions = ("revoke_keys",)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "environment"]
        return [
            "id",
            "name",
            "environment",
            "visible_prefix",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return (*self.readonly_fields, "environment")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            obj.save(update_fields=["name"])
            return
        key, raw_key = secret_keys.create_secret_key(obj.name, obj.environment)
        obj.pk = key.pk
        obj.__dict__.update(
            {f.attname: getattr(key, f.attname) for f in SecretKey._meta.concrete_fields}
        )
        obj._state.adding = False
        messages.warning(
            request,
            f"Secret key created. Copy it now, it will not be shown again: {raw_key}",
        )

    @admin.action(description="Revoke selected secret keys")
    def revoke_keys(self, request: HttpRequest, queryset: QuerySet[SecretKey]) -> None:
        count = 0
        for key in queryset.filter(revoked_at__isnull=True):
            secret_keys.revoke(key)
            count += 1
        self.message_user(request, f"Revoked {count} secret key(s).", messages.SUCCESS)
