"""Admin inlines for a user's email addresses, phone numbers and web3 wallets.

The inlines never write rows themselves: creating, verifying, unverifying and deleting go
through ``clerk_users.identifiers``, so normalisation, uniqueness, the primary invariant and
the allauth mirror apply exactly as they do for the APIs. Rule violations that can be seen
before saving (a taken address, deleting or unverifying the primary) are reported as form
errors, so the admin never answers a 500 for bad input.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clerk_users import identifiers
from clerk_users.models import EmailAddress, Identification, PhoneNumber, Web3Wallet


class IdentifierForm(forms.ModelForm):
    """One identifier row: the value (fixed once created) and a ``verified`` checkbox."""

    verified = forms.BooleanField(
        required=False, help_text="Verified by an admin (strategy admin) when checked."
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = self._meta.model.kind
        # New rows already carry a generated id: ``_state.adding`` tells them apart.
        if not self.instance._state.adding:
            self.fields[kind].disabled = True
            self.fields["verified"].initial = self.instance.is_verified

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        kind = self._meta.model.kind
        value = data.get(kind)
        if self.instance._state.adding and value and not data.get("DELETE"):
            try:
                data[kind] = identifiers.NORMALIZERS[kind](value, kind)
            except ValidationError as exc:
                self.add_error(kind, exc)
                return data
            owner = getattr(self.instance, "user_id", None)
            mine = owner and self._meta.model.objects.filter(user_id=owner, **{kind: data[kind]})
            if identifiers.is_claimed(kind, data[kind]) or (mine and mine.exists()):
                self.add_error(
                    kind,
                    ValidationError(
                        f"That {identifiers.WHAT[kind]} is taken.", code="form_identifier_exists"
                    ),
                )
        return data


class IdentifierFormSet(BaseInlineFormSet):
    """Saves through the domain module and checks the primary rules across the whole page.

    The page's main form may name a new primary in the same submit; it is saved before the
    inlines, so the formset reads the chosen primary from the submitted data.
    """

    @staticmethod
    def _deleted(form: forms.Form) -> bool:
        return bool(getattr(form, "cleaned_data", {}).get("DELETE"))

    def _chosen_primary(self) -> str | None:
        field = identifiers.PRIMARY_FIELD[self.model.kind]
        if self.data and field in self.data:
            return self.data.get(field) or None
        return getattr(self.instance, f"{field}_id", None)

    def clean(self) -> None:
        super().clean()
        if any(self.errors):
            return
        primary = self._chosen_primary()
        kind = self.model.kind
        what = identifiers.WHAT[kind]
        new_values = [
            form.cleaned_data.get(kind)
            for form in self.forms
            if form.instance._state.adding and form.has_changed() and not self._deleted(form)
        ]
        if len(new_values) != len(set(new_values)):
            raise ValidationError(f"The same {what} is added twice.", code="form_identifier_exists")
        for form in self.forms:
            instance = form.instance
            adding = instance._state.adding
            if adding and not form.has_changed():
                continue
            if self._deleted(form):
                if not adding and instance.pk == primary:
                    others = [
                        f
                        for f in self.forms
                        if f is not form and not f.instance._state.adding and not self._deleted(f)
                    ]
                    if others:
                        raise ValidationError(
                            f"The primary {what} cannot be deleted while others exist; "
                            "choose another primary first.",
                            code="primary_identification_cannot_be_deleted",
                        )
                continue
            if not adding and instance.pk == primary:
                if not form.cleaned_data.get("verified"):
                    raise ValidationError(
                        f"The primary {what} must stay verified; choose another primary first.",
                        code="primary_identification_cannot_be_unverified",
                    )

    def save_new(self, form: forms.ModelForm, commit: bool = True) -> Identification:
        kind = self.model.kind
        return identifiers.create_identifier(
            self.instance,
            kind,
            form.cleaned_data[kind],
            verified=bool(form.cleaned_data.get("verified")),
            strategy="admin",
        )

    def save_existing(
        self, form: forms.ModelForm, obj: Identification, commit: bool = True
    ) -> Identification:
        fresh = type(obj).objects.get(pk=obj.pk)
        wanted = bool(form.cleaned_data.get("verified"))
        if wanted and not fresh.is_verified:
            return identifiers.verify(fresh, "admin")
        if not wanted and fresh.is_verified:
            return identifiers.unverify(fresh)
        return fresh

    def delete_existing(self, obj: Identification, commit: bool = True) -> None:
        if commit:
            identifiers.delete_identifier(obj)


class IdentifierInline(admin.TabularInline):
    form = IdentifierForm
    formset = IdentifierFormSet
    extra = 0
    show_change_link = False
    readonly_fields = (
        "id",
        "verification_status",
        "verification_strategy",
        "verified_at",
        "created_at",
    )

    def get_fields(self, request: Any, obj: Any = None) -> Any:
        return [self.model.kind, "verified", *self.readonly_fields]


class EmailAddressInline(IdentifierInline):
    model = EmailAddress


class PhoneNumberInline(IdentifierInline):
    model = PhoneNumber


class Web3WalletInline(IdentifierInline):
    model = Web3Wallet
