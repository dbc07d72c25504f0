"""Admin for sessions (with a revoke action), signing keys (public parts only) and JWT
templates. Registered from ``ClerkUsersConfig.ready``; every change goes through the domain
modules (``sessions``, ``jwt_templates``) so the admin follows the same rules as the APIs."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from clerk_users.errors import ClerkError
from clerk_users.models import JWTTemplate, Session, SigningKey
from clerk_users.sessions import jwt_templates
from clerk_users.sessions import lifecycle as sessions


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "user",
        "status",
        "browser_name",
        "device_type",
        "ip_address",
        "last_active_at",
        "created_at",
    )
    list_filter = ("status", "is_mobile")
    search_fields = ("id", "user__id", "user__username", "ip_address")
    list_select_related = ("user",)
    actions = ("revoke_sessions",)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [f.name for f in Session._meta.fields]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    @admin.action(description="Revoke selected sessions (signs them out at once)")
    def revoke_sessions(self, request: HttpRequest, queryset: QuerySet[Session]) -> None:
        count = sessions._revoke_many(queryset)
        self.message_user(request, f"{count} session(s) revoked.", messages.SUCCESS)


@admin.register(SigningKey)
class SigningKeyAdmin(admin.ModelAdmin):
    list_display = ("kid", "algorithm", "created_at", "retired_at")
    fields = ("kid", "algorithm", "public_jwk", "created_at", "retired_at")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class JWTTemplateForm(forms.ModelForm):
    class Meta:
        model = JWTTemplate
        fields = jwt_templates.FIELDS
        widgets = {"signing_key": forms.PasswordInput(render_value=False)}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        payload = {k: v for k, v in data.items() if k in self.Meta.fields}
        if not payload.get("signing_key"):
            payload.pop("signing_key", None)
        try:
            self._clean_values = jwt_templates._validate(
                payload, partial=False, instance=self.instance if self.instance.pk else None
            )
        except ClerkError as exc:
            raise forms.ValidationError(exc.long_message) from None
        return data

    def save(self, commit: bool = True) -> Any:
        instance = super().save(commit=False)
        for field, value in self._clean_values.items():
            setattr(instance, field, value)
        if commit:
            instance.save()
        return instance


@admin.register(JWTTemplate)
class JWTTemplateAdmin(admin.ModelAdmin):
    form = JWTTemplateForm
    list_display = ("name", "id", "lifetime", "custom_signing_key", "updated_at")
    search_fields = ("name", "id")
