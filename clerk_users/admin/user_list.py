"""The user list (changelist) columns, sized to fit a 1280 px wide screen with the admin's
navigation and filter sidebars open (about 630 px for the table): who the user is (name,
username and a shortened id in one column), the primary email, status badges and two dates,
each on at most two short lines. ``clerk_users/admin/users.css`` styles them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.utils import timezone
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe


def _date(value: Any) -> SafeString | str:
    if value is None:
        return "-"
    local = timezone.localtime(value)
    return format_html(
        '{}<span class="cu-sub">{}</span>', local.strftime("%Y-%m-%d"), local.strftime("%H:%M")
    )


class UserListMixin:
    list_display: tuple[str, ...] = (
        "user_column",
        "primary_email",
        "status",
        "created",
        "last_sign_in",
    )
    list_display_links: tuple[str, ...] = ("user_column",)

    class Media:
        css = {"all": ["clerk_users/admin/users.css"]}

    @admin.display(description="user", ordering="username")
    def user_column(self, obj: Any) -> SafeString:
        """The name (else the username, else the id), the username, then the id (shortened
        on screen, whole in its tooltip; search by the whole id finds the user)."""
        title = obj.full_name or obj.username or obj.id
        sub = f"@{obj.username}" if obj.username and obj.username != title else ""
        return format_html(
            '<strong>{}</strong>{}<span class="cu-id" title="{}">{}</span>',
            title,
            format_html('<span class="cu-sub">{}</span>', sub) if sub else "",
            obj.id,
            obj.id,
        )

    @admin.display(description="primary email", ordering="primary_email_address_sort_key")
    def primary_email(self, obj: Any) -> SafeString | str:
        """May wrap before the ``@`` and at dots, never inside a word."""
        email = obj.primary_email_address
        if email is None:
            return "-"
        local, _, domain = email.email_address.rpartition("@")
        # The parts are escaped, then joined with constant markup.
        local_html = ".<wbr>".join(map(escape, local.split(".")))
        domain_html = ".<wbr>".join(map(escape, domain.split(".")))
        return mark_safe(f"{local_html}<wbr>@{domain_html}")

    @admin.display(description="status")
    def status(self, obj: Any) -> SafeString:
        badges = []
        if obj.banned:
            badges.append(("cu-badge cu-badge--danger", "banned"))
        if obj.locked:
            badges.append(("cu-badge cu-badge--warning", "locked"))
        if obj.is_superuser:
            badges.append(("cu-badge", "superuser"))
        elif obj.is_staff:
            badges.append(("cu-badge", "staff"))
        if not badges:
            badges.append(("cu-badge cu-badge--quiet", "active"))
        return format_html_join("", '<span class="{}">{}</span>', badges)

    @admin.display(description="created", ordering="created_at")
    def created(self, obj: Any) -> SafeString | str:
        return _date(obj.created_at)

    @admin.display(description="last sign-in", ordering="last_login")
    def last_sign_in(self, obj: Any) -> SafeString | str:
        return _date(obj.last_login)
