"""Checks and builders for media payloads: data URIs, base64, mime types, URLs.

Pure helpers for `content.py`. Each raises `ValueError` with a short reason;
`content.py` prefixes it with the message and block that caused it.
"""

from __future__ import annotations

import base64
import binascii
import mimetypes
import re
from typing import Any

IMAGE_MIME_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/gif", "image/webp", "image/heic", "image/heif"}
)
"""Image formats vision models behind the Responses API accept."""
MIME_ALIASES = {"image/jpg": "image/jpeg", "application/x-pdf": "application/pdf"}
IMAGE_DETAILS = frozenset({"auto", "low", "high"})
DEFAULT_DETAIL = "auto"
"""`auto` lets the model pick the resolution. OpenAI's schema requires the
field on message parts, so it is sent explicitly rather than omitted."""
UNSUPPORTED_MEDIA = ("audio", "video")

_MIME_RE = re.compile(r"^[a-z0-9][a-z0-9.+-]*/[a-z0-9][a-z0-9.+-]*$")
_DATA_URI_RE = re.compile(r"^data:(?P<mime>[^;,]*)(?P<params>(;[^;,]*)*),", re.I)
_WHITESPACE = re.compile(r"\s+")


def normalize_mime(mime: Any, *, what: str = "file") -> str:
    """A lower-case `type/subtype`; rejects missing, malformed, audio and video.

    >>> normalize_mime("Image/JPG")
    'image/jpeg'
    """
    if not isinstance(mime, str) or not mime.strip():
        raise ValueError(f"{what} needs a mime_type (e.g. 'application/pdf')")
    value = mime.strip().lower().split(";", 1)[0].strip()
    value = MIME_ALIASES.get(value, value)
    if not _MIME_RE.match(value):
        raise ValueError(f"unsupported mime type {mime!r}")
    if value.startswith(tuple(f"{kind}/" for kind in UNSUPPORTED_MEDIA)):
        raise ValueError(
            f"{value} content is not supported by the Responses API "
            "(only text, images and files)"
        )
    return value


def image_mime(mime: Any) -> str:
    """`normalize_mime`, restricted to the image formats in `IMAGE_MIME_TYPES`."""
    value = normalize_mime(mime, what="image")
    if value not in IMAGE_MIME_TYPES:
        allowed = ", ".join(sorted(IMAGE_MIME_TYPES))
        raise ValueError(
            f"unsupported image mime type {value!r} (use one of {allowed})"
        )
    return value


def clean_base64(data: Any) -> str:
    """Validate standard base64 (whitespace and line breaks are removed).

    >>> clean_base64("aGVs\\nbG8=")
    'aGVsbG8='
    """
    if isinstance(data, bytes):
        raise ValueError(
            "base64 data must be a str; encode bytes first with "
            "base64.b64encode(raw).decode()"
        )
    if not isinstance(data, str) or not data.strip():
        raise ValueError("base64 data is empty")
    text = _WHITESPACE.sub("", data)
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"base64 data does not decode ({exc})") from None
    return text


def data_uri(mime: str, data: Any) -> str:
    """A `data:<mime>;base64,<data>` URI from already-normalised mime and raw base64."""
    return f"data:{mime};base64,{clean_base64(data)}"


def parse_data_uri(uri: str) -> tuple[str, str]:
    """Split and validate a base64 data URI into `(mime, base64)`.

    >>> parse_data_uri("data:image/png;base64,iVBORw0KGgo=")
    ('image/png', 'iVBORw0KGgo=')
    """
    match = _DATA_URI_RE.match(uri)
    if not match:
        raise ValueError("malformed data URI (expected data:<mime>;base64,<data>)")
    params = [p.strip().lower() for p in match["params"].split(";") if p.strip()]
    if "base64" not in params:
        raise ValueError("data URI must be base64-encoded (data:<mime>;base64,...)")
    mime = normalize_mime(match["mime"], what="data URI")
    return mime, clean_base64(uri[match.end() :])


def is_data_uri(value: Any) -> bool:
    return isinstance(value, str) and value[:5].lower() == "data:"


def check_url(url: Any, *, what: str) -> str:
    """Accept an absolute http(s) URL; name the problem otherwise."""
    if not isinstance(url, str) or not url.strip():
        raise ValueError(f"{what} URL is empty")
    url = url.strip()
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    if scheme not in ("http", "https"):
        hint = (
            " (read local files and send them as base64)"
            if scheme in ("", "file")
            else ""
        )
        raise ValueError(
            f"{what} URL must be http(s) or a data: URI, got {url[:60]!r}{hint}"
        )
    return url


def check_detail(detail: Any) -> str:
    """Validate an image `detail`; None becomes `DEFAULT_DETAIL`."""
    if detail is None:
        return DEFAULT_DETAIL
    if detail not in IMAGE_DETAILS:
        raise ValueError(
            f"unknown image detail {detail!r} (use 'auto', 'low' or 'high')"
        )
    return str(detail)


def default_filename(mime: str) -> str:
    """A placeholder name from the mime type: the API requires one with file data.

    >>> default_filename("application/pdf")
    'document.pdf'
    """
    ext = {"application/pdf": ".pdf", "text/plain": ".txt"}.get(mime)
    ext = ext or mimetypes.guess_extension(mime) or ""
    return f"document{ext}"


def guess_mime(filename: Any) -> str | None:
    """The mime type a filename's extension implies, if any."""
    if not isinstance(filename, str):
        return None
    guessed, _ = mimetypes.guess_type(filename, strict=False)
    return guessed
