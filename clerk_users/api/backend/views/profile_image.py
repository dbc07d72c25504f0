"""``POST|DELETE /users/{user_id}/profile_image``: the SDK's ``users.set_profile_image`` and
``users.delete_profile_image``; both answer the user, as Clerk does."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from drf_spectacular.utils import extend_schema
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.backend.base import BackendAPIView
from clerk_users.api.image_uploads import (
    ProfileImageUploadSerializer,
    check_content_length,
    uploaded_file,
)
from clerk_users.api.serializers import BackendUserSerializer, user_json
from clerk_users.images import profile as images


def _get_user(user_id: str) -> Any:
    user = get_user_model()._default_manager.filter(pk=user_id).first()
    if user is None:
        raise errors.NotFound(f"No user was found with id {user_id}.")
    return user


def _user_response_json(user_id: str) -> dict[str, Any]:
    user = get_user_model().objects.with_identifiers().get(pk=user_id)
    return user_json(user)


class UserProfileImageView(BackendAPIView):
    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method == "POST":
            check_content_length(request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="SetUserProfileImage",
        request={"multipart/form-data": ProfileImageUploadSerializer},
        responses={200: BackendUserSerializer},
        tags=["Users"],
    )
    def post(self, request: Request, user_id: str) -> Response:
        user = _get_user(user_id)
        images.set_profile_image(user, uploaded_file(request))
        return self.respond(_user_response_json(user.pk))

    @extend_schema(
        operation_id="DeleteUserProfileImage",
        request=None,
        responses={200: BackendUserSerializer},
        tags=["Users"],
    )
    def delete(self, request: Request, user_id: str) -> Response:
        user = _get_user(user_id)
        images.remove_profile_image(user)
        return self.respond(_user_response_json(user.pk))
