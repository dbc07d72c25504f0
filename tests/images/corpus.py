"""Image files built in code, good and hostile, for the profile image tests and benchmark."""

from __future__ import annotations

import io
import random
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def _encode(image: Image.Image, image_format: str, **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, format=image_format, **params)
    return out.getvalue()


def noise(width: int, height: int, mode: str = "RGB", seed: int = 1) -> Image.Image:
    """A picture with detail (random blocks), so encoders cannot cheat on flat colour."""
    rng = random.Random(seed)
    small = Image.frombytes(
        mode,
        (max(1, width // 8), max(1, height // 8)),
        bytes(rng.getrandbits(8) for _ in range(max(1, width // 8) * max(1, height // 8) * 3)),
    )
    return small.resize((width, height), Image.Resampling.BILINEAR)


def jpeg(width: int = 64, height: int = 48, **params: object) -> bytes:
    return _encode(noise(width, height), "JPEG", quality=90, **params)


def png(width: int = 64, height: int = 48, mode: str = "RGB") -> bytes:
    image = noise(width, height)
    return _encode(image.convert(mode) if mode != "RGB" else image, "PNG")


def gif(width: int = 32, height: int = 32) -> bytes:
    return _encode(noise(width, height).convert("P"), "GIF")


def webp(width: int = 64, height: int = 48) -> bytes:
    return _encode(noise(width, height), "WEBP", quality=80)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few-KB PNG whose header declares ``width`` x ``height`` (a decompression bomb).

    Its IDAT holds the first rows of zeros only: decoding it would need width*height bytes.
    """
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit grayscale
    rows = zlib.compress(b"\x00" * (width + 1) * 4, 9)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def truncated_jpeg() -> bytes:
    data = jpeg(400, 300)
    return data[: len(data) // 2]


def zero_bytes() -> bytes:
    return b""


def text_file() -> bytes:
    return b"This is not an image, whatever its name says.\n" * 20


def svg_with_script() -> bytes:
    return (
        b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10">'
        b"<script>alert(document.cookie)</script><rect width='10' height='10'/></svg>"
    )


def png_with_html() -> bytes:
    return png() + b"<html><body><script>alert(document.cookie)</script></body></html>"


def webp_with_trailer() -> bytes:
    return webp() + b"PK\x03\x04" + b"\x00" * 64  # a zip appended after the RIFF container


def html_file() -> bytes:
    return b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"


def eps_file() -> bytes:
    return (
        b"%!PS-Adobe-3.0 EPSF-3.0\n%%BoundingBox: 0 0 10 10\nnewpath 0 0 moveto showpage\n%%EOF\n"
    )


def psd_file() -> bytes:
    header = b"8BPS" + struct.pack(">H6xHIIHH", 1, 3, 10, 10, 8, 3)
    return header + struct.pack(">I", 0) * 3 + struct.pack(">H", 0) + b"\x00" * 300


def tiff_file() -> bytes:
    return _encode(noise(16, 16), "TIFF")


def animated_gif(frames: int = 3000, size: int = 16) -> bytes:
    """A GIF with thousands of frames (one moving pixel, so no frame is dropped as a copy)."""
    palette = [0, 0, 0, 255, 0, 0, 0, 255, 0, 0, 0, 255] * 64
    images = []
    for index in range(frames):
        frame = Image.new("P", (size, size), 0)
        frame.putpalette(palette)
        frame.putpixel((index % size, (index // size) % size), 1 + index % 3)
        images.append(frame)
    return _encode(
        images[0],
        "GIF",
        save_all=True,
        append_images=images[1:],
        duration=10,
        loop=0,
        optimize=False,
    )


def jpeg_with_gps_exif(width: int = 80, height: int = 40) -> bytes:
    """A JPEG with GPS coordinates, a camera model and orientation 6 (rotate 90 degrees)."""
    exif = Image.Exif()
    exif[ORIENTATION] = 6
    exif[0x0110] = "Secret Camera 3000"  # Model
    exif.get_ifd(GPS_IFD).update(
        {1: "N", 2: (48.0, 51.0, 29.0), 3: "E", 4: (2.0, 17.0, 40.0)}  # Paris
    )
    return _encode(noise(width, height), "JPEG", exif=exif.tobytes(), quality=90)


def cmyk_jpeg(width: int = 64, height: int = 48) -> bytes:
    return _encode(noise(width, height).convert("CMYK"), "JPEG", quality=90)


def png_16bit(width: int = 64, height: int = 48) -> bytes:
    """A 16-bit grayscale PNG: left half 65535 (white), right half 0 (black)."""
    image = Image.new("I;16", (width, height), 0)
    image.paste(65535, (0, 0, width // 2, height))
    return _encode(image, "PNG")


def png_with_metadata() -> bytes:
    """A PNG with text chunks, an ICC profile and XMP."""
    from PIL import ImageCms, PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "private note")
    info.add_itxt("XML:com.adobe.xmp", "<x:xmpmeta>secret</x:xmpmeta>")
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    return _encode(noise(32, 32), "PNG", pnginfo=info, icc_profile=icc)


def oversized(max_bytes: int) -> bytes:
    """A valid JPEG padded with a comment segment past ``max_bytes``."""
    data = jpeg(16, 16)
    padding = b"\x00" * (max_bytes + 1 - len(data))
    comments = b""
    while padding:
        part, padding = padding[:65000], padding[65000:]
        comments += b"\xff\xfe" + struct.pack(">H", len(part) + 2) + part
    return data[:2] + comments + data[2:]


# -- storage helpers ---------------------------------------------------------------------------
def stored_names(storage: object, directory: str = "profile_images") -> list[str]:
    """Every file the storage holds under ``directory``."""
    try:
        _, files = storage.listdir(directory)  # type: ignore[attr-defined]
    except FileNotFoundError:
        return []
    return sorted(f"{directory}/{name}" for name in files)


def webp_chunks(data: bytes) -> list[bytes]:
    """The RIFF chunk types of a WebP file (``VP8X``, ``VP8 ``, ``EXIF``, ``XMP ``...)."""
    assert data[:4] == b"RIFF" and data[8:12] == b"WEBP"
    kinds, offset = [], 12
    while offset + 8 <= len(data):
        kind = data[offset : offset + 4]
        (length,) = struct.unpack("<I", data[offset + 4 : offset + 8])
        kinds.append(kind)
        offset += 8 + length + (length & 1)
    return kinds


def fresh_storage(settings: object) -> object:
    """Give the test its own empty in-memory default storage and return it."""
    from django.core.files.storage import default_storage

    settings.STORAGES = {  # type: ignore[attr-defined]
        "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    return default_storage


def jpeg_with_many_scans(scans: int = 2000) -> bytes:
    """A small progressive JPEG whose last scan is repeated (a CPU bomb for the decoder)."""
    data = _encode(noise(64, 48), "JPEG", progressive=True, quality=90)
    last_scan = data[data.rfind(b"\xff\xda") : -2]
    return data[:-2] + last_scan * scans + b"\xff\xd9"


def png_ztxt_bomb() -> bytes:
    """An 8x8 PNG with a compressed text chunk that inflates to 50 MB."""
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "A" * 50_000_000, zip=True)
    return _encode(Image.new("RGB", (8, 8)), "PNG", pnginfo=info)
