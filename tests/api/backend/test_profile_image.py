"""``POST|DELETE /users/{id}/profile_image`` through Clerk's official SDK.

``users.set_profile_image`` sends ``multipart/form-data`` with one ``file`` part; the live
server tests run the SDK over real HTTP (and real commits), the others route the SDK's exact
request bytes into Django's test client through an httpx transport, so the whole hostile
corpus runs inside one test transaction.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from clerk_backend_api import Clerk, models
from django.core.files.base import ContentFile

from clerk_users.models import Image, User
from tests.images import corpus

from .conftest import BASE, error_code


@pytest.fixture
def storage(settings: Any) -> Any:
    return corpus.fresh_storage(settings)


@pytest.fixture
def sdk(client: Any, secret_key: str, django_capture_on_commit_callbacks: Any) -> Any:
    """The SDK whose HTTP requests are served by Django's test client, on-commit work run."""

    def handler(request: httpx.Request) -> httpx.Response:
        headers = {
            key: value
            for key, value in request.headers.items()
            if key.lower() not in {"content-type", "content-length", "host"}
        }
        with django_capture_on_commit_callbacks(execute=True):
            response = client.generic(
                request.method,
                request.url.raw_path.decode(),
                request.read(),
                content_type=request.headers.get("content-type", ""),
                headers=headers,
            )
        return httpx.Response(
            response.status_code, headers=dict(response.items()), content=response.content
        )

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with Clerk(bearer_auth=secret_key, server_url="http://testserver" + BASE, client=http) as sdk:
        yield sdk


def send(sdk: Any, user_id: str, data: bytes, name: str = "avatar.jpg") -> models.User:
    file = {"file_name": name, "content": data, "content_type": "image/jpeg"}
    return sdk.users.set_profile_image(user_id=user_id, file=file)


@pytest.mark.django_db
def test_set_and_delete_through_the_sdk(sdk: Any, user: Any, storage: Any) -> None:
    updated = send(sdk, user.pk, corpus.jpeg_with_gps_exif())
    assert isinstance(updated, models.User) and updated.id == user.pk
    assert updated.has_image is True
    image = Image.objects.get()
    url = f"http://testserver/media/{image.path}"
    assert updated.image_url == url and updated.profile_image_url == url
    assert corpus.stored_names(storage) == [image.path]
    stored = storage.open(image.path).read()
    assert b"Exif" not in stored and b"GPS" not in stored

    replaced = send(sdk, user.pk, corpus.png(), name="../../x.png")
    assert replaced.image_url != url
    assert corpus.stored_names(storage) == [Image.objects.get().path]

    removed = sdk.users.delete_profile_image(user_id=user.pk)
    assert isinstance(removed, models.User) and removed.has_image is False
    assert removed.image_url.startswith("http://testserver/api/frontend/v1/avatars/v1/GH/")
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()
    again = sdk.users.delete_profile_image(user_id=user.pk)  # idempotent, as Clerk
    assert again.has_image is False


# SetUserProfileImage documents 400/401/404 as ClerkErrors: bad files are 400 (not 422 or 413)
# so the SDK raises its typed ClerkErrors.
CORPUS = [
    ("bomb", lambda: corpus.png_declaring(50000, 50000), 400, "image_dimensions_too_large"),
    ("truncated_jpeg", corpus.truncated_jpeg, 400, "image_invalid"),
    ("zero_bytes", corpus.zero_bytes, 400, "image_invalid"),
    ("text_named_png", corpus.text_file, 400, "image_format_unsupported"),
    ("svg_with_script", corpus.svg_with_script, 400, "image_format_unsupported"),
    ("png_with_html", corpus.png_with_html, 400, "image_invalid"),
    ("tiff", corpus.tiff_file, 400, "image_format_unsupported"),
    ("oversized", lambda: corpus.oversized(10 * 1024 * 1024), 400, "image_too_large"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("label", "build", "status", "code"), CORPUS, ids=[c[0] for c in CORPUS])
def test_hostile_files_through_the_sdk(
    sdk: Any, user: Any, storage: Any, label: str, build: Any, status: int, code: str
) -> None:
    with pytest.raises(models.ClerkErrors) as info:
        send(sdk, user.pk, build())
    response = info.value.raw_response
    assert response.status_code == status
    body = response.json()
    assert body["errors"][0]["code"] == code and body["errors"][0]["meta"]["param_name"] == "file"
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()
    assert User.objects.get(pk=user.pk).profile_image_id is None


@pytest.mark.django_db
def test_accepted_corpus_through_the_sdk(sdk: Any, user: Any, storage: Any) -> None:
    for data in (corpus.cmyk_jpeg(), corpus.png_16bit(), corpus.animated_gif(frames=2000)):
        assert send(sdk, user.pk, data).has_image is True
    assert len(corpus.stored_names(storage)) == 1


@pytest.mark.django_db
def test_errors(sdk: Any, api: Any, user: Any, client: Any, storage: Any) -> None:
    with pytest.raises(models.ClerkErrors) as info:
        send(sdk, "user_missing", corpus.png())
    assert error_code(info.value) == "resource_not_found"
    with pytest.raises(models.ClerkErrors) as info:
        sdk.users.delete_profile_image(user_id="user_missing")
    assert error_code(info.value) == "resource_not_found"
    # The SDK sends an empty multipart body when ``file`` is omitted.
    with pytest.raises(models.ClerkErrors) as sdk_error:
        sdk.users.set_profile_image(user_id=user.pk)
    assert sdk_error.value.raw_response.status_code == 400
    assert sdk_error.value.raw_response.json()["errors"][0]["code"] == "form_param_missing"
    response = client.post(BASE + f"/users/{user.pk}/profile_image", {})  # no key
    assert response.status_code == 401
    assert corpus.stored_names(storage) == []


@pytest.mark.django_db(transaction=True)
def test_live_server_round_trip(clerk: Any, live_server: Any, settings: Any) -> None:
    storage = corpus.fresh_storage(settings)
    user = User.objects.create_user(username="ada_l", first_name="Ada", last_name="Lovelace")
    updated = send(clerk, user.pk, corpus.jpeg(1600, 1200))
    image = Image.objects.get()
    assert updated.has_image and updated.image_url == f"{live_server.url}/media/{image.path}"
    assert (image.width, image.height) == (1024, 768)
    assert corpus.stored_names(storage) == [image.path]  # written after the real commit
    with pytest.raises(models.ClerkErrors) as info:
        send(clerk, user.pk, corpus.png_with_html())
    assert info.value.raw_response.status_code == 400
    removed = clerk.users.delete_profile_image(user_id=user.pk)
    assert removed.has_image is False and removed.image_url.startswith(live_server.url)
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()


@pytest.mark.django_db
def test_user_list_with_images_costs_no_query_per_user(
    api: Any, make_user: Any, storage: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add_users(count: int) -> None:
        for _ in range(count):
            with django_capture_on_commit_callbacks(execute=True):
                make_user().set_profile_image(ContentFile(corpus.gif()))

    def list_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = api.get("/users", {"limit": 100})
        assert response.status_code == 200
        assert all(
            u["has_image"] and "/media/profile_images/" in u["image_url"] for u in response.json()
        )
        return len(queries)

    add_users(2)
    list_queries()  # warm-up: the secret key's first use writes its last_used_at
    few = list_queries()
    add_users(10)
    print(f"GET /users queries: {few} for 2 users")
    assert list_queries() == few  # constant: profile_image is prefetched, URLs need no query
