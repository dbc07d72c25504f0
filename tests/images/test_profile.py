"""Profile images through the Python API: the hostile corpus, re-encoding, storage and URLs."""

from __future__ import annotations

import io
import time
from typing import Any
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import InMemoryStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from PIL import Image as PILImage

from clerk_users.errors import ClerkError
from clerk_users.images import avatars
from clerk_users.images import profile as images
from clerk_users.models import ExternalAccount, Image, User
from tests.images import corpus

pytestmark = pytest.mark.django_db


@pytest.fixture
def storage(settings: Any) -> Any:
    return corpus.fresh_storage(settings)


@pytest.fixture
def upload(django_capture_on_commit_callbacks: Any) -> Any:
    """``set_profile_image`` with its on-commit work (file write/delete) run, as in production."""

    def run(user: Any, data: bytes | None, name: str = "avatar.png") -> Any:
        with django_capture_on_commit_callbacks(execute=True):
            return user.set_profile_image(None if data is None else ContentFile(data, name=name))

    return run


def limits(settings: Any, **values: Any) -> None:
    settings.CLERK_USERS = {**settings.CLERK_USERS, **values}


REFUSED = [
    (
        "bomb_50000x50000",
        lambda: corpus.png_declaring(50000, 50000),
        422,
        "image_dimensions_too_large",
    ),
    (
        "over_pixel_cap_8000x8000",
        lambda: corpus.png_declaring(8000, 8000),
        422,
        "image_dimensions_too_large",
    ),
    ("truncated_jpeg", corpus.truncated_jpeg, 422, "image_invalid"),
    ("zero_bytes", corpus.zero_bytes, 422, "image_invalid"),
    ("text_named_png", corpus.text_file, 422, "image_format_unsupported"),
    ("svg_with_script", corpus.svg_with_script, 422, "image_format_unsupported"),
    ("png_with_html", corpus.png_with_html, 422, "image_invalid"),
    ("webp_with_zip", corpus.webp_with_trailer, 422, "image_invalid"),
    ("html", corpus.html_file, 422, "image_format_unsupported"),
    ("eps", corpus.eps_file, 422, "image_format_unsupported"),
    ("psd", corpus.psd_file, 422, "image_format_unsupported"),
    ("tiff", corpus.tiff_file, 422, "image_format_unsupported"),
    ("oversized", lambda: corpus.oversized(10 * 1024 * 1024), 413, "image_too_large"),
    ("jpeg_2000_scans", corpus.jpeg_with_many_scans, 422, "image_invalid"),
    ("png_ztxt_bomb", corpus.png_ztxt_bomb, 422, "image_invalid"),
]


@pytest.mark.parametrize(
    ("label", "build", "status", "code"), REFUSED, ids=[case[0] for case in REFUSED]
)
def test_hostile_files_are_refused_and_store_nothing(
    user: Any, storage: Any, upload: Any, label: str, build: Any, status: int, code: str
) -> None:
    data = build()
    with pytest.raises(ClerkError) as info:
        upload(user, data, name="avatar.png")
    assert (info.value.status, info.value.clerk_code) == (status, code)
    assert info.value.param_name == "file" and info.value.long_message
    assert corpus.stored_names(storage) == []
    assert not Image.objects.exists()
    user.refresh_from_db()
    assert user.profile_image_id is None and not user.has_image


def test_refusal_keeps_the_previous_image(user: Any, storage: Any, upload: Any) -> None:
    image = upload(user, corpus.jpeg())
    with pytest.raises(ClerkError):
        upload(user, corpus.png_with_html())
    user.refresh_from_db()
    assert user.profile_image_id == image.pk
    assert corpus.stored_names(storage) == [image.path]


def test_bomb_is_refused_from_the_header_without_decoding(user: Any, storage: Any) -> None:
    data = corpus.png_declaring(50000, 50000)
    assert len(data) < 4096
    with (
        mock.patch.object(PILImage.Image, "load", side_effect=AssertionError("decoded")),
        mock.patch("PIL.ImageFile.ImageFile.load", side_effect=AssertionError("decoded")),
    ):
        for declared in ((50000, 50000), (8000, 8000)):
            with pytest.raises(ClerkError) as info:
                images.process_upload(corpus.png_declaring(*declared))
            assert info.value.clerk_code == "image_dimensions_too_large"


def test_pixel_cap_is_configurable(settings: Any, user: Any, storage: Any, upload: Any) -> None:
    limits(settings, IMAGE_MAX_PIXELS=64 * 48 - 1)
    with pytest.raises(ClerkError) as info:
        upload(user, corpus.jpeg(64, 48))
    assert info.value.clerk_code == "image_dimensions_too_large"
    limits(settings, IMAGE_MAX_PIXELS=64 * 48)
    assert upload(user, corpus.jpeg(64, 48)).width == 64


