"""The Django admin for Clerk users, built on ``django.contrib.auth.admin.UserAdmin``.

Everything that has a rule goes through the domain modules: users are created with
``users.create_user``, identifiers through the inlines of ``admin.identifiers`` (which call
``identifiers``), primaries with ``identifiers.set_primary`` (under the user's row lock),
metadata is checked by ``metadata.validate``, ban/unban by ``users`` and lock/unlock by
``passwords``. Other features extend the page by editing ``ClerkUserAdmin.fieldsets`` or
``readonly_fields`` (e.g. a profile image thumbnail).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from clerk_users import identifiers, metadata, passwords, users
from clerk_users.admin import reauthentication
from clerk_users.admin.identifiers import EmailAddressInline, PhoneNumberInline, Web3WalletInline
from clerk_users.admin.images import ProfileImageAdminMixin
from clerk_users.admin.user_list import UserListMixin
from clerk_users.errors import ClerkError
from clerk_users.models import IDENTIFIER_MODELS, EmailAddress, PhoneNumber, VerificationStatus

User = get_user_model()


# -- forms -----------------------------------------------------------------------------------
class ClerkUserCreationForm(AdminUserCreationForm):
    """Add page: a username and/or a first email address or phone number (created verified
    with strategy ``admin``), and a password (or none)."""

    email_address = forms.CharField(required=False, max_length=320)
    phone_number = forms.CharField(required=False, max_length=64)

    class Meta:
        model = User
        fields = ("username",)

    def clean_username(self) -> Any:
        username = users.normalize_username(super().clean_username())
        if username and User.objects.filter(username__iexact=username).exists():
            raise ValidationError("That username is taken.", code="form_identifier_exists")
        return username

    def _clean_identifier(self, kind: str) -> str | None:
        value = self.cleaned_data.get(kind)
        if not value:
            return None
        normalized = identifiers.NORMALIZERS[kind](value, kind)
        if identifiers.is_claimed(kind, normalized):
            raise ValidationError(
                f"That {identifiers.WHAT[kind]} is taken.", code="form_identifier_exists"
            )
        return normalized

    def clean_email_address(self) -> str | None:
        return self._clean_identifier("email_address")

    def clean_phone_number(self) -> str | None:
        return self._clean_identifier("phone_number")

    def clean(self) -> dict[str, Any]:
        super().clean()
        data = self.cleaned_data
        if not any(data.get(k) for k in ("username", "email_address", "phone_number")) and not (
            self.errors
        ):
            raise ValidationError(
                "Give at least a username, an email address or a phone number.",
                code="form_param_missing",
            )
        return data


class ClerkUserChangeForm(UserChangeForm):
    """Change page: metadata must be JSON objects within the size limit; each primary can
    only be one of the user's own verified identifiers."""

    class Meta:
        model = User
        fields = "__all__"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, field in identifiers.PRIMARY_FIELD.items():
            if field in self.fields:
                choices = IDENTIFIER_MODELS[kind].objects.filter(
                    user_id=self.instance.pk, verification_status=VerificationStatus.VERIFIED
                )
                choice_field: Any = self.fields[field]
                choice_field.queryset = choices
                choice_field.required = False
                choice_field.help_text = (
                    "One of this user's verified identifiers. It is cleared only by deleting "
                    "the last identifier of its kind."
                )
        for name in metadata.FIELDS:
            if name in self.fields:
                self.fields[name].required = False

    def _clean_metadata(self, name: str) -> dict[str, Any]:
        value = self.cleaned_data.get(name)
        return metadata.validate({} if value in (None, "") else value, name)

    def clean_public_metadata(self) -> dict[str, Any]:
        return self._clean_metadata("public_metadata")

    def clean_private_metadata(self) -> dict[str, Any]:
        return self._clean_metadata("private_metadata")

    def clean_unsafe_metadata(self) -> dict[str, Any]:
        return self._clean_metadata("unsafe_metadata")

    def clean_username(self) -> str | None:
        username = users.normalize_username(self.cleaned_data.get("username"))
        taken = User.objects.filter(username__iexact=username).exclude(pk=self.instance.pk)
        if username and taken.exists():
            raise ValidationError("That username is taken.", code="form_identifier_exists")
        return username


# -- list filters ----------------------------------------------------------------------------
class _YesNoFilter(admin.SimpleListFilter):
    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [("yes", "Yes"), ("no", "No")]

    def condition(self) -> Q:
        raise NotImplementedError

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "yes":
            return queryset.filter(self.condition())
        if self.value() == "no":
            return queryset.exclude(self.condition())
        return queryset


class BannedFilter(_YesNoFilter):
    title = "banned"
    parameter_name = "banned"

    def condition(self) -> Q:
        return Q(banned=True)


class LockedFilter(_YesNoFilter):
    title = "locked"
    parameter_name = "locked"

    def condition(self) -> Q:
        return Q(locked_at__isnull=False) & (
            Q(lockout_expires_at__isnull=True) | Q(lockout_expires_at__gt=timezone.now())
        )


class VerifiedFilter(_YesNoFilter):
    """Users with at least one verified email address or phone number."""

    title = "verified"
    parameter_name = "verified"

    def condition(self) -> Q:
        verified = VerificationStatus.VERIFIED
        return Q(
            Exists(EmailAddress.objects.filter(user=OuterRef("pk"), verification_status=verified))
        ) | Q(Exists(PhoneNumber.objects.filter(user=OuterRef("pk"), verification_status=verified)))


