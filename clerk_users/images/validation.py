"""Profile image validation and re-encoding: the one place that reads untrusted image bytes.

Images are the most dangerous input the app takes, so every upload goes through
:func:`process_upload`, which either raises a :class:`~clerk_users.errors.ClerkError` or
returns a freshly encoded WebP that contains pixels and nothing else:

1. the size is checked before the content is read (``IMAGE_MAX_BYTES``, 413 ``image_too_large``);
2. the format is sniffed from the content (never the name or the declared content type) and
   allowlisted to JPEG, PNG, GIF and WebP (``Image.open(..., formats=...)``);
3. structural checks refuse polyglots: bytes after a PNG's ``IEND`` or outside a WebP's RIFF
   container, and markup (``<script``, ``<html``, ``<svg``, ``<?php``...) anywhere in the file;
4. the pixel count is read from the header and checked against ``IMAGE_MAX_PIXELS`` before
   any pixel is decoded, so a decompression bomb costs what a tiny file costs;
5. decoding runs with Pillow's ``DecompressionBombWarning`` turned into an error, and any
   decoder failure (truncated or corrupt data) is a 422;
6. the first frame (animated GIF/WebP/APNG become still images) is orientated from EXIF,
   converted to 8-bit RGB/RGBA (CMYK, 16-bit, palette, grayscale), downscaled with LANCZOS
   to ``IMAGE_MAX_SIDE`` and copied into a brand-new image, which is written as WebP without
   EXIF, GPS, XMP, ICC or text chunks.
"""

from __future__ import annotations

import io
import re
import struct
import warnings
from dataclasses import dataclass
from typing import IO, Any

from PIL import Image, ImageOps, UnidentifiedImageError

from clerk_users.app_settings import app_settings
from clerk_users.errors import ClerkError

ALLOWED_FORMATS = ("JPEG", "PNG", "GIF", "WEBP")
OUTPUT_FORMAT = "WEBP"
OUTPUT_CONTENT_TYPE = "image/webp"
OUTPUT_EXTENSION = "webp"
OUTPUT_QUALITY = 85
PARAM = "file"
MAX_JPEG_SCANS = 100  # progressive encoders write about 10; libjpeg has no limit of its own

# Markup that turns an "image" into something a browser or an interpreter may execute when
# served with the wrong type. The signatures are long enough (6+ bytes with their delimiter)
# that the compressed pixels of a 10 MB photo match one by chance with odds near 1e-5.
_MARKUP = re.compile(
    rb"<(?:script|iframe|object|embed)[\s/>]"
    rb"|<(?:html|body|head)[\s>]"
    rb"|<svg\s[^>]{0,200}xmlns"
    rb"|<!doctype\s+html"
    rb"|<\?php\s"
    rb"|javascript:",
    re.IGNORECASE,
)
# Literal starts of the signatures above: a fast substring pre-check before the regex.
_MARKUP_STARTS = (
    b"<script",
    b"<iframe",
    b"<object",
    b"<embed",
    b"<html",
    b"<body",
    b"<head",
    b"<svg",
    b"<!doctype",
    b"<?php",
    b"javascript:",
)


@dataclass(frozen=True)
class ProcessedImage:
    """A validated, re-encoded image ready to be stored."""

    data: bytes
    width: int
    height: int
    content_type: str = OUTPUT_CONTENT_TYPE
    extension: str = OUTPUT_EXTENSION
    source_format: str = ""

    @property
    def size(self) -> int:
        return len(self.data)


def _error(code: str, message: str, long_message: str, status: int = 422) -> ClerkError:
    return ClerkError(code, message, long_message=long_message, param_name=PARAM, status=status)


def too_large(max_bytes: int) -> ClerkError:
    return _error(
        "image_too_large",
        "Image too large",
        f"The image must be at most {max_bytes} bytes.",
        status=413,
    )


def _invalid(long_message: str) -> ClerkError:
    return _error("image_invalid", "Invalid image", long_message)


def _unsupported() -> ClerkError:
    return _error(
        "image_format_unsupported",
        "Unsupported image format",
        "The file must be a JPEG, PNG, GIF or WebP image.",
    )


