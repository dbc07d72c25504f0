"""The profile image on the admin's user change page: a thumbnail, an upload and a removal.

``ProfileImageAdminMixin`` goes before ``UserAdmin`` in the user admin's bases. The upload is
validated by ``image_validation.process_upload`` while the form is cleaned (a refused file is
shown as a field error and nothing is stored) and stored by ``images.store_image`` after the
user itself is saved, inside the admin's transaction (the file is written once it commits).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.utils.html import format_html

from clerk_users.images import profile as images
from clerk_users.images.validation import ProcessedImage, process_upload

FIELDSET_TITLE = "Profile image"
UPLOAD_FIELD = "profile_image_file"
REMOVE_FIELD = "remove_profile_image"
PREVIEW_FIELD = "profile_image_preview"


class ProfileImageFormMixin(forms.Form):
    profile_image_file = forms.FileField(
        label="Upload a new image",
        required=False,
        help_text="JPEG, PNG, GIF or WebP. It is checked, re-encoded and stripped of metadata.",
    )
    remove_profile_image = forms.BooleanField(label="Remove the uploaded image", required=False)

    def clean_profile_image_file(self) -> ProcessedImage | None:
        upload = self.cleaned_data.get(UPLOAD_FIELD)
        return None if upload is None else process_upload(upload)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or self.cleaned_data
        if data.get(UPLOAD_FIELD) is not None and data.get(REMOVE_FIELD):
            raise forms.ValidationError("Upload a new image or remove the current one, not both.")
        return data


def _with_image_fields(form_class: type) -> type:
    if issubclass(form_class, ProfileImageFormMixin):
        return form_class
    return type(form_class.__name__, (ProfileImageFormMixin, form_class), {})


class ProfileImageAdminMixin:
    """Adds the "Profile image" fieldset to the change page (not the add page)."""

    def get_form(self, request: HttpRequest, obj: Any = None, **kwargs: Any) -> Any:
        if obj is not None:
            base = kwargs.get("form") or self.form  # type: ignore[attr-defined]
            kwargs["form"] = _with_image_fields(base)
        return super().get_form(request, obj, **kwargs)  # type: ignore[misc]

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = list(super().get_fieldsets(request, obj))  # type: ignore[misc]
        if obj is not None and not any(title == FIELDSET_TITLE for title, _ in fieldsets):
            fields = [PREVIEW_FIELD, UPLOAD_FIELD, REMOVE_FIELD]
            fieldsets.insert(min(2, len(fieldsets)), (FIELDSET_TITLE, {"fields": fields}))
        return fieldsets

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        fields = list(super().get_readonly_fields(request, obj))  # type: ignore[misc]
        return fields if PREVIEW_FIELD in fields else [*fields, PREVIEW_FIELD]

    def profile_image_preview(self, obj: Any) -> str:
        if obj is None or obj.pk is None:
            return "-"
        if obj.has_image:
            source = "uploaded image"
        elif images.external_image_url(obj):
            source = "picture of an external account"
        else:
            source = "default avatar"
        return format_html(
            '<img src="{}" alt="" width="96" height="96" '
            'style="border-radius:50%;object-fit:cover"> <span>{}</span>',
            obj.image_url,
            source,
        )

    profile_image_preview.short_description = "Current image"  # type: ignore[attr-defined]

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        if not change or not isinstance(form, ProfileImageFormMixin):
            return
        user = getattr(form, "instance", None)
        processed = form.cleaned_data.get(UPLOAD_FIELD)
        if processed is not None:
            images.store_image(user, processed)
        elif form.cleaned_data.get(REMOVE_FIELD):
            images.remove_profile_image(user)
