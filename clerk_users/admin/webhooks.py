"""Admin of webhooks: endpoints (create, enable/disable, rotate the secret, show it on
request), messages with their attempts (status, answer excerpt, duration) and "send again".

Every change goes through ``clerk_users.webhooks.endpoints`` / ``delivery`` (the rules the
command and the Python API use).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.html import format_html

from clerk_users.admin import reauthentication
from clerk_users.models import WebhookAttempt, WebhookEndpoint, WebhookMessage
from clerk_users.webhooks import delivery, endpoints, events

# Per request (thread-safe, unlike an attribute of the shared ModelAdmin): show the secret?
_show_secret: ContextVar[bool] = ContextVar("clerk_users_show_webhook_secret", default=False)


class WebhookEndpointForm(forms.ModelForm):
    event_types = forms.MultipleChoiceField(
        choices=[(name, name) for name in events.EVENT_TYPES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="None checked: every event.",
    )

    url = forms.URLField(max_length=2000, assume_scheme="https")

    class Meta:
        model = WebhookEndpoint
        fields = ("url", "description", "event_types", "enabled")

    def clean_url(self) -> str:
        request = getattr(self, "request", None)
        site_host = request.get_host() if request is not None else None
        return endpoints.validate_url(self.cleaned_data.get("url"), site_host=site_host)

    def clean_event_types(self) -> list[str]:
        return endpoints.validate_event_types(list(self.cleaned_data.get("event_types") or []))


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    form = WebhookEndpointForm
    list_display = ("url", "events", "enabled", "failing_since", "created_at")
    list_filter = ("enabled",)
    search_fields = ("url", "description", "id")
    actions = ("disable_endpoints", "enable_endpoints", "rotate_secrets")

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kw: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kw)
        form.request = request  # type: ignore[attr-defined]
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["url", "description", "event_types", "enabled"]
        return [
            "id",
            "url",
            "description",
            "event_types",
            "enabled",
            "disabled_reason",
            "signing_secret",
            "failing_since",
            "created_at",
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ()
        return ("id", "disabled_reason", "signing_secret", "failing_since", "created_at")

    @admin.display(description="events")
    def events(self, obj: WebhookEndpoint) -> str:
        return ", ".join(obj.event_types) or "all"

    @admin.display(description="signing secret")
    def signing_secret(self, obj: WebhookEndpoint) -> str:
        if _show_secret.get():
            return format_html("<code>{}</code>", obj.secret)
        return format_html('{} <a href="?show_secret=1">Show</a>', "whsec_••••••••")

    def change_view(self, request: HttpRequest, object_id: str, *args: Any, **kw: Any) -> Any:
        show = request.method == "GET" and request.GET.get("show_secret") == "1"
        if show:  # revealing the secret: a stale session reauthenticates first
            redirect = reauthentication.reauthenticate_redirect(request)
            if redirect is not None:
                return redirect
        token = _show_secret.set(show and self.has_change_permission(request))
        try:
            response = super().change_view(request, object_id, *args, **kw)
            if hasattr(response, "render"):
                response.render()  # while the flag is set (templates render lazily)
            return response
        finally:
            _show_secret.reset(token)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if change:
            super().save_model(request, obj, form, change)
            return
        created = endpoints.create_endpoint(
            form.cleaned_data["url"],
            event_types=form.cleaned_data["event_types"],
            description=form.cleaned_data.get("description", ""),
            site_host=request.get_host(),
        )
        if not form.cleaned_data.get("enabled", True):
            endpoints.set_enabled(created, False, reason="disabled when created")
        obj.__dict__.update(
            {f.attname: getattr(created, f.attname) for f in WebhookEndpoint._meta.concrete_fields}
        )
        obj._state.adding = False
        messages.success(request, f"Signing secret of {created.url}: {created.secret}")

    @admin.action(description="Disable the selected endpoints")
    def disable_endpoints(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            endpoints.set_enabled(endpoint, False, reason=f"disabled by {request.user}")
        messages.success(request, f"Disabled {queryset.count()} endpoint(s).")

    @admin.action(description="Enable the selected endpoints")
    def enable_endpoints(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            endpoints.set_enabled(endpoint, True)
        messages.success(request, f"Enabled {queryset.count()} endpoint(s).")

    @admin.action(description="Rotate the signing secret (the old one signs for 24 h more)")
    def rotate_secrets(self, request: HttpRequest, queryset: QuerySet) -> None:
        for endpoint in queryset:
            secret = endpoints.rotate_secret(endpoint)
            messages.success(request, f"New signing secret of {endpoint.url}: {secret}")


class WebhookAttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fk_name = "message"
    extra = 0
    can_delete = False
    fields = ("created_at", "succeeded", "status_code", "error", "duration_ms", "response_excerpt")
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(WebhookMessage)
class WebhookMessageAdmin(admin.ModelAdmin):
    list_display = (
        "id",
        "event_type",
        "endpoint",
        "user_key",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
    )
    list_filter = ("status", "event_type")
    search_fields = ("id", "user_key", "event_type")
    list_select_related = ("endpoint",)
    inlines = (WebhookAttemptInline,)
    actions = ("send_again",)
    fields = (
        "id",
        "endpoint",
        "event_type",
        "user_key",
        "status",
        "attempt_count",
        "next_attempt_at",
        "created_at",
        "delivered_at",
        "body",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # the outbox is written by the rules only

    def has_send_permission(self, request: HttpRequest) -> bool:
        return bool(request.user.has_perm("clerk_users.change_webhookmessage"))

    @admin.action(description="Send again (same message id, due now)", permissions=["send"])
    def send_again(self, request: HttpRequest, queryset: QuerySet) -> None:
        for message in queryset:
            delivery.send_again(message)
        messages.success(request, f"{queryset.count()} message(s) queued again.")


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(admin.ModelAdmin):
    list_display = ("message", "succeeded", "status_code", "error", "duration_ms", "created_at")
    list_filter = ("succeeded",)
    search_fields = ("message__id",)
    list_select_related = ("message",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
