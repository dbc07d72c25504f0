"""JWT templates: named claim sets with ``{{user.*}}`` shortcodes (Clerk's JWT templates).

A claim value that is exactly one shortcode keeps the type of what it resolves to (an object,
a number, a boolean); a string mixing text and shortcodes is interpolated. ``a || b || 'x'``
takes the first operand that resolves to something other than null or "". A claim whose value
resolves to null is left out, as Clerk does. Reserved claims (``sub``, ``iat``, ...) are set by
the minting code and cannot be overridden.
"""

from __future__ import annotations

import json
import re
import time
from typing import Any

import jwt
from django.db import IntegrityError, transaction

from clerk_users import errors
from clerk_users.sessions import tokens

RESERVED_CLAIMS = frozenset({"azp", "exp", "iat", "iss", "jti", "nbf", "sid", "sub"})
ALGORITHMS = ("RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "HS256", "HS384", "HS512")
SHORTCODE = re.compile(r"\{\{\s*(.*?)\s*\}\}")
NAME_RE = re.compile(r"[A-Za-z0-9_.-]{1,128}")
UNSET = object()


# -- rendering ---------------------------------------------------------------------------
def user_context(session: Any) -> dict[str, Any]:
    """What shortcodes can read: ``user.*`` (Clerk's names) and ``session.*``."""
    user = session.user
    email = user.primary_email_address
    phone = user.primary_phone_number
    wallet = user.primary_web3_wallet
    return {
        "user": {
            "id": user.pk,
            "external_id": user.external_id,
            "first_name": user.first_name or None,
            "last_name": user.last_name or None,
            "full_name": user.full_name or None,
            "username": user.username,
            "primary_email_address": email.email_address if email else None,
            "primary_phone_number": phone.phone_number if phone else None,
            "primary_web3_wallet": wallet.web3_wallet if wallet else None,
            "email_verified": bool(email),
            "phone_number_verified": bool(phone),
            "image_url": getattr(user, "image_url", None),
            "has_image": bool(getattr(user, "has_image", False)),
            "two_factor_enabled": user.two_factor_enabled(),
            "public_metadata": user.public_metadata or {},
            "unsafe_metadata": user.unsafe_metadata or {},
            "created_at": int(user.created_at.timestamp()),
            "updated_at": int(user.updated_at.timestamp()) if user.updated_at else None,
            "last_sign_in_at": int(user.last_login.timestamp()) if user.last_login else None,
        },
        "session": {"id": session.id, "actor": None},
    }


def _lookup(path: str, context: dict[str, Any]) -> Any:
    value: Any = context
    for part in path.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def _operand(text: str, context: dict[str, Any]) -> Any:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if re.fullmatch(r"-?\d+(\.\d+)?", text):
        return json.loads(text)
    if text in ("true", "false", "null"):
        return json.loads(text)
    return _lookup(text, context)


def evaluate(expression: str, context: dict[str, Any]) -> Any:
    """``a || b || 'literal'``: the first operand that is neither null nor ""."""
    value = None
    for operand in expression.split("||"):
        value = _operand(operand, context)
        if value is not None and value != "":
            return value
    return value


def render(value: Any, context: dict[str, Any]) -> Any:
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            rendered = render(item, context)
            if rendered is not None:
                out[key] = rendered
        return out
    if isinstance(value, list):
        return [render(item, context) for item in value]
    if not isinstance(value, str):
        return value
    whole = SHORTCODE.fullmatch(value.strip())
    if whole:
        return evaluate(whole.group(1), context)

    def text(match: re.Match[str]) -> str:
        result = evaluate(match.group(1), context)
        if result is None:
            return ""
        return result if isinstance(result, str) else json.dumps(result)

    return SHORTCODE.sub(text, value)


# -- minting -----------------------------------------------------------------------------
def mint(
    session: Any,
    name: str,
    *,
    request: Any = None,
    expires_in_seconds: int | None = None,
    now: int | None = None,
) -> str:
    from clerk_users.models import JWTTemplate

    template = JWTTemplate.objects.filter(name=name).first()
    if template is None:
        raise errors.NotFound(f"No JWT template exists with name: {name}")
    iat = int(time.time()) if now is None else now
    claims = render(template.claims, user_context(session))
    claims.update(tokens.session_claims(session, request, now=iat))
    # Clerk's template defaults are azp, exp, iat, iss, jti, nbf, sub: no ``sid`` and no
    # session-token version ``v``, so a template token (up to ten years) is never taken for
    # a session token (``tokens.verify_session_token`` refuses a ``jti`` or a missing ``v``).
    claims.pop("v", None)
    claims.pop("sid", None)
    claims["nbf"] = iat - template.allowed_clock_skew
    claims["exp"] = iat + (expires_in_seconds or template.lifetime)
    claims["jti"] = tokens.new_jti()
    if not template.custom_signing_key:
        return tokens.sign(claims)
    return jwt.encode(claims, template.signing_key, algorithm=template.signing_algorithm)


# -- create / update / delete -----------------------------------------------------------
# The parameters of Clerk's JWT template (the API body, the admin form).
FIELDS = (
    "name",
    "claims",
    "lifetime",
    "allowed_clock_skew",
    "custom_signing_key",
    "signing_algorithm",
    "signing_key",
)


def _validate(data: dict[str, Any], *, partial: bool, instance: Any = None) -> dict[str, Any]:
    for key in data:
        if key not in FIELDS:
            raise errors.param_unknown(key)
    clean: dict[str, Any] = {}
    if "name" in data or not partial:
        name = data.get("name")
        if not name:
            raise errors.param_missing("name")
        if not isinstance(name, str) or not NAME_RE.fullmatch(name) or name in tokens.SERVICES:
            raise errors.format_invalid(
                "name", "name must be 1-128 letters, digits, '_', '-' or '.', not a service name."
            )
        clean["name"] = name
    if "claims" in data or not partial:
        claims = data.get("claims")
        if claims is None:
            raise errors.param_missing("claims")
        if not isinstance(claims, dict):
            raise errors.format_invalid("claims", "claims must be a JSON object.")
        reserved = sorted(set(claims) & RESERVED_CLAIMS)
        if reserved:
            raise errors.ClerkError(
                "reserved_claim",
                "Reserved claim used",
                long_message=f"You can't use the reserved claim: {reserved[0]}",
                param_name="claims",
            )
        if len(json.dumps(claims)) > 8192:
            raise errors.format_invalid("claims", "claims must be at most 8 KB of JSON.")
        clean["claims"] = claims
    for field, low, high, default in (
        ("lifetime", 30, 315_360_000, 60),
        ("allowed_clock_skew", 0, 300, 5),
    ):
        if field in data:
            value = data[field]
            if value is None:
                value = default
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                raise errors.format_invalid(
                    field, f"{field} must be an integer from {low} to {high}."
                )
            clean[field] = value
    custom = data.get("custom_signing_key", instance.custom_signing_key if instance else False)
    if not isinstance(custom, bool):
        raise errors.format_invalid("custom_signing_key", "custom_signing_key must be a boolean.")
    clean["custom_signing_key"] = custom
    if custom:
        algorithm = data.get("signing_algorithm") or (
            instance.signing_algorithm if instance else "RS256"
        )
        key = data.get("signing_key") or (instance.signing_key if instance else "")
        if algorithm not in ALGORITHMS:
            raise errors.format_invalid(
                "signing_algorithm", f"signing_algorithm must be one of {', '.join(ALGORITHMS)}."
            )
        if not key:
            raise errors.param_missing("signing_key")
        try:
            jwt.encode({"probe": True}, key, algorithm=algorithm)
        except Exception:  # any failure means the key does not fit
            raise errors.format_invalid(
                "signing_key", f"signing_key is not a usable {algorithm} key."
            ) from None
        clean.update(signing_algorithm=algorithm, signing_key=key)
    else:
        clean.update(signing_algorithm="RS256", signing_key="")
    return clean


def _save(template: Any) -> Any:
    try:
        with transaction.atomic():
            template.save()
    except IntegrityError:
        raise errors.identifier_exists("name", "template name") from None
    return template


def create_template(data: dict[str, Any]) -> Any:
    from clerk_users.models import JWTTemplate

    return _save(JWTTemplate(**_validate(data, partial=False)))


def update_template(template: Any, data: dict[str, Any]) -> Any:
    """PATCH as Clerk's SDK sends it (``name`` and ``claims`` always present)."""
    for field, value in _validate(data, partial=True, instance=template).items():
        setattr(template, field, value)
    return _save(template)
