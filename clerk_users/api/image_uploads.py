"""What both APIs share for ``POST .../profile_image``: the early size check, the ``file``
part and the schema of Clerk's ``image`` resource."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from clerk_users import errors
from clerk_users.app_settings import app_settings
from clerk_users.image_validation import too_large

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


def uploaded_file(request: Any) -> Any:
    """The multipart ``file`` part, or Clerk's 422 when it is missing or not a file."""
    upload = request.FILES.get("file") if hasattr(request, "FILES") else None
    if upload is not None:
        return upload
    data = request.data
    value = data.get("file") if hasattr(data, "get") else None
    if value not in (None, ""):
        raise errors.format_invalid("file", "file must be sent as a multipart/form-data file.")
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
