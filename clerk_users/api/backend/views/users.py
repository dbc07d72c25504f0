"""Backend API: ``/users`` (Clerk's Users operations).

Thin views: parse with the input serializers, call the domain modules (``users``,
``identifiers``, ``metadata``, ``passwords``), answer with ``user_json``. Lists load users with
``with_identifiers()`` plus the relations ``user_json`` reads, in a constant number of queries.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors, identifiers, metadata, passwords, users
from clerk_users.api.backend import paging, user_filters, user_search
from clerk_users.api.backend.base import BackendViewSet
from clerk_users.api.backend.schema import (
    METADATA_FILTER_DESCRIPTION,
    user_filter_parameters,
    with_errors,
)
from clerk_users.api.backend.serializers import users as bodies
from clerk_users.api.base import ClerkJSONParser
from clerk_users.api.serializers import (
    BackendUserSerializer,
    DeletedObjectSerializer,
    deleted_json,
    user_json,
)
from clerk_users.models import loading

# Parameters accepted by POST /users that have no effect here (no client trust, legal
# checks, organizations or per-instance identifier requirements to skip).
ACCEPTED_NO_EFFECT = (
    "skip_password_requirement",
    "skip_legal_checks",
    "skip_user_requirement",
    "bypass_client_trust",
    "create_organizations_limit",
    "notify_primary_email_address_changed",
)


def require_identifier(user: Any) -> None:
    """Clerk's ``POST /users`` needs what the instance requires, unless
    ``skip_user_requirement``: here at least one way to identify the user (an email address,
    phone number, web3 wallet or username; passwords are optional on this instance, so
    ``skip_password_requirement`` changes nothing). Raised inside the creating transaction,
    so nothing is written."""
    if user.username or any(
        getattr(user, name).exists()
        for name in ("email_addresses", "phone_numbers", "web3_wallets")
    ):
        return
    raise errors.ClerkError(
        "form_param_missing",
        "missing required parameter",
        long_message="At least one of email_address, phone_number, web3_wallet or username "
        "must be included (or skip_user_requirement set to true).",
        param_name="email_address",
    )


def users_queryset() -> Any:
    """Users with every relation ``user_json`` reads: two queries for any number."""
    return get_user_model().objects.with_identifiers()


def get_user(user_id: str, *, queryset: Any = None) -> Any:
    """The user ``user_id`` (404 if none): from ``queryset``, else with every relation
    ``user_json`` reads (``users_queryset()``, from SQL compiled once)."""
    if queryset is None:
        user = loading.user_with_identifiers(get_user_model(), user_id)
    else:
        user = queryset.filter(pk=user_id).first()
    if user is None:
        raise errors.NotFound(f"No user was found with id {user_id}")
    return user


def parse(serializer_class: type[bodies.StrictSerializer], request: Request) -> dict[str, Any]:
    serializer = serializer_class(data=request.data)
    serializer.is_valid(raise_exception=True)
    return serializer.provided()


def _import_second_factors(user: Any, totp_secret: Any, backup_codes: Any) -> None:
    """``totp_secret`` / ``backup_codes`` of Clerk's create/update, through the MFA module."""
    if not totp_secret and not backup_codes:
        return
    from clerk_users.mfa import authenticators as mfa

    importer = getattr(mfa, "import_second_factors", None)
    if importer is None:
        raise errors.ClerkError(
            "form_param_value_invalid",
            "is invalid",
            long_message="Importing TOTP secrets and backup codes is not available.",
            param_name="totp_secret" if totp_secret else "backup_codes",
        )
    importer(user, totp_secret=totp_secret or None, backup_codes=backup_codes or None)


USER_RESPONSE = with_errors({200: BackendUserSerializer}, 404)


# Clerk's SDKs send JSON; declaring only JSON keeps the schema (and schemathesis) honest.
JSON_ONLY = [ClerkJSONParser]


