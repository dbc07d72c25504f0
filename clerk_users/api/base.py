"""Base classes shared by both APIs: Clerk's error handler, JSON rendering, body parsers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rest_framework import exceptions, parsers, renderers, viewsets
from rest_framework.views import APIView

from clerk_users import errors as domain_errors
from clerk_users.api import errors


class ClerkJSONParser(parsers.JSONParser):
    """DRF's JSON parser, but a body nested too deep for ``json.loads`` (RecursionError) or
    any other decode failure is a 400 parse error, never a 500."""

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        try:
            return super().parse(stream, media_type, parser_context)
        except exceptions.ParseError:
            raise
        except (RecursionError, ValueError, UnicodeError) as exc:
            raise exceptions.ParseError(f"JSON parse error - {type(exc).__name__}")


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
        parsers.FormParser,
        parsers.MultiPartParser,
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