def test_decompression_bomb_warning_is_an_error(user: Any, storage: Any) -> None:
    # Over Pillow's warning threshold (but under its error one): the warning must refuse.
    with mock.patch.object(PILImage, "MAX_IMAGE_PIXELS", 2000):
        with pytest.raises(ClerkError) as info:
            images.process_upload(corpus.jpeg(64, 48))  # 3072 pixels
    assert info.value.clerk_code == "image_dimensions_too_large"


def test_size_is_checked_before_reading(settings: Any) -> None:
    limits(settings, IMAGE_MAX_BYTES=1000)

    class Huge:
        size = 10**9

        def read(self, *args: Any) -> bytes:
            raise AssertionError("read before the size check")

    with pytest.raises(ClerkError) as info:
        images.process_upload(Huge())  # type: ignore[arg-type]
    assert (info.value.status, info.value.clerk_code) == (413, "image_too_large")

    class Stream:  # no size, no seek: read at most cap + 1 bytes
        asked: list[int] = []

        def read(self, n: int = -1) -> bytes:
            self.asked.append(n)
            return b"\xff" * (n if n >= 0 else 10**6)

    stream = Stream()
    with pytest.raises(ClerkError) as info:
        images.process_upload(stream)  # type: ignore[arg-type]
    assert info.value.status == 413 and stream.asked == [1001]


def test_jpeg_with_gps_exif_is_stored_without_any_metadata(
    user: Any, storage: Any, upload: Any
) -> None:
    source = corpus.jpeg_with_gps_exif(80, 40)
    assert PILImage.open(io.BytesIO(source)).getexif().get_ifd(corpus.GPS_IFD)
    image = upload(user, source, name="holiday.jpg")
    stored = storage.open(image.path).read()
    assert corpus.webp_chunks(stored) in ([b"VP8 "], [b"VP8L"])  # pixels only, no VP8X
    for needle in (b"Exif", b"EXIF", b"XMP", b"ICCP", b"Secret Camera", b"GPS"):
        assert needle not in stored
    reopened = PILImage.open(io.BytesIO(stored))
    assert reopened.format == "WEBP" and not reopened.getexif()
    assert not {"exif", "icc_profile", "xmp"} & set(reopened.info)
    # Orientation 6 was applied: the 80x40 landscape is stored as a 40x80 portrait.
    assert (image.width, image.height) == reopened.size == (40, 80)
    assert image.content_type == "image/webp" and image.size == len(stored)


def test_png_text_icc_and_xmp_are_dropped(user: Any, storage: Any, upload: Any) -> None:
    source = corpus.png_with_metadata()
    assert b"private note" in source and b"iCCP" in source
    stored = storage.open(upload(user, source).path).read()
    assert corpus.webp_chunks(stored) in ([b"VP8 "], [b"VP8L"])
    assert b"private note" not in stored and b"xmpmeta" not in stored


def test_cmyk_jpeg_and_16_bit_png_are_converted(user: Any, storage: Any, upload: Any) -> None:
    cmyk = upload(user, corpus.cmyk_jpeg())
    assert PILImage.open(storage.open(cmyk.path)).mode == "RGB"
    sixteen = upload(user, corpus.png_16bit(64, 48))
    picture = PILImage.open(storage.open(sixteen.path)).convert("L")
    assert picture.getpixel((4, 24)) >= 250  # 65535 became white, not clipped garbage
    assert picture.getpixel((60, 24)) <= 5


def test_transparency_is_kept(user: Any, storage: Any, upload: Any) -> None:
    source = PILImage.new("RGBA", (32, 32), (255, 0, 0, 0))
    source.paste((0, 0, 255, 255), (0, 0, 16, 32))
    out = io.BytesIO()
    source.save(out, format="PNG")
    stored = PILImage.open(storage.open(upload(user, out.getvalue()).path))
    assert stored.mode == "RGBA"
    assert stored.getpixel((28, 16))[3] == 0 and stored.getpixel((4, 16))[3] == 255


def test_animated_gif_becomes_its_first_frame_quickly(user: Any, storage: Any, upload: Any) -> None:
    source = corpus.animated_gif(frames=3000)
    assert PILImage.open(io.BytesIO(source)).n_frames == 3000
    started = time.perf_counter()
    image = upload(user, source, name="anim.gif")
    assert time.perf_counter() - started < 2
    stored = PILImage.open(storage.open(image.path))
    assert getattr(stored, "n_frames", 1) == 1 and not getattr(stored, "is_animated", False)


