"""Backend API: ``/email_addresses`` and ``/phone_numbers`` (Clerk's operations on them), and
``PUT /users/{user_id}/email_address`` / ``phone_number`` (replace all of a kind).

Clerk's rules come from ``clerk_users.identifiers`` and ``clerk_users.verification``:
uniqueness (422 ``form_identifier_exists``, held by the database under concurrency), only a
verified identifier may be primary, the primary one cannot be unverified or deleted while
others of its kind exist.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors, identifiers, verification
from clerk_users.api.backend.base import BackendAPIView, BackendViewSet
from clerk_users.api.backend.schema import with_errors
from clerk_users.api.backend.serializers import identifiers as bodies
from clerk_users.api.backend.serializers.users import (
    ReplaceEmailAddressBody,
    ReplacePhoneNumberBody,
)
from clerk_users.api.backend.views.users import JSON_ONLY, ClerkLookupMixin, get_user, parse
from clerk_users.api.serializers import (
    DeletedObjectSerializer,
    EmailAddressSerializer,
    PhoneNumberSerializer,
    deleted_json,
    email_address_json,
    ms,
    phone_number_json,
)
from clerk_users.models import EmailAddress, PhoneNumber

REPORTED_BY_STATUS = ("form_code_incorrect", "verification_failed", "verification_expired")


def verification_response_json(identifier: Any) -> dict[str, Any]:
    """Clerk's ``VerificationResponse`` for an identifier's current verification."""
    channel = "email" if identifier.kind == "email_address" else "sms"
    return {
        "object": "verification",
        "id": identifier.pk,
        "status": identifier.verification_status,
        "strategy": identifier.verification_strategy
        or verification.CODE_STRATEGIES[identifier.kind],
        "attempts": identifier.verification_attempts,
        "expire_at": ms(identifier.verification_expire_at),
        "channel": channel,
    }


class _IdentifierViewSet(ClerkLookupMixin, BackendViewSet):
    parser_classes = JSON_ONLY
    """Shared by both kinds; subclasses set the model, kind and JSON builder."""

    lookup_value_regex = "[^/]+"
    kind = ""
    model: Any = None
    create_body: Any = None
    update_body: Any = None

    def to_json(self, identifier: Any) -> dict[str, Any]:
        raise NotImplementedError

    def get_identifier(self, pk: str) -> Any:
        identifier = self.model.objects.select_related("user").filter(pk=pk).first()
        if identifier is None:
            raise errors.NotFound(f"No {identifiers.WHAT[self.kind]} was found with id {pk}")
        return identifier

    def create(self, request: Request) -> Response:
        data = parse(self.create_body, request)
        user = get_user(data["user_id"], queryset=get_user_model().objects.all())
        verified = bool(data.get("verified"))
        reserved_2fa = bool(data.get("reserved_for_second_factor"))
        if reserved_2fa and not verified:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message="A phone number reserved for second factor must be verified.",
                param_name="reserved_for_second_factor",
            )
        with transaction.atomic():
            identifier = identifiers.create_identifier(
                user,
                self.kind,
                data[self.kind],
                verified=verified,
                strategy="admin",
                primary=bool(data.get("primary")),
            )
            if reserved_2fa:
                _reserve_for_second_factor(identifier, True)
        return Response(self.to_json(self.get_identifier(identifier.pk)))

    def retrieve(self, request: Request, pk: str) -> Response:
        return Response(self.to_json(self.get_identifier(pk)))

    def partial_update(self, request: Request, pk: str) -> Response:
        identifier = self.get_identifier(pk)
        data = parse(self.update_body, request)
        with transaction.atomic():
            if data.get("verified") is True and not identifier.is_verified:
                identifiers.verify(identifier, "admin")
            elif data.get("verified") is False and identifier.is_verified:
                identifiers.unverify(identifier)
            if data.get("reserved_for_second_factor") is not None:
                _reserve_for_second_factor(identifier, data["reserved_for_second_factor"])
            if data.get("primary") is True:
                identifiers.set_primary(identifier.user, identifier.pk, self.kind)
        return Response(self.to_json(self.get_identifier(pk)))

    def destroy(self, request: Request, pk: str) -> Response:
        identifier = self.get_identifier(pk)
        identifiers.delete_identifier(identifier)
        return Response(deleted_json(self.kind, pk))

    @action(detail=True, methods=["post"], url_path="prepare_verification")
    def prepare_verification(self, request: Request, pk: str) -> Response:
        identifier = self.get_identifier(pk)
        data = parse(bodies.PrepareVerificationBody, request)
        verification.prepare(identifier, data.get("strategy"))
        return Response(verification_response_json(identifier))

    @action(detail=True, methods=["post"], url_path="attempt_verification")
    def attempt_verification(self, request: Request, pk: str) -> Response:
        identifier = self.get_identifier(pk)
        data = parse(bodies.AttemptVerificationBody, request)
        if data["verification_id"] != identifier.pk:
            raise errors.ClerkError(
                "form_param_value_invalid",
                "is invalid",
                long_message="verification_id does not match this identifier's verification.",
                param_name="verification_id",
            )
        try:
            verification.attempt(identifier, data["code"])
        except errors.ClerkError as exc:
            # Clerk's Backend API reports a wrong or spent code through the status.
            if exc.clerk_code not in REPORTED_BY_STATUS:
                raise
            identifier.refresh_from_db()
        return Response(verification_response_json(identifier))


def _reserve_for_second_factor(phone: Any, reserved: bool) -> None:
    """Clerk's rule, shared with the Frontend API (``identifiers.reserve_for_second_factor``)."""
    identifiers.reserve_for_second_factor(phone, reserved)


