"""``POST|DELETE /me/profile_image``: ClerkJS's ``user.setProfileImage({file})``.

The upload is a multipart body with one ``file`` part; the answer is Clerk's ``image``
resource. Every rule (size, format, pixels, re-encoding, storage) is in
``clerk_users.images.profile`` and ``clerk_users.images.validation``; this view only reads the
request.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from drf_spectacular.utils import extend_schema
from rest_framework import parsers
from rest_framework.request import Request
from rest_framework.response import Response

from clerk_users import errors
from clerk_users.api.frontend.base import FrontendAPIView
from clerk_users.api.frontend.serializers import envelope_of
from clerk_users.api.image_uploads import (
    ImageSerializer,
    ProfileImageUploadSerializer,
    check_content_length,
    uploaded_file,
)
from clerk_users.api.serializers import DeletedObjectSerializer, deleted_json
from clerk_users.app_settings import app_settings
from clerk_users.images import profile as images
from clerk_users.images.validation import too_large

ImageEnvelope = envelope_of("FrontendImageResponse", ImageSerializer())
DeletedImageEnvelope = envelope_of("FrontendDeletedImageResponse", DeletedObjectSerializer())


class OctetStreamParser(parsers.BaseParser):
    """``setProfileImage({file: "<string>"})``: ClerkJS sends the string itself as the body
    (``application/octet-stream``). A text body is read as base64 or a ``data:`` URL, as the
    ``file`` form field is; anything else is taken as the image's bytes."""

    media_type = "application/octet-stream"

    def parse(self, stream: Any, media_type: Any = None, parser_context: Any = None) -> Any:
        limit = app_settings.IMAGE_MAX_BYTES * 4 // 3 + 1024
        data = stream.read(limit + 1) if stream is not None else b""
        if len(data) > limit:
            raise too_large(app_settings.IMAGE_MAX_BYTES)
        try:
            text = data.decode("ascii").strip()
        except UnicodeDecodeError:
            return {"file": ContentFile(data, name="upload")}
        return {"file": text}


class ProfileImageView(FrontendAPIView):
    parser_classes = [*FrontendAPIView.parser_classes, OctetStreamParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        if request.method == "POST":
            check_content_length(request)
        super().initial(request, *args, **kwargs)

    @extend_schema(
        operation_id="set_my_profile_image",
        request={"multipart/form-data": ProfileImageUploadSerializer},
        responses={200: ImageEnvelope},
        tags=["me"],
    )
    def post(self, request: Request) -> Response:
        image = images.set_profile_image(request.user, uploaded_file(request))
        assert image is not None
        return self.respond(images.image_json(image))

    @extend_schema(
        operation_id="delete_my_profile_image",
        request=None,
        responses={200: DeletedImageEnvelope},
        tags=["me"],
    )
    def delete(self, request: Request) -> Response:
        removed = images.remove_profile_image(request.user)
        if removed is None:
            raise errors.NotFound("The user has no profile image.")
        return self.respond(deleted_json("image", removed))