def test_large_images_are_downscaled(settings: Any, user: Any, storage: Any, upload: Any) -> None:
    limits(settings, IMAGE_MAX_SIDE=256)
    image = upload(user, corpus.jpeg(1200, 600))
    assert (image.width, image.height) == (256, 128)
    assert PILImage.open(storage.open(image.path)).size == (256, 128)
    for source in (corpus.png(900, 300), corpus.webp(300, 900), corpus.gif(600, 200)):
        assert max(PILImage.open(storage.open(upload(user, source).path)).size) == 256


def test_stored_name_is_generated_by_the_server(user: Any, storage: Any, upload: Any) -> None:
    image = upload(user, corpus.png(), name="../../etc/passwd<script>.png")
    assert image.path == f"profile_images/{image.pk}.webp"
    assert image.name == f"{image.pk}.webp" and image.pk.startswith("img_")
    assert corpus.stored_names(storage) == [image.path]
    assert image.to_json() == {
        "object": "image",
        "id": image.pk,
        "name": image.name,
        "public_url": f"/media/{image.path}",
    }


def test_configured_storage_is_used(settings: Any, user: Any, upload: Any) -> None:
    from django.core.files.storage import default_storage, storages

    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "avatars": {
            "BACKEND": "django.core.files.storage.InMemoryStorage",
            "OPTIONS": {"base_url": "https://cdn.example.com/avatars/"},
        },
    }
    limits(settings, IMAGE_STORAGE="avatars")
    image = upload(user, corpus.jpeg())
    assert corpus.stored_names(storages["avatars"]) == [image.path]
    assert corpus.stored_names(default_storage) == []
    assert user.image_url == f"https://cdn.example.com/avatars/{image.path}"


