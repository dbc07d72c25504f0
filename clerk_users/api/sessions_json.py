"""Clerk JSON for sessions, session activity, tokens, JWT templates, TOTP and backup codes
(shapes of ``clerk_backend_api.models.session``, ``sessionactivityresponse``, ``token``,
``jwttemplate``, ``jwks``), plus DRF serializers describing them for the OpenAPI schema."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clerk_users.api.serializers import ms


def activity_json(session: Any) -> dict[str, Any]:
    """Clerk's ``SessionActivityResponse``: ``device_type``, ``browser_name``,
    ``browser_version``, ``ip_address``, ``city`` and ``country`` are optional strings, never
    null; what is not known is left out, as Clerk's own server does (its Go model serialises
    them ``omitempty``), so SDKs read ``undefined``/unset rather than a wrong type."""
    activity: dict[str, Any] = {
        "object": "session_activity",
        "id": session.activity_id,
        "is_mobile": session.is_mobile,
    }
    for name in ("device_type", "browser_name", "browser_version", "ip_address", "city", "country"):
        value = getattr(session, name)
        if value:
            activity[name] = value
    return activity


def session_json(session: Any) -> dict[str, Any]:
    return {
        "object": "session",
        "id": session.id,
        "user_id": session.user_id,
        "client_id": session.client_id,
        "status": session.current_status,
        "last_active_at": ms(session.last_active_at),
        "expire_at": ms(session.expire_at),
        "abandon_at": ms(session.abandon_at),
        "updated_at": ms(session.updated_at),
        "created_at": ms(session.created_at),
        "actor": None,
        "last_active_organization_id": None,
        "latest_activity": activity_json(session),
        "tasks": None,
    }


def token_json(jwt: str) -> dict[str, Any]:
    return {"object": "token", "jwt": jwt}


def jwt_template_json(template: Any) -> dict[str, Any]:
    return {
        "object": "jwt_template",
        "id": template.id,
        "name": template.name,
        "claims": template.claims,
        "lifetime": template.lifetime,
        "allowed_clock_skew": template.allowed_clock_skew,
        "custom_signing_key": template.custom_signing_key,
        "signing_algorithm": template.signing_algorithm,
        "created_at": ms(template.created_at),
        "updated_at": ms(template.updated_at),
    }


def totp_json(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "object": "totp",
        "id": data["id"],
        "secret": data.get("secret"),
        "uri": data.get("uri"),
        "verified": data["verified"],
        "backup_codes": data.get("backup_codes"),
        "created_at": ms(data["created_at"]),
        "updated_at": ms(data["updated_at"]),
    }


def backup_codes_json(user: Any, codes: list[str]) -> dict[str, Any]:
    from allauth.mfa.models import Authenticator

    row = Authenticator.objects.filter(user_id=user.pk, type="recovery_codes").first()
    created = ms(row.created_at) if row else None
    return {
        "object": "backup_code",
        "id": f"bcode_{row.pk}" if row else None,
        "codes": codes,
        "created_at": created,
        "updated_at": created,
    }


# -- serializers for the schema ----------------------------------------------------------
class SessionActivitySerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    device_type = serializers.CharField(required=False)
    is_mobile = serializers.BooleanField()
    browser_name = serializers.CharField(required=False)
    browser_version = serializers.CharField(required=False)
    ip_address = serializers.CharField(required=False)
    city = serializers.CharField(required=False)
    country = serializers.CharField(required=False)


class SessionSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    user_id = serializers.CharField()
    client_id = serializers.CharField()
    status = serializers.CharField(
        help_text="active, revoked, ended, expired, removed or abandoned"
    )
    last_active_at = serializers.IntegerField()
    expire_at = serializers.IntegerField()
    abandon_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()
    created_at = serializers.IntegerField()
    latest_activity = SessionActivitySerializer(allow_null=True)

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return session_json(instance)


class TokenSerializer(serializers.Serializer):
    object = serializers.CharField()
    jwt = serializers.CharField()


class JWTTemplateSerializer(serializers.Serializer):
    object = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()
    claims = serializers.DictField()
    lifetime = serializers.IntegerField()
    allowed_clock_skew = serializers.IntegerField()
    custom_signing_key = serializers.BooleanField()
    signing_algorithm = serializers.CharField()
    created_at = serializers.IntegerField()
    updated_at = serializers.IntegerField()

    def to_representation(self, instance: Any) -> dict[str, Any]:
        return jwt_template_json(instance)


class JWKSerializer(serializers.Serializer):
    use = serializers.CharField()
    kty = serializers.CharField()
    kid = serializers.CharField()
    alg = serializers.CharField()
    n = serializers.CharField()
    e = serializers.CharField()


class JWKSSerializer(serializers.Serializer):
    keys = JWKSerializer(many=True)


# -- request bodies (for the schema; the views validate through the domain modules) ----
class CreateTokenBody(serializers.Serializer):
    expires_in_seconds = serializers.IntegerField(
        required=False, allow_null=True, min_value=30, max_value=315_360_000
    )


class RefreshSessionBody(serializers.Serializer):
    expired_token = serializers.CharField()
    refresh_token = serializers.CharField()
    request_origin = serializers.CharField()
    request_headers = serializers.DictField(required=False, allow_null=True)
    format = serializers.ChoiceField(choices=["token", "cookie"], required=False, allow_null=True)
    request_originating_ip = serializers.CharField(required=False, allow_null=True)


class JWTTemplateBody(serializers.Serializer):
    name = serializers.CharField()
    claims = serializers.DictField()
    lifetime = serializers.IntegerField(required=False, allow_null=True)
    allowed_clock_skew = serializers.IntegerField(required=False, allow_null=True)
    custom_signing_key = serializers.BooleanField(required=False)
    signing_algorithm = serializers.CharField(required=False, allow_null=True)
    signing_key = serializers.CharField(required=False, allow_null=True)


class CodeBody(serializers.Serializer):
    code = serializers.CharField()


class VerifyTOTPResponse(serializers.Serializer):
    verified = serializers.BooleanField()
    code_type = serializers.ChoiceField(choices=["totp", "backup_code"])


class UserIdResponse(serializers.Serializer):
    user_id = serializers.CharField()
