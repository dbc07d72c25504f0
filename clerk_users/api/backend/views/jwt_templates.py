"""Backend API: JWT templates (SDK group ``jwt_templates``).

The rules live in ``clerk_users.sessions.jwt_templates``.

``GET|POST /jwt_templates``, ``GET|PATCH|DELETE /jwt_templates/{id}``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend import paging
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.backend.views.sessions import _body
from clerk_users.api.serializers import DeletedObjectSerializer, deleted_json
from clerk_users.api.sessions_json import JWTTemplateBody, JWTTemplateSerializer, jwt_template_json
from clerk_users.models import JWTTemplate
from clerk_users.sessions import jwt_templates

FIELDS = set(jwt_templates.FIELDS)


def _get(template_id: str) -> Any:
    template = JWTTemplate.objects.filter(pk=template_id).first()
    if template is None:
        raise errors.NotFound(f"No JWT template was found with id {template_id}")
    return template


class JWTTemplateListView(BackendAPIView):
    @extend_schema(
        operation_id="ListJWTTemplates",
        parameters=paging.schema_parameters(),
        responses={200: paging.list_or_page("JWTTemplate")},
    )
    def get(self, request: Request) -> Response:
        queryset = JWTTemplate.objects.order_by("-created_at", "-id")
        return self.respond(paging.list_response(queryset, request.query_params, jwt_template_json))

    @extend_schema(
        operation_id="CreateJWTTemplate", request=JWTTemplateBody, responses=JWTTemplateSerializer
    )
    def post(self, request: Request) -> Response:
        template = jwt_templates.create_template(_body(request, FIELDS))
        return self.respond(jwt_template_json(template))


class JWTTemplateDetailView(BackendAPIView):
    @extend_schema(operation_id="GetJWTTemplate", responses=JWTTemplateSerializer)
    def get(self, request: Request, template_id: str) -> Response:
        return self.respond(jwt_template_json(_get(template_id)))

    @extend_schema(
        operation_id="UpdateJWTTemplate", request=JWTTemplateBody, responses=JWTTemplateSerializer
    )
    def patch(self, request: Request, template_id: str) -> Response:
        template = _get(template_id)
        template = jwt_templates.update_template(template, _body(request, FIELDS))
        return self.respond(jwt_template_json(template))

    @extend_schema(operation_id="DeleteJWTTemplate", responses=DeletedObjectSerializer)
    def delete(self, request: Request, template_id: str) -> Response:
        template = _get(template_id)
        template.delete()
        return self.respond(deleted_json("jwt_template", template_id))
