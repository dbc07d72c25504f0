"""Backend API: a user's organization memberships, organization invitations and trusted
devices (``GET /users/{user_id}/organization_memberships|organization_invitations|
trusted_devices``).

This app has no organizations and no trusted devices, so the truthful answer is the one Clerk
gives for a user without any: an empty page, ``{"data": [], "total_count": 0}``. An unknown
user is 404, and bad ``limit``/``offset`` values are refused as on every list.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend import paging
from clerk_users.api.backend.base import BackendAPIView

INVITATION_STATUSES = ("pending", "accepted", "revoked", "expired")


def _empty_page_schema(name: str) -> serializers.Serializer:
    return inline_serializer(
        name,
        {
            "data": serializers.ListField(child=serializers.DictField()),
            "total_count": serializers.IntegerField(),
        },
    )


class _EmptyUserListView(BackendAPIView):
    def get(self, request: Request, user_id: str) -> Response:
        if not get_user_model()._default_manager.filter(pk=user_id).exists():
            raise errors.NotFound(f"No user was found with id {user_id}")
        status = request.query_params.get("status")
        if status is not None and status not in INVITATION_STATUSES:
            raise errors.format_invalid(
                "status", f"status must be one of {', '.join(INVITATION_STATUSES)}."
            )
        return self.respond(paging.empty_page(request.query_params))


class UserOrganizationMembershipsView(_EmptyUserListView):
    @extend_schema(
        operation_id="UsersGetOrganizationMemberships",
        responses=_empty_page_schema("OrganizationMemberships"),
        tags=["Users"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return super().get(request, user_id)


class UserOrganizationInvitationsView(_EmptyUserListView):
    @extend_schema(
        operation_id="UsersGetOrganizationInvitations",
        responses=_empty_page_schema("OrganizationInvitations"),
        tags=["Users"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return super().get(request, user_id)


class UserTrustedDevicesView(_EmptyUserListView):
    @extend_schema(
        operation_id="ListUserTrustedDevices",
        responses=_empty_page_schema("TrustedDevices"),
        tags=["Users"],
    )
    def get(self, request: Request, user_id: str) -> Response:
        return super().get(request, user_id)
