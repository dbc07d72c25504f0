"""``POST|DELETE /me/profile_image`` (ClerkJS ``user.setProfileImage``) and default avatars."""

from __future__ import annotations

import base64
import io
from typing import Any
from unittest import mock

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from PIL import Image as PILImage

from clerk_users.images import avatars
from clerk_users.models import Image
from tests.api.frontend.conftest import PREFIX, FrontendClient, error_code
from tests.images import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings: Any) -> Any:
    return corpus.fresh_storage(settings)


def post_file(api: FrontendClient, data: dict[str, Any], path: str = "me/profile_image") -> Any:
    """A multipart POST as a browser's ``FormData`` sends it (Django's client encodes it)."""
    return api.client.post(PREFIX + path, data, HTTP_X_CSRFTOKEN=api.csrf)


@pytest.fixture
def send(api: FrontendClient, django_capture_on_commit_callbacks: Any) -> Any:
    """POST a file as ClerkJS does (multipart ``file``), running on-commit work."""

    def run(data: bytes, name: str = "avatar.png", content_type: str = "image/png") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            upload = SimpleUploadedFile(name, data, content_type=content_type)
            return post_file(api, {"file": upload})

    return run


def test_upload_answers_the_image_and_me_shows_it(
    api: FrontendClient, send: Any, storage: Any, user: Any
) -> None:
    response = send(corpus.jpeg_with_gps_exif(), name="me.jpg", content_type="image/jpeg")
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"response", "client"}
    image = body["response"]
    assert set(image) == {"object", "id", "name", "public_url"}
    assert image["object"] == "image" and image["id"].startswith("img_")
    assert image["public_url"] == f"http://testserver/media/profile_images/{image['id']}.webp"
    assert corpus.stored_names(storage) == [f"profile_images/{image['id']}.webp"]
    stored = storage.open(f"profile_images/{image['id']}.webp").read()
    assert b"Exif" not in stored and b"GPS" not in stored

    me = api.get("me").json()["response"]
    assert me["has_image"] is True and me["profile_image_id"] == image["id"]
    assert me["image_url"] == image["public_url"]


CORPUS = [
    ("bomb", lambda: corpus.png_declaring(50000, 50000), 422, "image_dimensions_too_large"),
    ("truncated_jpeg", corpus.truncated_jpeg, 422, "image_invalid"),
    ("zero_bytes", corpus.zero_bytes, 422, "image_invalid"),
    ("text_named_png", corpus.text_file, 422, "image_format_unsupported"),
    ("svg_with_script", corpus.svg_with_script, 422, "image_format_unsupported"),
    ("png_with_html", corpus.png_with_html, 422, "image_invalid"),
    ("tiff", corpus.tiff_file, 422, "image_format_unsupported"),
    ("eps", corpus.eps_file, 422, "image_format_unsupported"),
    ("psd", corpus.psd_file, 422, "image_format_unsupported"),
    ("html", corpus.html_file, 422, "image_format_unsupported"),
]