# -- the admin -------------------------------------------------------------------------------
@admin.register(User)
class ClerkUserAdmin(UserListMixin, ProfileImageAdminMixin, DjangoUserAdmin):  # type: ignore[misc]
    form = ClerkUserChangeForm
    add_form = ClerkUserCreationForm
    inlines = [EmailAddressInline, PhoneNumberInline, Web3WalletInline]
    list_select_related = ("primary_email_address",)
    list_filter = (BannedFilter, LockedFilter, VerifiedFilter, "is_staff", "is_superuser")
    search_fields = (
        "=id",
        "username",
        "first_name",
        "last_name",
        "external_id",
        "email_addresses__email_address",
        "phone_numbers__phone_number",
        "web3_wallets__web3_wallet",
    )
    ordering = ("-created_at", "-id")
    actions = ["ban_users", "unban_users", "lock_users", "unlock_users"]
    readonly_fields = (
        "id",
        "banned",
        "is_locked",
        "locked_at",
        "lockout_expires_at",
        "failed_verification_attempts",
        "two_factor",
        "last_login",
        "last_active_at",
        "password_last_updated_at",
        "mfa_enabled_at",
        "mfa_disabled_at",
        "created_at",
        "updated_at",
    )
    fieldsets = [
        (None, {"fields": ["id", "username", "password"]}),
        ("Profile", {"fields": ["first_name", "last_name", "external_id", "locale"]}),
        (
            "Primary identifiers",
            {"fields": ["primary_email_address", "primary_phone_number", "primary_web3_wallet"]},
        ),
        ("Metadata", {"fields": ["public_metadata", "private_metadata", "unsafe_metadata"]}),
        (
            "Status",
            {
                "fields": [
                    "banned",
                    "is_locked",
                    "locked_at",
                    "lockout_expires_at",
                    "failed_verification_attempts",
                    "two_factor",
                ],
                "description": "Use the actions of the user list to ban, unban, lock or unlock.",
            },
        ),
        (
            "Settings",
            {
                "fields": [
                    "delete_self_enabled",
                    "create_organization_enabled",
                    "legal_accepted_at",
                ]
            },
        ),
        (
            "Permissions",
            {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        (
            "Important dates",
            {
                "fields": [
                    "last_login",
                    "last_active_at",
                    "password_last_updated_at",
                    "mfa_enabled_at",
                    "mfa_disabled_at",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": [
                    "username",
                    "email_address",
                    "phone_number",
                    "usable_password",
                    "password1",
                    "password2",
                ],
            },
        ),
    ]

    # -- display ---------------------------------------------------------------------------
    @admin.display(description="name")
    def full_name(self, obj: Any) -> str:
        return obj.full_name

    @admin.display(description="locked", boolean=True)
    def is_locked(self, obj: Any) -> bool:
        return obj.locked

    @admin.display(description="two-factor", boolean=True)
    def two_factor(self, obj: Any) -> bool:
        return obj.two_factor_enabled()

    def get_inlines(self, request: HttpRequest, obj: Any) -> list[Any]:
        return list(self.inlines) if obj is not None else []

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        """Also find a phone number typed in any format (``(415) 555-0123``)."""
        found, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        try:
            e164 = identifiers.normalize_phone(search_term)
        except ClerkError:
            return found, may_have_duplicates
        by_phone = queryset.filter(phone_numbers__phone_number=e164)
        return (found | by_phone).distinct(), False

    # -- saving ----------------------------------------------------------------------------
    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        if not change:
            data = form.cleaned_data
            usable = data.get("set_usable_password", True) and data.get("password1")
            created = users.create_user(
                model=type(obj),
                username=data.get("username"),
                password=data.get("password1") if usable else None,
                email_address=data.get("email_address"),
                phone_number=data.get("phone_number"),
                skip_password_checks=True,  # the form ran the validators already
            )
            obj.__dict__.update(created.__dict__)
            obj._state.adding = False
            return
        wanted = {
            kind: form.cleaned_data.get(field)
            for kind, field in identifiers.PRIMARY_FIELD.items()
            if field in form.changed_data and form.cleaned_data.get(field) is not None
        }
        # The profile image is written by ``clerk_users.admin.images`` through ``images`` only.
        skip = {
            *identifiers.PRIMARY_FIELD.values(),
            *identifiers.PRIMARY_SORT_KEY.values(),  # written with the pointers only
            "profile_image",
        }
        fields = [
            f.name for f in obj._meta.concrete_fields if not f.primary_key and f.name not in skip
        ]
        obj.save(update_fields=fields)
        for identifier in wanted.values():
            identifiers.set_primary(obj, identifier)
        from clerk_users import signals

        signals.user_updated.send(sender=type(obj), user=obj)  # webhooks (admin's transaction)

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> Any:
        """The password form sets a password without the current one: a stale session
        reauthenticates first (``admin.reauthentication``)."""
        return reauthentication.reauthenticate_redirect(request) or super().user_change_password(
            request, id, form_url
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        users.delete_user(obj)

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for user in queryset:
            users.delete_user(user)

    # -- actions ---------------------------------------------------------------------------
    def _apply(self, request: HttpRequest, queryset: QuerySet, func: Any, done: str) -> None:
        count = 0
        for user in queryset:
            func(user)
            count += 1
        self.message_user(request, f"{count} user(s) {done}.", messages.SUCCESS)

    @admin.action(description="Ban selected users (ends their sessions)")
    def ban_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, users.ban, "banned")

    @admin.action(description="Unban selected users")
    def unban_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, users.unban, "unbanned")

    @admin.action(description="Lock selected users")
    def lock_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, passwords.lock, "locked")

    @admin.action(description="Unlock selected users")
    def unlock_users(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._apply(request, queryset, passwords.unlock, "unlocked")