def _too_many_pixels(max_pixels: int) -> ClerkError:
    return _error(
        "image_dimensions_too_large",
        "Image dimensions too large",
        f"The image must have at most {max_pixels} pixels.",
    )


def declared_size(file: Any) -> int | None:
    """The size of ``file`` without reading it: Django's ``UploadedFile.size`` or a seek."""
    size = getattr(file, "size", None)
    if isinstance(size, int):
        return size
    try:
        position = file.tell()
        file.seek(0, io.SEEK_END)
        end = file.tell()
        file.seek(position)
        return int(end - position)
    except (AttributeError, OSError, ValueError):
        return None


def read_bounded(file: IO[bytes] | bytes, max_bytes: int) -> bytes:
    """Read at most ``max_bytes`` from ``file``, refusing larger files before reading them.

    The declared size is checked first; streams without one are read up to one byte over the
    cap, so the memory used never exceeds the cap whatever the client sends.
    """
    if isinstance(file, bytes | bytearray | memoryview):
        data = bytes(file)
        if len(data) > max_bytes:
            raise too_large(max_bytes)
        return data
    size = declared_size(file)
    if size is not None and size > max_bytes:
        raise too_large(max_bytes)
    if hasattr(file, "seek"):
        try:
            file.seek(0)
        except (OSError, ValueError):
            pass
    data = file.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return bytes(data)


def _png_end(data: bytes) -> int | None:
    """Offset just after the PNG's IEND chunk, or None when the chunk chain is broken."""
    offset = 8
    while offset + 8 <= len(data):
        (length,) = struct.unpack(">I", data[offset : offset + 4])
        kind = data[offset + 4 : offset + 8]
        offset += 12 + length
        if kind == b"IEND":
            return offset if offset <= len(data) else None
    return None


