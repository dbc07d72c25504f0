"""The profile image on the admin's user change page, through the test client."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from clerk_users.models import Image, User
from tests.admin.helpers import change_data, change_url
from tests.images import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings: Any) -> Any:
    return corpus.fresh_storage(settings)


def post(client: Any, user: Any, capture: Any, **overrides: Any) -> Any:
    data = change_data(client, user)
    data.update(overrides)
    with capture(execute=True):
        return client.post(change_url(user), data)


def test_change_page_shows_thumbnail_and_upload_fields(staff_client: Any, user: Any) -> None:
    page = staff_client.get(change_url(user)).content.decode()
    assert "Profile image" in page and 'enctype="multipart/form-data"' in page
    assert 'name="profile_image_file"' in page and 'name="remove_profile_image"' in page
    assert f'src="{user.image_url}"' in page and "default avatar" in page


def test_upload_replace_and_remove(
    staff_client: Any,
    user: Any,
    storage: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    upload = SimpleUploadedFile("x.jpg", corpus.jpeg_with_gps_exif(), "image/jpeg")
    response = post(
        staff_client, user, django_capture_on_commit_callbacks, profile_image_file=upload
    )
    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    image = Image.objects.get()
    assert user.profile_image_id == image.pk and corpus.stored_names(storage) == [image.path]
    assert b"GPS" not in storage.open(image.path).read()
    page = staff_client.get(change_url(user)).content.decode()
    assert f"/media/{image.path}" in page and "uploaded image" in page

    upload = SimpleUploadedFile("y.png", corpus.png(), "image/png")
    post(staff_client, user, django_capture_on_commit_callbacks, profile_image_file=upload)
    second = Image.objects.get()
    assert second.pk != image.pk and corpus.stored_names(storage) == [second.path]

    response = post(
        staff_client, user, django_capture_on_commit_callbacks, remove_profile_image="on"
    )
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).profile_image_id is None
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()


def test_refused_upload_is_a_form_error(
    staff_client: Any,
    user: Any,
    storage: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    for data in (
        corpus.png_with_html(),
        corpus.svg_with_script(),
        corpus.png_declaring(50000, 50000),
    ):
        upload = SimpleUploadedFile("evil.png", data, "image/png")
        response = post(
            staff_client, user, django_capture_on_commit_callbacks, profile_image_file=upload
        )
        assert response.status_code == 200
        assert "profile_image_file" in response.context["adminform"].form.errors
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()


def test_admin_save_does_not_overwrite_a_newer_image(
    staff_client: Any,
    user: Any,
    storage: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    data = change_data(staff_client, user)  # the page was loaded before the upload
    with django_capture_on_commit_callbacks(execute=True):
        image = user.set_profile_image(SimpleUploadedFile("a.gif", corpus.gif()))
        data["first_name"] = "Amazing"
        assert staff_client.post(change_url(user), data).status_code == 302
    user.refresh_from_db()
    assert user.first_name == "Amazing" and user.profile_image_id == image.pk
