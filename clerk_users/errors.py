"""Clerk error codes as Python exceptions.

Domain code raises :class:`ClerkError` (a ``ValidationError``, so Django forms and the admin
show it like any validation error); the API exception handler turns it into Clerk's
``{"errors": [...]}`` body with the right status.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError


class ClerkError(ValidationError):
    """A validation error that carries a Clerk error code, HTTP status and parameter name."""

    default_status = 422

    def __init__(
        self,
        code: str,
        message: str,
        *,
        long_message: str | None = None,
        param_name: str | None = None,
        status: int | None = None,
        meta: dict[str, Any] | None = None,
        retry_after: int | None = None,
    ) -> None:
        super().__init__(long_message or message, code=code)
        self.clerk_code = code
        self.short_message = message
        self.long_message = long_message or message
        self.param_name = param_name
        self.status = status or self.default_status
        self.meta = dict(meta or {})
        if param_name:
            self.meta.setdefault("param_name", param_name)
        self.retry_after = retry_after

    def as_dict(self) -> dict[str, Any]:
        """The error as one item of Clerk's ``errors`` list."""
        return {
            "code": self.clerk_code,
            "message": self.short_message,
            "long_message": self.long_message,
            "meta": self.meta,
        }


class NotFound(ClerkError):
    default_status = 404

    def __init__(self, message: str = "Resource not found", **kwargs: Any) -> None:
        super().__init__("resource_not_found", "not found", long_message=message, **kwargs)


def identifier_exists(param: str, what: str = "identifier") -> ClerkError:
    return ClerkError(
        "form_identifier_exists",
        f"That {what} is taken. Please try another.",
        param_name=param,
    )


def format_invalid(param: str, long_message: str) -> ClerkError:
    return ClerkError(
        "form_param_format_invalid", "is invalid", long_message=long_message, param_name=param
    )


def param_missing(param: str) -> ClerkError:
    return ClerkError(
        "form_param_missing",
        "missing required parameter",
        long_message=f"{param} must be included.",
        param_name=param,
    )


def param_unknown(param: str) -> ClerkError:
    return ClerkError(
        "form_param_unknown",
        "is unknown",
        long_message=f"{param} is not a valid parameter for this request.",
        param_name=param,
    )


def too_many_requests(retry_after: int) -> ClerkError:
    return ClerkError(
        "too_many_requests",
        "Too many requests",
        long_message="Too many requests, retry later.",
        status=429,
        retry_after=max(1, int(retry_after)),
    )


def user_locked(user: Any) -> ClerkError:
    """403 for a user locked after too many failed attempts (or by an admin)."""
    return ClerkError(
        "user_locked",
        "Account locked",
        long_message="This account is locked after too many failed attempts.",
        status=403,
        meta={"lockout_expires_in_seconds": user.lockout_expires_in_seconds},
    )


# -- one-time codes: the same three answers wherever a code is checked ---------------------
def code_incorrect(remaining: int | None = None) -> ClerkError:
    """422 ``form_code_incorrect`` (with ``attempts_remaining`` when the code has a budget)."""
    return ClerkError(
        "form_code_incorrect",
        "is incorrect",
        long_message="Incorrect code",
        param_name="code",
        meta={"attempts_remaining": remaining} if remaining is not None else None,
    )


def verification_expired() -> ClerkError:
    return ClerkError(
        "verification_expired",
        "expired",
        long_message="This verification has expired. You must request a new code.",
        status=400,
    )


def verification_failed() -> ClerkError:
    return ClerkError(
        "verification_failed",
        "failed",
        long_message="Too many failed attempts. You have to try again with a new code.",
        status=400,
    )