def test_replace_deletes_the_old_file_only_after_commit(
    user: Any, storage: Any, upload: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = upload(user, corpus.jpeg())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        second = user.set_profile_image(ContentFile(corpus.png()))
    # Not committed yet: the old file is still there and the new one is not written.
    assert corpus.stored_names(storage) == [first.path]
    with django_capture_on_commit_callbacks(execute=True):  # "commit": run the post-commit work
        for callback in callbacks:
            callback()
    assert corpus.stored_names(storage) == [second.path]
    assert list(Image.objects.values_list("pk", flat=True)) == [second.pk]
    user.refresh_from_db()
    assert user.profile_image_id == second.pk


def test_remove_with_none(user: Any, storage: Any, upload: Any) -> None:
    image = upload(user, corpus.jpeg())
    assert user.has_image and user.image_url == f"/media/{image.path}"
    assert upload(user, None) is None
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()
    user.refresh_from_db()
    assert not user.has_image and user.image_url  # never empty
    assert images.remove_profile_image(user) is None  # removing nothing is harmless


def test_rollback_leaves_no_file_and_keeps_the_old_one(
    user: Any, storage: Any, upload: Any, django_capture_on_commit_callbacks: Any
) -> None:
    first = upload(user, corpus.jpeg())
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            user.set_profile_image(ContentFile(corpus.png()))
            raise RuntimeError("the caller's transaction fails")
        with pytest.raises(RuntimeError), transaction.atomic():
            images.remove_profile_image(user)
            raise RuntimeError("the caller's transaction fails")
    assert corpus.stored_names(storage) == [first.path]
    assert list(Image.objects.values_list("pk", flat=True)) == [first.pk]
    assert User.objects.get(pk=user.pk).profile_image_id == first.pk


@pytest.mark.django_db(transaction=True)
def test_rollback_of_a_real_transaction_leaves_no_orphan(settings: Any, make_user: Any) -> None:
    storage = corpus.fresh_storage(settings)
    user = make_user()
    first = user.set_profile_image(ContentFile(corpus.jpeg()))  # autocommit: written now
    assert corpus.stored_names(storage) == [first.path]
    with pytest.raises(RuntimeError), transaction.atomic():
        user.set_profile_image(ContentFile(corpus.png()))
        raise RuntimeError("boom")
    assert corpus.stored_names(storage) == [first.path]
    assert list(Image.objects.values_list("pk", flat=True)) == [first.pk]
    second = User.objects.get(pk=user.pk).set_profile_image(ContentFile(corpus.gif()))
    assert corpus.stored_names(storage) == [second.path]


def test_failed_storage_write_keeps_the_previous_image(
    user: Any, storage: Any, upload: Any
) -> None:
    first = upload(user, corpus.jpeg())
    with mock.patch.object(InMemoryStorage, "save", side_effect=OSError("disk full")):
        with pytest.raises(OSError):
            upload(user, corpus.png())
    user.refresh_from_db()
    assert user.profile_image_id == first.pk  # no row pointing at a missing file
    assert list(Image.objects.values_list("pk", flat=True)) == [first.pk]
    assert corpus.stored_names(storage) == [first.path]
    without_image = User.objects.create_user(username="plain_user")
    with mock.patch.object(InMemoryStorage, "save", side_effect=OSError("disk full")):
        with pytest.raises(OSError):
            upload(without_image, corpus.png())
    assert User.objects.get(pk=without_image.pk).profile_image_id is None
    assert Image.objects.count() == 1


def test_file_of_an_image_removed_before_its_write_is_deleted(
    user: Any, storage: Any, django_capture_on_commit_callbacks: Any
) -> None:
    """A concurrent request removed the new image between its commit and its file write."""
    with django_capture_on_commit_callbacks(execute=False) as late:
        first = user.set_profile_image(ContentFile(corpus.jpeg()))
    with django_capture_on_commit_callbacks(execute=True):
        assert images.remove_profile_image(user) == first.pk  # deletes row ``first``
    with django_capture_on_commit_callbacks(execute=True):
        for callback in late:  # the first upload's post-commit work, running late
            callback()
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()


def test_deleting_the_user_deletes_the_image(
    user: Any, storage: Any, upload: Any, django_capture_on_commit_callbacks: Any
) -> None:
    upload(user, corpus.jpeg())
    with django_capture_on_commit_callbacks(execute=True):
        user.delete()
    assert corpus.stored_names(storage) == [] and not Image.objects.exists()


def test_image_url_falls_back_to_external_account_then_avatar(user: Any, storage: Any) -> None:
    index = avatars.color_index(user.pk)
    assert user.image_url == f"/api/frontend/v1/avatars/v1/GH/{index}.png"
    assert user.profile_image_url == user.image_url and not user.has_image
    ExternalAccount.objects.create(
        user=user,
        provider="oauth_github",
        provider_user_id="1",
        image_url="https://avatars.example.com/unverified.png",
        verification_status="unverified",
    )
    ExternalAccount.objects.create(
        user=user,
        provider="oauth_google",
        provider_user_id="2",
        image_url="https://avatars.example.com/g.png",
        verification_status="verified",
    )
    assert User.objects.get(pk=user.pk).image_url == "https://avatars.example.com/g.png"


def test_image_url_is_absolute_with_a_base_url(
    settings: Any, user: Any, storage: Any, upload: Any
) -> None:
    limits(settings, IMAGE_BASE_URL="https://accounts.example.com/")
    assert user.image_url.startswith("https://accounts.example.com/api/frontend/v1/avatars/v1/")
    image = upload(user, corpus.jpeg())
    assert user.image_url == f"https://accounts.example.com/media/{image.path}"


def test_image_fields_cost_no_query_per_user(
    make_user: Any, storage: Any, upload: Any, django_assert_num_queries: Any
) -> None:
    for n in range(6):
        made = make_user(first_name=f"N{n}")
        if n % 2:
            upload(made, corpus.gif())
    users = list(User.objects.with_identifiers().prefetch_related("external_accounts"))
    with django_assert_num_queries(0):
        urls = [(u.image_url, u.has_image, images.profile_image_id(u)) for u in users]
    assert all(url for url, _, _ in urls)
    assert sum(1 for _, has, _ in urls if has) == 3


def test_avatar_initials_and_colour() -> None:
    def person(first: str = "", last: str = "", username: str | None = None) -> Any:
        return User(first_name=first, last_name=last, username=username)

    assert avatars.initials(person("Grace", "Hopper")) == "GH"
    assert avatars.initials(person("Émile", "")) == "E"
    assert avatars.initials(person("", "", "zed")) == "Z"
    assert avatars.initials(person("李", "", None)) == "_"
    assert avatars.color_index("user_1") == avatars.color_index("user_1")
    assert len({avatars.color_index(f"user_{n}") for n in range(200)}) == len(avatars.PALETTE)


def test_avatar_url_follows_the_script_prefix_and_urlconf(settings: Any) -> None:
    """The avatar path is reversed once per initials and colour, never reused under another
    script prefix or URL configuration."""
    from django.urls import set_script_prefix

    person = User(pk="user_avatar", first_name="Ada", last_name="Byron")
    plain = images.default_avatar_url(person)
    assert plain.startswith("/") and "/AB/" in plain
    set_script_prefix("/mounted/")
    try:
        assert images.default_avatar_url(person) == "/mounted" + plain
    finally:
        set_script_prefix("/")
    settings.ROOT_URLCONF = "tests.images.no_frontend_urls"
    assert images.default_avatar_url(person).startswith("data:image/")
    settings.ROOT_URLCONF = "example_project.urls"
    assert images.default_avatar_url(person) == plain
    # Under i18n_patterns the path follows the active language.
    from django.utils import translation

    settings.LANGUAGES = [("en", "English"), ("fr", "French")]
    settings.ROOT_URLCONF = "tests.images.i18n_urls"
    with translation.override("en"):
        assert images.default_avatar_url(person).startswith("/en/api/frontend/v1/avatars/")
    with translation.override("fr"):
        assert images.default_avatar_url(person).startswith("/fr/api/frontend/v1/avatars/")


def test_content_decides_not_the_declared_type(
    user: Any, storage: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with pytest.raises(ClerkError) as info:
        user.set_profile_image(SimpleUploadedFile("a.gif", b"GIF89a nope", "image/gif"))
    assert info.value.clerk_code in {"image_invalid", "image_format_unsupported"}
    with django_capture_on_commit_callbacks(execute=True):
        image = user.set_profile_image(SimpleUploadedFile("a.txt", corpus.jpeg(), "text/plain"))
    assert image.content_type == "image/webp"
    assert corpus.stored_names(storage) == [image.path]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_replacements_leave_exactly_one_image(settings: Any, make_user: Any) -> None:
    """Threads replace and remove one user's image at once: the user's row lock serializes
    them, so no Image row or file is orphaned and the pointer matches the only survivor."""
    import threading

    from django.db import connection, connections

    if connection.vendor != "postgresql":
        pytest.skip("concurrency proofs need PostgreSQL (set DATABASE_URL)")
    storage = corpus.fresh_storage(settings)
    user = make_user()
    sources = [corpus.jpeg(40 + n, 30) for n in range(10)]
    barrier = threading.Barrier(len(sources))
    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            me = User.objects.get(pk=user.pk)
            barrier.wait()
            if n % 4 == 3:
                images.remove_profile_image(me)
            else:
                me.set_profile_image(ContentFile(sources[n]))
        except BaseException as exc:  # reported below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work, args=(n,)) for n in range(len(sources))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not failures, failures
    rows = list(Image.objects.values_list("pk", "path"))
    pointer = User.objects.get(pk=user.pk).profile_image_id
    assert len(rows) <= 1
    assert pointer == (rows[0][0] if rows else None)
    assert corpus.stored_names(storage) == [path for _, path in rows]


def test_changes_send_user_updated(user: Any, storage: Any, upload: Any) -> None:
    from clerk_users import signals

    seen: list[str] = []
    target = user.pk

    def receiver(sender: Any, user: Any, **kwargs: Any) -> None:
        if user.pk == target:  # ignore stray events of other tests' users (live server)
            seen.append(user.pk)

    signals.user_updated.connect(receiver)
    try:
        upload(user, corpus.png())
        upload(user, None)
        upload(user, None)  # nothing to remove: no event
        with pytest.raises(ClerkError):
            upload(user, corpus.svg_with_script())
    finally:
        signals.user_updated.disconnect(receiver)
    assert seen == [user.pk, user.pk]


def test_system_checks(settings: Any) -> None:
    from clerk_users.images.checks import check_image_settings

    assert check_image_settings() == []
    settings.CLERK_USERS = {
        **settings.CLERK_USERS,
        "IMAGE_STORAGE": "nope",
        "IMAGE_MAX_PIXELS": 10**10,
        "IMAGE_BASE_URL": "example.com",
    }
    ids = {problem.id for problem in check_image_settings()}
    assert ids == {"clerk_users.E061", "clerk_users.W060", "clerk_users.E062"}


def test_truncation_is_refused_even_if_pillow_is_told_to_load_truncated_images(
    monkeypatch: Any,
) -> None:
    from PIL import ImageFile

    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    whole = {"jpeg": corpus.jpeg(200, 150), "png": corpus.png(200, 150)}
    whole.update(gif=corpus.gif(200, 150), webp=corpus.webp(200, 150))
    for name, data in whole.items():
        assert images.process_upload(data).width == 200, name
        for cut in (len(data) // 2, len(data) - 1):
            with pytest.raises(ClerkError) as info:
                images.process_upload(data[:cut])
            assert info.value.clerk_code == "image_invalid", (name, cut)
    with pytest.raises(ClerkError):  # a GIF with a zip appended (GIFAR)
        images.process_upload(corpus.gif() + b"PK\x03\x04" + b"\x00" * 40)
