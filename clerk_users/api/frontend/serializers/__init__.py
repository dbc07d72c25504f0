"""Input serializers of the Frontend API and helpers to read any body (JSON, form, multipart).

The serializers describe each route's parameters (drf-spectacular builds the OpenAPI schema
from them) and check presence and simple types; every rule beyond that (formats, uniqueness,
metadata size, password strength) lives in the domain modules, which the views call.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field, inline_serializer
from rest_framework import serializers

from clerk_users import errors
from clerk_users.api.frontend.base import flat_data


@extend_schema_field(OpenApiTypes.OBJECT)
class RawJSONField(serializers.Field):
    """A JSON object, or (in form bodies) a string holding one: passed through unchanged so
    ``clerk_users.metadata`` parses and validates it."""

    def to_internal_value(self, data: Any) -> Any:
        return data

    def to_representation(self, value: Any) -> Any:
        return value


class StrictCharField(serializers.CharField):
    """A string, not something DRF would coerce into one (``0`` is not a name or a code)."""

    def to_internal_value(self, data: Any) -> str:
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def text(**kwargs: Any) -> serializers.CharField:
    kwargs.setdefault("required", False)
    return StrictCharField(trim_whitespace=False, allow_blank=True, **kwargs)


def read_params(request: Any, serializer_class: type[serializers.Serializer]) -> dict[str, Any]:
    """Validate the body against ``serializer_class``; return only the params that were sent.

    A parameter the route does not know is refused with 422 ``form_param_unknown`` before
    anything else, so nothing is changed by a request that tries to set a forbidden field.
    """
    data = flat_data(request)
    known = serializer_class().fields
    for name in data:
        if name not in known:
            raise errors.param_unknown(name)
    serializer = serializer_class(data=data)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


def envelope_of(name: str, inner: Any) -> Any:
    """The OpenAPI shape of ``{"response": inner, "client": null}``."""
    return inline_serializer(
        name=name,
        fields={"response": inner, "client": serializers.DictField(allow_null=True)},
    )
