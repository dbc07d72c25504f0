"""The example site's media files (uploaded profile images), served with ``DEBUG=0`` too.

Production-shaped: the app stores images through Django's storage API and links to
``storage.url(name)``; whatever serves that URL is the site's choice. A real deployment points
``MEDIA_URL`` at its web server or uses a bucket storage (S3 and the like: ``url()`` is then the
bucket's and this view is never reached). The example has no web server in front, so this view
answers ``MEDIA_URL<name>`` by reading ``default_storage`` (never the disk directly), for image
files only, with the headers a static file server would send. Not part of ``clerk_users``.
"""

from __future__ import annotations

import mimetypes
import posixpath

from django.core.exceptions import SuspiciousFileOperation
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_safe

# What the app stores (profile images are re-encoded to WebP); never SVG or HTML.
SERVED_TYPES = {"image/webp", "image/png", "image/jpeg", "image/gif"}


@require_safe
def serve(request: HttpRequest, name: str) -> FileResponse:
    name = posixpath.normpath(name).lstrip("/")
    content_type, _ = mimetypes.guess_type(name)
    if name.startswith("..") or content_type not in SERVED_TYPES:
        raise Http404("No such media file.")
    try:
        if not default_storage.exists(name):
            raise Http404("No such media file.")
        handle = default_storage.open(name, "rb")
    except (SuspiciousFileOperation, OSError) as exc:
        raise Http404("No such media file.") from exc
    response = FileResponse(handle, content_type=content_type)
    # Names are unique per upload (profile_images/<img_id>.webp): safe to cache for long.
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response
