"""Helpers that drive the admin's change page like a browser would."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.utils import quote
from django.urls import reverse


def change_url(user: Any) -> str:
    return reverse("admin:clerk_users_user_change", args=[quote(user.pk)])


def change_data(client: Any, user: Any, **overrides: Any) -> dict[str, Any]:
    """The POST body the change page would send unchanged, from its own rendered form."""
    response = client.get(change_url(user))
    assert response.status_code == 200
    data: dict[str, Any] = {}
    form = response.context["adminform"].form
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = form.initial.get(name, field.initial)
        widget_value = (
            field.widget.format_value(value) if hasattr(field.widget, "format_value") else value
        )
        if name in ("groups", "user_permissions"):
            data[name] = [g.pk for g in value] if value else []
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is None:
            data[name] = ""
        elif hasattr(value, "pk"):
            data[name] = value.pk
        else:
            data[name] = widget_value if widget_value is not None else ""
    for formset in response.context["inline_admin_formsets"]:
        fs = formset.formset
        prefix = fs.prefix
        data[f"{prefix}-TOTAL_FORMS"] = len(fs.forms)
        data[f"{prefix}-INITIAL_FORMS"] = fs.initial_form_count()
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for i, inline_form in enumerate(fs.forms):
            data[f"{prefix}-{i}-id"] = inline_form.instance.pk
            data[f"{prefix}-{i}-user"] = user.pk
            if inline_form.instance.is_verified:
                data[f"{prefix}-{i}-verified"] = "on"
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def add_inline(data: dict[str, Any], prefix: str, value: str, verified: bool = False) -> None:
    index = int(data[f"{prefix}-TOTAL_FORMS"])
    data[f"{prefix}-TOTAL_FORMS"] = index + 1
    kind = {
        "email_addresses": "email_address",
        "phone_numbers": "phone_number",
        "web3_wallets": "web3_wallet",
    }[prefix]
    data[f"{prefix}-{index}-{kind}"] = value
    if verified:
        data[f"{prefix}-{index}-verified"] = "on"


def form_errors(response: Any) -> str:
    text = str(response.context["adminform"].form.errors)
    for formset in response.context["inline_admin_formsets"]:
        text += str(formset.formset.errors) + str(formset.formset.non_form_errors())
    return text