def jpeg_structure(data: bytes) -> tuple[int, bool]:
    """(scans, reached EOI) of the main JPEG image, walking its marker segments.

    Entropy-coded data byte-stuffs ``0xFF`` (``FF 00``) and uses ``FF D0-D7`` restart markers,
    so any other ``FF xx`` after a scan is the next marker; metadata segments are skipped by
    their length, so bytes inside EXIF or ICC data are never counted.
    """
    scans, offset, end = 0, 2, len(data)
    while offset + 2 <= end:
        if data[offset] != 0xFF:  # extraneous bytes before a marker: skip them, as libjpeg does
            offset = data.find(b"\xff", offset)
            if offset < 0:
                return scans, False
            continue
        marker = data[offset + 1]
        if marker == 0xFF:  # fill byte
            offset += 1
            continue
        if marker in (0xD9, 0xD8) or 0xD0 <= marker <= 0xD7 or marker == 0x01:
            if marker == 0xD9:
                return scans, True
            offset += 2
            continue
        if offset + 4 > end:
            return scans, False
        (length,) = struct.unpack(">H", data[offset + 2 : offset + 4])
        offset += 2 + length
        if marker == 0xDA:
            scans += 1
            while True:  # skip the entropy-coded data up to the next real marker
                offset = data.find(b"\xff", offset)
                if offset < 0 or offset + 1 >= end:
                    return scans, False
                following = data[offset + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    offset += 2
                    continue
                break
    return scans, False


def check_structure(data: bytes, image_format: str) -> None:
    """Refuse polyglots: markup anywhere, or bytes outside the container of the format."""
    lowered = data.lower()
    if any(start in lowered for start in _MARKUP_STARTS) and _MARKUP.search(data):
        raise _invalid("The file contains markup or script and is not a plain image.")
    if image_format == "PNG":
        end = _png_end(data)
        if end is None:
            raise _invalid("The PNG image is truncated or corrupt.")
        if end != len(data):
            raise _invalid("The PNG image has data after its end (a polyglot file).")
    elif image_format == "JPEG":
        scans, complete = jpeg_structure(data)
        if not complete:  # checked here too, whatever ImageFile.LOAD_TRUNCATED_IMAGES says
            raise _invalid("The JPEG image is truncated (it has no end marker).")
        if scans > MAX_JPEG_SCANS:
            # Each progressive scan re-walks the whole picture: thousands make a CPU bomb.
            raise _invalid(f"The JPEG image has more than {MAX_JPEG_SCANS} scans.")
    elif image_format == "GIF" and not data.endswith(b";"):
        raise _invalid("The GIF image is truncated or has data after its trailer.")
    elif image_format == "WEBP":
        (riff_size,) = struct.unpack("<I", data[4:8])
        if riff_size + 8 != len(data):
            raise _invalid("The WebP image has data outside its container (a polyglot file).")


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data), formats=list(ALLOWED_FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise _too_many_pixels(app_settings.IMAGE_MAX_PIXELS) from exc
    except UnidentifiedImageError as exc:
        raise _unsupported() from exc
    except Exception as exc:  # Pillow raises many types on malformed headers
        raise _invalid("The image header is corrupt.") from exc


def _to_8bit(image: Image.Image) -> Image.Image:
    """Convert any decoded mode to 8-bit RGB or RGBA (WebP's modes); no copy when it is."""
    mode = image.mode
    if mode in ("RGB", "RGBA") and "transparency" not in image.info:
        return image
    if mode in ("I;16", "I;16B", "I;16L", "I;16N", "I"):
        # 16-bit grayscale: scale 0..65535 down to 0..255 (``convert("L")`` would clip).
        image = image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    elif mode == "F":
        image = image.convert("L")
    has_alpha = image.mode in ("RGBA", "LA", "PA", "La", "RGBa") or (
        image.mode in ("P", "L", "RGB", "1") and "transparency" in image.info
    )
    return image.convert("RGBA" if has_alpha else "RGB")


def _decode(image: Image.Image, max_side: int) -> Image.Image:
    """Decode the first frame, orient, convert and downscale it (bomb warnings are errors).

    Memory stays near one decoded frame: JPEGs are decoded at a reduced DCT scale when that
    still covers ``max_side``, orientation and downscaling work in place.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image.seek(0)
            if image.format in ("JPEG", "MPO"):
                # Let libjpeg decode at a reduced scale (never below the target size).
                image.draft(None, (max_side, max_side))
            image.load()
            ImageOps.exif_transpose(image, in_place=True)
            pixels = _to_8bit(image)
            if max(pixels.size) > max_side:
                pixels.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise _too_many_pixels(app_settings.IMAGE_MAX_PIXELS) from exc
        except ClerkError:
            raise
        except Exception as exc:  # truncated data, bad Huffman tables, broken LZW...
            raise _invalid("The image is truncated or corrupt and could not be decoded.") from exc
    # A brand-new image: nothing of the source's ``info`` (EXIF, XMP, ICC, text) survives.
    clean = Image.new(pixels.mode, pixels.size)
    clean.paste(pixels)
    return clean


def encode(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format=OUTPUT_FORMAT, quality=OUTPUT_QUALITY, method=4, exif=b"", xmp="")
    return out.getvalue()


def process_upload(file: IO[bytes] | bytes) -> ProcessedImage:
    """Validate an uploaded image and return it re-encoded; raise ``ClerkError`` if refused."""
    max_bytes = app_settings.IMAGE_MAX_BYTES
    max_pixels = app_settings.IMAGE_MAX_PIXELS
    data = read_bounded(file, max_bytes)
    if not data:
        raise _invalid("The file is empty.")
    image = _open(data)
    try:
        image_format = str(image.format or "")
        if image_format == "MPO":  # multi-picture JPEG: Pillow's JPEG opener answers MPO
            image_format = "JPEG"
        if image_format not in ALLOWED_FORMATS:
            raise _unsupported()
        width, height = image.size
        if width < 1 or height < 1:
            raise _invalid("The image has no pixels.")
        if width * height > max_pixels:
            raise _too_many_pixels(max_pixels)
        check_structure(data, image_format)
        clean = _decode(image, app_settings.IMAGE_MAX_SIDE)
    finally:
        image.close()
    return ProcessedImage(
        data=encode(clean),
        width=clean.width,
        height=clean.height,
        source_format=image_format,
    )