def identifier_schema(name: str, serializer: Any, create_body: Any, update_body: Any) -> Any:
    """The OpenAPI description of one identifier kind's operations, named as Clerk's."""
    verification_ok = with_errors({200: bodies.VerificationResponseSerializer}, 404)
    return extend_schema_view(
        create=extend_schema(
            operation_id=f"Create{name}",
            request=create_body,
            responses=with_errors({200: serializer}, 403, 404, 409),
        ),
        retrieve=extend_schema(
            operation_id=f"Get{name}", responses=with_errors({200: serializer}, 404)
        ),
        partial_update=extend_schema(
            operation_id=f"Update{name}",
            request=update_body,
            responses=with_errors({200: serializer}, 404),
        ),
        destroy=extend_schema(
            operation_id=f"Delete{name}",
            responses=with_errors({200: DeletedObjectSerializer}, 404),
        ),
        prepare_verification=extend_schema(
            operation_id=f"Prepare{name}Verification",
            request=bodies.PrepareVerificationBody,
            responses=verification_ok,
        ),
        attempt_verification=extend_schema(
            operation_id=f"Attempt{name}Verification",
            request=bodies.AttemptVerificationBody,
            responses=verification_ok,
        ),
    )


@identifier_schema(
    "EmailAddress",
    EmailAddressSerializer,
    bodies.CreateEmailAddressBody,
    bodies.UpdateEmailAddressBody,
)
class EmailAddressesViewSet(_IdentifierViewSet):
    lookup_url_kwarg = "email_address_id"
    kind = "email_address"
    model = EmailAddress
    create_body = bodies.CreateEmailAddressBody
    update_body = bodies.UpdateEmailAddressBody

    def to_json(self, identifier: Any) -> dict[str, Any]:
        return email_address_json(identifier)


@identifier_schema(
    "PhoneNumber",
    PhoneNumberSerializer,
    bodies.CreatePhoneNumberBody,
    bodies.UpdatePhoneNumberBody,
)
class PhoneNumbersViewSet(_IdentifierViewSet):
    lookup_url_kwarg = "phone_number_id"
    kind = "phone_number"
    model = PhoneNumber
    create_body = bodies.CreatePhoneNumberBody
    update_body = bodies.UpdatePhoneNumberBody

    def to_json(self, identifier: Any) -> dict[str, Any]:
        return phone_number_json(identifier)


class _ReplaceView(BackendAPIView):
    """Replace every identifier of a kind with one value (Clerk's PUT /users/{id}/<kind>)."""

    parser_classes = JSON_ONLY

    kind = ""
    body: Any = None

    def _replace(self, request: Request, user_id: str) -> Any:
        user = get_user(user_id, queryset=get_user_model().objects.all())
        data = parse(self.body, request)
        status = data.get("identification_status") or "verified"
        verified = status == "verified"
        model = identifiers.IDENTIFIER_MODELS[self.kind]
        value = identifiers.NORMALIZERS[self.kind](data[self.kind], self.kind)
        with transaction.atomic():
            identifiers._lock_user(user)
            lookup = {self.kind: value}  # stored in normalised form
            keep = model.objects.filter(user_id=user.pk, **lookup).first()
            if keep is None:
                keep = identifiers.create_identifier(
                    user,
                    self.kind,
                    value,
                    verified=verified,
                    strategy="admin",
                    reserved=status == "reserved",
                    primary=verified,
                )
            elif verified and not keep.is_verified:
                identifiers.verify(keep, "admin")
            if verified:
                identifiers.set_primary(user, keep)
            else:
                identifiers.move_primary(user, self.kind, None)
            for old in model.objects.filter(user_id=user.pk).exclude(pk=keep.pk):
                identifiers.delete_identifier(old)
        return model.objects.get(pk=keep.pk)


class ReplaceEmailAddressView(_ReplaceView):
    kind = "email_address"
    body = ReplaceEmailAddressBody

    @extend_schema(
        operation_id="ReplaceUserEmailAddress",
        request=ReplaceEmailAddressBody,
        responses=with_errors({200: EmailAddressSerializer}, 404),
    )
    def put(self, request: Request, user_id: str) -> Response:
        return Response(email_address_json(self._replace(request, user_id)))


class ReplacePhoneNumberView(_ReplaceView):
    kind = "phone_number"
    body = ReplacePhoneNumberBody

    @extend_schema(
        operation_id="ReplaceUserPhoneNumber",
        request=ReplacePhoneNumberBody,
        responses=with_errors({200: PhoneNumberSerializer}, 404),
    )
    def put(self, request: Request, user_id: str) -> Response:
        return Response(phone_number_json(self._replace(request, user_id)))
