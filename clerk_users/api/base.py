"""Base classes shared by both APIs: Clerk's error handler, JSON rendering, body parsers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import exceptions, parsers, renderers, viewsets
from rest_framework.views import APIView

from clerk_users import errors as domain_errors
from clerk_users.api import errors


def refuse_nul_in(data: Any, name: str = "") -> None:
    """A NUL character anywhere in a parsed body (a key or a string value, at any depth) is
    Clerk's 422, before any view reads it: PostgreSQL text cannot hold one (``DataError``,
    a 500), and no Clerk parameter has a use for it. Called by every body parser."""
    if isinstance(data, str):
        if "\x00" in data:
            param = name or "body"
            raise domain_errors.format_invalid(param, f"{param} must not contain a NUL character.")
    elif isinstance(data, dict) or hasattr(data, "lists"):
        pairs = data.lists() if hasattr(data, "lists") else data.items()
        for key, value in pairs:
            param = name or str(key).replace("\x00", "")  # Clerk names the top-level param
            refuse_nul_in(key, param)
            refuse_nul_in(value, param)
    elif isinstance(data, (list, tuple)):
        for item in data:
            refuse_nul_in(item, name)


class ClerkJSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested too deep for ``json.loads`` (RecursionError) or
    any other decode failure is a 400 parse error, never a 500; a NUL is a 422."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            data = super().parse(stream, media_type, parser_context)
        except exceptions.ParseError:
            raise
        except (RecursionError, ValueError, UnicodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {type(exc).__name__}")
        refuse_nul_in(data)
        return data


class ClerkFormParser(parsers.FormParser):
    """DRF's form parser; a NUL in a key or value is a 422 (``refuse_nul_in``)."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        data = super().parse(stream, media_type, parser_context)
        refuse_nul_in(data)
        return data


class ClerkMultiPartParser(parsers.MultiPartParser):
    """DRF's multipart parser; a NUL in a field (not a file's bytes) is a 422."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        parsed = super().parse(stream, media_type, parser_context)
        refuse_nul_in(parsed.data)
        return parsed


def refuse_nul(request: Any, kwargs: dict[str, Any]) -> None:
    """A NUL character cannot be stored in or compared with a PostgreSQL text column: refuse
    it in any query parameter (name or value) or path segment with Clerk's 422 up front."""
    for name, values in request.query_params.lists():
        if "\x00" in name or any("\x00" in value for value in values):
            raise domain_errors.format_invalid(
                name.replace("\x00", ""), f"{name!r} must not contain a NUL character."
            )
    for name, value in kwargs.items():
        if isinstance(value, str) and "\x00" in value:
            raise domain_errors.format_invalid(name, f"{name} must not contain a NUL character.")


class ClerkAPIMixin:
    renderer_classes: Sequence[Any] = [renderers.JSONRenderer]
    parser_classes: Sequence[Any] = [
        ClerkJSONParser,
        ClerkFormParser,
        ClerkMultiPartParser,
    ]

    def get_exception_handler(self) -> Any:
        return errors.exception_handler

    def initial(self, request: Any, *args: Any, **kwargs: Any) -> None:
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        refuse_nul(request, kwargs)

    def dispatch(self, request: Any, *args: Any, **kwargs: Any) -> Any:
        # Image URLs in responses are made absolute with this request's origin.
        from clerk_users.images.profile import request_context

        with request_context(request):
            return super().dispatch(request, *args, **kwargs)  # type: ignore[misc]


class ClerkAPIView(ClerkAPIMixin, APIView):
    pass


class ClerkViewSet(ClerkAPIMixin, viewsets.ViewSet):
    pass


class ClerkGenericViewSet(ClerkAPIMixin, viewsets.GenericViewSet):
    pass