class ClerkLookupMixin:
    """Routes name the id as Clerk does (``{user_id}``, ``{email_address_id}``...); the
    methods receive it as ``pk``."""

    lookup_value_regex = "[^/]+"
    lookup_url_kwarg = "id"

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        if self.lookup_url_kwarg in kwargs:
            kwargs["pk"] = kwargs.pop(self.lookup_url_kwarg)
        return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class UsersViewSet(ClerkLookupMixin, BackendViewSet):
    parser_classes = JSON_ONLY
    lookup_url_kwarg = "user_id"

    @extend_schema(
        operation_id="GetUserList",
        description=METADATA_FILTER_DESCRIPTION,
        parameters=[
            *user_filter_parameters(paginated=True),
            OpenApiParameter(
                "starting_after",
                OpenApiTypes.STR,
                description="A user id: the users after it (created_at orderings, no offset)",
            ),
        ],
        responses=with_errors({200: BackendUserSerializer(many=True)}),
    )
    def list(self, request: Request) -> Response:
        params = request.query_params
        user_filters.check_known(
            params, user_filters.FILTER_PARAMS | user_filters.PAGE_PARAMS | {"starting_after"}
        )
        limit, offset = user_filters.page(params)
        base = paging.after_cursor(users_queryset(), params, get_user_model())
        with user_search.statement_timeout(params):
            found = user_filters.list_page(base, params, offset, limit)
            return Response([user_json(u) for u in found])

    @extend_schema(
        operation_id="GetUsersCount",
        description=METADATA_FILTER_DESCRIPTION,
        parameters=user_filter_parameters(paginated=False),
        responses=with_errors({200: bodies.TotalCountSerializer}),
    )
    @action(detail=False, methods=["get"], url_path="count")
    def count(self, request: Request) -> Response:
        params = request.query_params
        user_filters.check_known(params, user_filters.FILTER_PARAMS)
        model = get_user_model()
        with user_search.statement_timeout(params):
            total = user_filters.count_users(model.objects.all(), params)
        return Response({"object": "total_count", "total_count": total})

    @extend_schema(
        operation_id="CreateUser",
        request=bodies.CreateUserBody,
        responses=with_errors({200: BackendUserSerializer}),
    )
    def create(self, request: Request) -> Response:
        data = parse(bodies.CreateUserBody, request)
        required = not data.get("skip_user_requirement")
        for name in ACCEPTED_NO_EFFECT:
            data.pop(name, None)
        data = {k: v for k, v in data.items() if v is not None}
        totp_secret = data.pop("totp_secret", None)
        backup_codes = data.pop("backup_codes", None)
        locked = data.pop("locked", False)
        later: list[tuple[str, str, str]] = []  # (kind, value, status) created after the user
        for kind in ("email_address", "phone_number"):
            statuses = data.pop(f"{kind}_identification_status", None) or []
            values = data.get(kind) or []
            if statuses and len(statuses) != len(values):
                raise errors.ClerkError(
                    "form_param_value_invalid",
                    "is invalid",
                    long_message=f"{kind}_identification_status must have one item per {kind}.",
                    param_name=f"{kind}_identification_status",
                )
            if statuses and any(s != "verified" for s in statuses):
                data.pop(kind)
                for value in values:  # validate every value before writing anything
                    identifiers.NORMALIZERS[kind](value, kind)
                later += [(kind, v, s) for v, s in zip(values, statuses, strict=True)]
        with transaction.atomic():
            user = get_user_model().objects.create_user(**data)
            has_primary = {
                k: bool(getattr(user, f"primary_{k}_id")) for k in ("email_address", "phone_number")
            }
            for kind, value, status in later:
                verified = status == "verified"
                identifiers.create_identifier(
                    user,
                    kind,
                    value,
                    verified=verified,
                    strategy="admin",
                    reserved=status == "reserved",
                    primary=verified and not has_primary[kind],
                )
                has_primary[kind] = has_primary[kind] or verified
            _import_second_factors(user, totp_secret, backup_codes)
            if locked:
                passwords.lock(user)
            if required:  # after every other check, so a bad value is reported first
                require_identifier(user)
        return Response(user_json(get_user(user.pk)))

    @extend_schema(operation_id="GetUser", responses=USER_RESPONSE)
    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(user_json(get_user(pk)))

    @extend_schema(
        operation_id="UpdateUser", request=bodies.UpdateUserBody, responses=USER_RESPONSE
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        data = parse(bodies.UpdateUserBody, request)
        for name in ACCEPTED_NO_EFFECT:
            data.pop(name, None)
        totp_secret = data.pop("totp_secret", None)
        backup_codes = data.pop("backup_codes", None)
        if data.pop("profile_image_id", None) is not None:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message="Set profile images with POST /users/{user_id}/profile_image.",
                param_name="profile_image_id",
            )
        for name in (
            "primary_email_address_id",
            "primary_phone_number_id",
            "primary_web3_wallet_id",
            "password",
            "password_digest",
            "password_hasher",
            "skip_password_checks",
            "sign_out_of_other_sessions",
            "delete_self_enabled",
            "create_organization_enabled",
            "created_at",
            *metadata.FIELDS,
        ):
            if name in data and data[name] is None:
                del data[name]  # null means "leave as is" for these
        with transaction.atomic():
            users.update_user(user, data, allowed=users.ADMIN_UPDATABLE)
            _import_second_factors(user, totp_secret, backup_codes)
        return Response(user_json(get_user(pk)))

    @extend_schema(
        operation_id="DeleteUser", responses=with_errors({200: DeletedObjectSerializer}, 404)
    )
    def destroy(self, request: Request, pk: str) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        return Response(deleted_json("user", users.delete_user(user)))

    @extend_schema(
        methods=["PATCH"],
        operation_id="UpdateUserMetadata",
        request=bodies.MetadataBody,
        responses=USER_RESPONSE,
    )
    @extend_schema(
        methods=["PUT"],
        operation_id="ReplaceUserMetadata",
        request=bodies.MetadataBody,
        responses=USER_RESPONSE,
    )
    @action(detail=True, methods=["patch", "put"], url_path="metadata")
    def metadata(self, request: Request, pk: str) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        changes = parse(bodies.MetadataBody, request)
        changes = {k: v for k, v in changes.items() if v is not None}
        metadata.update_metadata(user, changes, replace=request.method == "PUT")
        return Response(user_json(get_user(pk)))

    def _simple(self, pk: str, operation: Any) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        operation(user)
        return Response(user_json(get_user(pk)))

    @extend_schema(operation_id="BanUser", request=None, responses=USER_RESPONSE)
    @action(detail=True, methods=["post"])
    def ban(self, request: Request, pk: str) -> Response:
        return self._simple(pk, users.ban)

    @extend_schema(operation_id="UnbanUser", request=None, responses=USER_RESPONSE)
    @action(detail=True, methods=["post"])
    def unban(self, request: Request, pk: str) -> Response:
        return self._simple(pk, users.unban)

    @extend_schema(operation_id="LockUser", request=None, responses=USER_RESPONSE)
    @action(detail=True, methods=["post"])
    def lock(self, request: Request, pk: str) -> Response:
        return self._simple(pk, passwords.lock)

    @extend_schema(operation_id="UnlockUser", request=None, responses=USER_RESPONSE)
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str) -> Response:
        return self._simple(pk, passwords.unlock)

    def _bulk(self, request: Request, operation: Any) -> Response:
        ids = parse(bodies.UserIdsBody, request)["user_ids"]
        model = get_user_model()
        with transaction.atomic():
            for user in model.objects.filter(pk__in=ids).order_by("pk"):
                operation(user)
        return Response(
            [
                user_json(u)
                for u in users_queryset().filter(pk__in=ids).order_by("-created_at", "-pk")
            ]
        )

    @extend_schema(
        operation_id="UsersBan",
        request=bodies.UserIdsBody,
        responses=with_errors({200: BackendUserSerializer(many=True)}),
    )
    @action(detail=False, methods=["post"], url_path="ban")
    def bulk_ban(self, request: Request) -> Response:
        return self._bulk(request, users.ban)

    @extend_schema(
        operation_id="UsersUnban",
        request=bodies.UserIdsBody,
        responses=with_errors({200: BackendUserSerializer(many=True)}),
    )
    @action(detail=False, methods=["post"], url_path="unban")
    def bulk_unban(self, request: Request) -> Response:
        return self._bulk(request, users.unban)

    @extend_schema(
        operation_id="VerifyPassword",
        request=bodies.VerifyPasswordBody,
        responses=with_errors({200: bodies.VerifiedSerializer}, 403, 404),
    )
    @action(detail=True, methods=["post"], url_path="verify_password")
    def verify_password(self, request: Request, pk: str) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        password = parse(bodies.VerifyPasswordBody, request)["password"]
        if user.locked:
            raise errors.user_locked(user)
        if not user.has_usable_password():
            raise errors.ClerkError(
                "password_not_set",
                "password not set",
                long_message="This user has no password.",
                param_name="password",
            )
        if not passwords.check_password(user, password):
            raise errors.ClerkError(
                "incorrect_password",
                "Password is incorrect",
                long_message="Password is incorrect. Try again, or use another method.",
                param_name="password",
            )
        return Response({"verified": True})

    @extend_schema(
        operation_id="DeleteUserPassword",
        request=bodies.RemovePasswordBody,
        responses=USER_RESPONSE,
    )
    @action(detail=True, methods=["post"], url_path="remove_password")
    def remove_password(self, request: Request, pk: str) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        sign_out = bool(parse(bodies.RemovePasswordBody, request).get("sign_out_of_other_sessions"))
        if user.has_usable_password():
            user.set_unusable_password()
            user.save(update_fields=["password", "updated_at"])
            if sign_out:
                users._end_sessions(user)
        return Response(user_json(get_user(pk)))

    def _compromised(self, pk: str, value: Any) -> Response:
        user = get_user(pk, queryset=get_user_model().objects.all())
        if value is not None and not user.has_usable_password():
            raise errors.ClerkError(
                "password_not_set",
                "password not set",
                long_message="This user has no password to mark as compromised.",
            )
        type(user).objects.filter(pk=pk).update(
            password_compromised_at=value, updated_at=timezone.now()
        )
        return Response(user_json(get_user(pk)))

    @extend_schema(operation_id="SetUserPasswordCompromised", request=None, responses=USER_RESPONSE)
    @action(detail=True, methods=["post"], url_path="password/set_compromised")
    def set_password_compromised(self, request: Request, pk: str) -> Response:
        return self._compromised(pk, timezone.now())

    @extend_schema(
        operation_id="UnsetUserPasswordCompromised", request=None, responses=USER_RESPONSE
    )
    @action(detail=True, methods=["post"], url_path="password/unset_compromised")
    def unset_password_compromised(self, request: Request, pk: str) -> Response:
        return self._compromised(pk, None)
