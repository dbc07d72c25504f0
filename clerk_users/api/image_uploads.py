"""What both APIs share for ``POST .../profile_image``: the early size check, the ``file``
part and the schema of Clerk's ``image`` resource."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.core.files.base import ContentFile, File
from rest_framework import serializers

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.images.validation import too_large

# Room for the multipart boundaries and part headers around the file itself.
MULTIPART_OVERHEAD = 64 * 1024


def check_content_length(request: Any) -> None:
    """Refuse (413) a body that cannot hold an acceptable image, before it is read at all."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    max_bytes = app_settings.IMAGE_MAX_BYTES
    if length > max_bytes + MULTIPART_OVERHEAD:
        raise too_large(max_bytes)


def _memory_limit() -> int:
    return int(getattr(settings, "DATA_UPLOAD_MAX_MEMORY_SIZE", None) or 2_621_440) * 3 // 4


def decode_base64_file(value: str) -> ContentFile:
    """``file`` sent as a string (ClerkJS accepts ``setProfileImage({file: "<base64>"})``):
    plain base64 or a ``data:image/...;base64,`` URL. The encoded length is checked against
    the byte cap before anything is decoded. Form and multipart string fields are also capped
    by Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (2.5 MB): send larger images as files."""
    max_bytes = app_settings.IMAGE_MAX_BYTES
    if value.startswith("data:"):
        header, _, value = value.partition(",")
        if not header.endswith(";base64"):
            raise errors.format_invalid("file", "file must be a file or a base64 encoded image.")
    if len(value) > (max_bytes + 2) // 3 * 4 + 4:
        raise too_large(max_bytes)
    try:
        data = base64.b64decode("".join(value.split()), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.format_invalid(
            "file", "file must be a file or a base64 encoded image."
        ) from exc
    return ContentFile(data, name="upload")


def uploaded_file(request: Any) -> Any:
    """The multipart ``file`` part (or a base64 string), else Clerk's 422."""
    try:
        upload = request.FILES.get("file") if hasattr(request, "FILES") else None
        data = request.data
    except RequestDataTooBig as exc:  # a base64 string over DATA_UPLOAD_MAX_MEMORY_SIZE
        raise too_large(min(app_settings.IMAGE_MAX_BYTES, _memory_limit())) from exc
    if upload is not None:
        return upload
    value = data.get("file") if hasattr(data, "get") else None
    if isinstance(value, File):  # a raw ``application/octet-stream`` body
        return value
    if isinstance(value, str) and value:
        return decode_base64_file(value)
    if value not in (None, ""):
        raise errors.format_invalid("file", "file must be a file or a base64 encoded image.")
    raise errors.param_missing("file")


class ImageSerializer(serializers.Serializer):
    """Clerk's ``image`` resource (schema only; ``images.image_json`` builds it)."""

    object = serializers.CharField()
    id = serializers.CharField()
    name = serializers.CharField()
    public_url = serializers.CharField()


class ProfileImageUploadSerializer(serializers.Serializer):
    """``multipart/form-data`` body with one ``file`` part."""

    file = serializers.FileField()
