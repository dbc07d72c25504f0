"""``/me/email_addresses``, ``/me/phone_numbers`` and ``/me/web3_wallets``.

One viewset per kind, sharing the logic: the user may list, add, read and delete their own
identifiers and verify them (one-time codes for email and phone, an EIP-191 signature for
wallets). An identifier of another user is answered 404, exactly like one that does not exist.
Creation, verification and deletion rules all live in ``clerk_users.identifiers`` and
``clerk_users.verification``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors, identifiers, verification, web3
from clerk_users.api.frontend.base import (
    FrontendUpdateThrottle,
    FrontendVerificationThrottle,
    FrontendViewSet,
)
from clerk_users.api.frontend.serializers import envelope_of, read_params
from clerk_users.api.frontend.serializers.identifiers import (
    AttemptCodeInput,
    AttemptSignatureInput,
    CreateEmailAddressInput,
    CreatePhoneNumberInput,
    CreateWeb3WalletInput,
    PrepareVerificationInput,
    UpdatePhoneNumberInput,
)
from clerk_users.api.serializers import (
    DeletedObjectSerializer,
    EmailAddressSerializer,
    PhoneNumberSerializer,
    Web3WalletSerializer,
    deleted_json,
    email_address_json,
    phone_number_json,
    web3_wallet_json,
)
from clerk_users.models import IDENTIFIER_MODELS, Identification
from clerk_users.sessions.reverification import reverification_required

ID_REGEX = r"[A-Za-z0-9_]+"


class EnvelopeAutoSchema(AutoSchema):
    """``list`` answers an envelope holding the list, not a bare array."""

    def _is_list_view(self, serializer: Any = None) -> bool:
        return False


class _IdentifierViewSet(FrontendViewSet):
    """Shared actions; subclasses set the kind, its JSON builder and its input serializers."""

    schema = EnvelopeAutoSchema()
    kind = ""
    lookup_value_regex = ID_REGEX
    create_input: type[serializers.Serializer] = serializers.Serializer
    attempt_input: type[serializers.Serializer] = AttemptCodeInput

    @staticmethod
    def to_json(identifier: Any) -> dict[str, Any]:
        raise NotImplementedError

    def own(self, pk: str) -> Identification:
        """The user's identifier ``pk``; 404 for a missing one or another user's."""
        model = IDENTIFIER_MODELS[self.kind]
        found = model.objects.filter(pk=pk, user_id=self.request.user.pk).first()
        if found is None:
            raise errors.NotFound()
        return found

    def check_kind_available(self) -> None:
        """Hook: wallets need the ``web3`` extra to be verified here."""

    def list(self, request: Request) -> Response:
        model = IDENTIFIER_MODELS[self.kind]
        items = model.objects.filter(user_id=request.user.pk).order_by("created_at", "id")
        return self.respond([self.to_json(item) for item in items])

    @reverification_required
    def create(self, request: Request) -> Response:
        self.check_kind_available()
        params = read_params(request, self.create_input)
        identifier = identifiers.create_identifier(
            request.user, self.kind, params[self.kind], verified=False
        )
        return self.respond(self.to_json(identifier))

    def retrieve(self, request: Request, pk: str) -> Response:
        return self.respond(self.to_json(self.own(pk)))

    @reverification_required
    def destroy(self, request: Request, pk: str) -> Response:
        identifier = self.own(pk)
        identifiers.delete_identifier(identifier, keep_sign_in=True)
        return self.respond(deleted_json(self.kind, pk))

    @action(detail=True, methods=["post"])
    def prepare_verification(self, request: Request, pk: str) -> Response:
        identifier = self.own(pk)
        self.check_kind_available()
        params = read_params(request, PrepareVerificationInput)
        verification.prepare(identifier, params["strategy"], request=request._request)
        return self.respond(self.to_json(identifier))

    @action(
        detail=True,
        methods=["post"],
        throttle_classes=[FrontendUpdateThrottle, FrontendVerificationThrottle],
    )
    def attempt_verification(self, request: Request, pk: str) -> Response:
        identifier = self.own(pk)
        self.check_kind_available()
        params = read_params(request, self.attempt_input)
        if self.kind == "web3_wallet":
            verification.attempt(
                identifier, None, signature=params["signature"], request=request._request
            )
        else:
            verification.attempt(identifier, params["code"])
        return self.respond(self.to_json(identifier))


def _schema(kind: str, create_input: Any, attempt_input: Any, item: Any, name: str) -> Any:
    """OpenAPI descriptions (request and enveloped response) of each action of one kind."""
    one = envelope_of(f"Frontend{name}Response", item)
    many = envelope_of(f"Frontend{name}ListResponse", type(item)(many=True))
    deleted = envelope_of(f"FrontendDeleted{name}Response", DeletedObjectSerializer())
    plural = {"email_address": "email_addresses"}.get(kind, f"{kind}s")
    tag = f"me/{plural}"
    what = kind.replace("_", " ")
    proof = "signature" if kind == "web3_wallet" else "one-time code"
    specs = {
        "list": {
            "responses": {200: many},
            "description": f"The user's {what}es"
            if kind == "email_address"
            else f"The user's {what}s",
        },
        "create": {
            "request": create_input,
            "responses": {200: one},
            "description": f"Add an unverified {what} to the user.",
        },
        "retrieve": {"responses": {200: one}, "description": f"One {what} of the user."},
        "destroy": {
            "responses": {200: deleted},
            "description": f"Delete a {what} (the primary one only when it is the last).",
        },
        "prepare_verification": {
            "request": PrepareVerificationInput,
            "responses": {200: one},
            "description": f"Start verifying the {what} by {proof}.",
        },
        "attempt_verification": {
            "request": attempt_input,
            "responses": {200: one},
            "description": f"Check the {proof}; 3 attempts per code.",
        },
    }
    return extend_schema_view(
        **{
            method: extend_schema(operation_id=f"{plural}_{method}", tags=[tag], **spec)
            for method, spec in specs.items()
        }
    )


@_schema(
    "email_address",
    CreateEmailAddressInput,
    AttemptCodeInput,
    EmailAddressSerializer(),
    "EmailAddress",
)
class EmailAddressViewSet(_IdentifierViewSet):
    kind = "email_address"
    create_input = CreateEmailAddressInput

    @staticmethod
    def to_json(identifier: Any) -> dict[str, Any]:
        return email_address_json(identifier)


@_schema(
    "phone_number", CreatePhoneNumberInput, AttemptCodeInput, PhoneNumberSerializer(), "PhoneNumber"
)
class PhoneNumberViewSet(_IdentifierViewSet):
    kind = "phone_number"
    create_input = CreatePhoneNumberInput

    @staticmethod
    def to_json(identifier: Any) -> dict[str, Any]:
        return phone_number_json(identifier)

    @extend_schema(
        operation_id="phone_numbers_partial_update",
        tags=["me/phone_numbers"],
        request=UpdatePhoneNumberInput,
        responses={200: envelope_of("FrontendPhoneNumberUpdateResponse", PhoneNumberSerializer())},
        description="Reserve the (verified) number for two-factor or make it the default one.",
    )
    @reverification_required
    def partial_update(self, request: Request, pk: str) -> Response:
        phone = self.own(pk)
        params = read_params(request, UpdatePhoneNumberInput)
        if params:
            identifiers.reserve_for_second_factor(
                phone,
                params.get("reserved_for_second_factor"),
                default=params.get("default_second_factor"),
            )
        return self.respond(self.to_json(self.own(pk)))


@_schema(
    "web3_wallet",
    CreateWeb3WalletInput,
    AttemptSignatureInput,
    Web3WalletSerializer(),
    "Web3Wallet",
)
class Web3WalletViewSet(_IdentifierViewSet):
    kind = "web3_wallet"
    create_input = CreateWeb3WalletInput
    attempt_input = AttemptSignatureInput

    @staticmethod
    def to_json(identifier: Any) -> dict[str, Any]:
        return web3_wallet_json(identifier)

    def check_kind_available(self) -> None:
        web3.ensure_available()