@pytest.mark.parametrize(("label", "build", "status", "code"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_uploads_get_clerk_errors_and_store_nothing(
    send: Any, storage: Any, user: Any, label: str, build: Any, status: int, code: str
) -> None:
    response = send(build())
    assert response.status_code == status, response.content
    assert error_code(response) == code
    assert response.json()["errors"][0]["meta"] == {"param_name": "file"}
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()
    user.refresh_from_db()
    assert user.profile_image_id is None


def test_accepted_corpus(send: Any, storage: Any) -> None:
    for data in (
        corpus.cmyk_jpeg(),
        corpus.png_16bit(),
        corpus.animated_gif(frames=2000),
        corpus.webp(),
        corpus.png_with_metadata(),
    ):
        response = send(data)
        assert response.status_code == 200, response.content
        stored = storage.open(f"profile_images/{response.json()['response']['id']}.webp")
        assert PILImage.open(stored).mode in {"RGB", "RGBA"}
    assert len(corpus.stored_names(storage)) == 1  # each upload replaced the previous one


def test_oversized_body_is_refused_before_it_is_parsed(
    settings: Any, api: FrontendClient, storage: Any
) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, "IMAGE_MAX_BYTES": 1000}
    data = corpus.oversized(200_000)
    with mock.patch(
        "rest_framework.parsers.MultiPartParser.parse", side_effect=AssertionError("parsed")
    ):
        response = post_file(api, {"file": SimpleUploadedFile("a.jpg", data)})
    assert response.status_code == 413 and error_code(response) == "image_too_large"
    # Within the multipart overhead allowance the file itself is still measured.
    small = corpus.oversized(1000)
    response = post_file(api, {"file": SimpleUploadedFile("a.jpg", small)})
    assert response.status_code == 413 and error_code(response) == "image_too_large"
    assert corpus.stored_names(storage) == []


def test_missing_or_non_file_part(api: FrontendClient, storage: Any) -> None:
    response = post_file(api, {"other": "value"})
    assert response.status_code == 422 and error_code(response) == "form_param_missing"
    response = api.post("me/profile_image", {"file": "not base64!"}, body="form")
    assert response.status_code == 422 and error_code(response) == "form_param_format_invalid"
    response = api.post("me/profile_image", {"file": ["a", "b"]}, body="json")
    assert response.status_code == 422 and error_code(response) == "form_param_format_invalid"
    assert corpus.stored_names(storage) == []


def test_base64_string_file(
    settings: Any, api: FrontendClient, storage: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """ClerkJS's ``setProfileImage({file: string})`` appends the string to the FormData."""
    encoded = base64.b64encode(corpus.png()).decode()
    for value in (encoded, "data:image/png;base64," + encoded):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_file(api, {"file": value})
        assert response.status_code == 200, response.content
    assert len(corpus.stored_names(storage)) == 1
    hostile = base64.b64encode(corpus.svg_with_script()).decode()
    response = post_file(api, {"file": "data:image/svg+xml;base64," + hostile})
    assert response.status_code == 422 and error_code(response) == "image_format_unsupported"
    # A string over Django's DATA_UPLOAD_MAX_MEMORY_SIZE (2.5 MB): 413, not a 500.
    huge = base64.b64encode(b"\xff" * 3_000_000).decode()
    for body in ("multipart", "form", "json"):
        if body == "multipart":
            response = post_file(api, {"file": huge})
        else:
            response = api.post("me/profile_image", {"file": huge}, body=body)
        assert response.status_code == 413, (body, response.content)
    settings.CLERK_USERS = {**settings.CLERK_USERS, "IMAGE_MAX_BYTES": 1000}
    response = post_file(api, {"file": base64.b64encode(b"x" * 2000).decode()})
    assert response.status_code == 413 and error_code(response) == "image_too_large"


def test_delete_answers_a_deleted_image(
    api: FrontendClient, send: Any, storage: Any, django_capture_on_commit_callbacks: Any
) -> None:
    image_id = send(corpus.png()).json()["response"]["id"]
    with django_capture_on_commit_callbacks(execute=True):
        response = api.delete("me/profile_image")
    assert response.status_code == 200
    assert response.json()["response"] == {"object": "image", "id": image_id, "deleted": True}
    assert corpus.stored_names(storage) == []
    me = api.get("me").json()["response"]
    assert me["has_image"] is False and me["profile_image_id"] is None
    assert me["image_url"].startswith("http://testserver/api/frontend/v1/avatars/v1/")
    response = api.delete("me/profile_image")
    assert response.status_code == 404 and error_code(response) == "resource_not_found"


def test_clerkjs_method_override_delete(api: FrontendClient, send: Any, storage: Any) -> None:
    send(corpus.png())
    response = api.post("me/profile_image?_method=DELETE", {}, body="form")
    assert response.status_code == 200 and response.json()["response"]["deleted"] is True


def test_signed_out_and_csrf(frontend: Any, user: Any, storage: Any) -> None:
    upload = {"file": SimpleUploadedFile("a.png", corpus.png())}
    response = post_file(frontend(), upload)
    assert response.status_code == 401
    upload["file"].seek(0)
    no_csrf = frontend(user)
    response = no_csrf.client.post(PREFIX + "me/profile_image", upload)
    assert response.status_code == 403
    assert corpus.stored_names(storage) == []


def test_default_avatar_view(user: Any) -> None:
    index = avatars.color_index(user.pk)
    url = f"/api/frontend/v1/avatars/v1/GH/{index}.png"
    response = Client().get(url)  # public: no session needed
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert (
        "immutable" in response["Cache-Control"] and "max-age=31536000" in response["Cache-Control"]
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    picture = PILImage.open(io.BytesIO(response.content))
    assert picture.size == (256, 256)
    assert picture.getpixel((3, 3)) == PILImage.new("RGB", (1, 1), avatars.PALETTE[index]).getpixel(
        (0, 0)
    )
    assert len(picture.getcolors(maxcolors=65536) or []) > 2  # the initials are drawn
    for bad in (
        "v1/gh/1.png",
        "v1/ABC/1.png",
        "v1/GH/99.png",
        "v2/GH/1.png",
        "v1/%3Cs%3E/1.png",
        "v1/GH%0A/1.png",  # a trailing newline (``$`` matches before it)
        "v1/_%0A/1.png",
    ):
        response = Client().get(f"/api/frontend/v1/avatars/{bad}")
        assert response.status_code == 404 and error_code(response) == "resource_not_found"


def test_default_avatar_is_cached(user: Any) -> None:
    from django.core.cache import cache

    cache.clear()
    with mock.patch.object(avatars, "_render", wraps=avatars._render) as render:
        for _ in range(3):
            assert Client().get("/api/frontend/v1/avatars/v1/AB/2.png").status_code == 200
    assert render.call_count == 1


def test_any_body_over_djangos_memory_limit_is_413_not_500(api: FrontendClient) -> None:
    """Foundation fix in ``api/errors.py``: Django's ``RequestDataTooBig`` is a Clerk 413."""
    response = api.patch("me", {"first_name": "x" * 3_000_000}, body="json")
    assert response.status_code == 413
    assert error_code(response) == "request_body_too_large"
