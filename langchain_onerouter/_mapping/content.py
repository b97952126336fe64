"""User-side content parts: LangChain content blocks → Responses input parts.

Pure functions, no I/O. `to_input_parts` accepts a message's `content` (a
string or a list of blocks) and returns Responses parts: `input_text`,
`input_image` (`image_url` = URL or data URI, or `file_id`; `detail`) and
`input_file` (`filename` + `file_data` data URI, `file_url` or `file_id`).

Accepted block forms:

- LangChain standard (v1) blocks: `image` / `file` with `url`, `base64` +
  `mime_type` or `file_id`, and `text-plain`; the older v0 form with
  `source_type` too.
- OpenAI chat style: `image_url` (https URL or `data:` URI) and
  `{"type": "file", "file": {"filename", "file_data" | "file_id"}}`.
- Responses native: `input_text`, `input_image`, `input_file` (validated).
- Anthropic style: `image` / `document` with a `source` of type `base64`,
  `url` (and `text` for documents).

A text block's `cache_control` (Anthropic style, or in a v1 block's
`extras`) is kept on its `input_text` part: a prompt-caching breakpoint (see
`caching.py`). Every problem raises `ValueError` naming the message and
block, before any request is made. Audio and video are refused: the Responses API has no input
part for them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from langchain_onerouter._mapping import media as _media
from langchain_onerouter._mapping.caching import TEXT_PARTS_ONLY, check_cache_control
from langchain_onerouter._mapping.media import (
    check_detail,
    check_url,
    clean_base64,
    data_uri,
    default_filename,
    guess_mime,
    is_data_uri,
    normalize_mime,
    parse_data_uri,
)

TEXT_BLOCK_TYPES = frozenset({"text", "input_text", "output_text"})
UNSUPPORTED_BLOCK_TYPES = frozenset(
    {"audio", "video", "input_audio", "audio_url", "video_url", "input_video"}
)


def _text_part(text: str, cache_control: Any = None) -> dict[str, Any]:
    """An `input_text` part, with its prompt-caching breakpoint if any.

    >>> _text_part("hi", {"type": "ephemeral"})
    {'type': 'input_text', 'text': 'hi', 'cache_control': {'type': 'ephemeral'}}
    """
    part: dict[str, Any] = {"type": "input_text", "text": text}
    if cache_control is not None:
        part["cache_control"] = check_cache_control(cache_control)
    return part


def block_cache_control(block: dict[str, Any]) -> Any:
    """A block's `cache_control`: on the block, else in its v1 `extras`."""
    value = block.get("cache_control")
    return _extras(block).get("cache_control") if value is None else value


def to_input_parts(content: str | list[Any], *, where: str) -> list[dict[str, Any]]:
    """Convert message content to Responses input parts.

    Args:
        content: A string or a list of strings and content blocks.
        where: Names the message in errors, e.g. `"HumanMessage at index 2"`.

    Raises:
        ValueError: For a block this API cannot express or that is malformed,
            naming the message, the block's position and its type.

    >>> to_input_parts(
    ...     [{"type": "text", "text": "hi"},
    ...      {"type": "image", "url": "https://example.com/cat.png"}],
    ...     where="HumanMessage",
    ... )  # doctest: +NORMALIZE_WHITESPACE
    [{'type': 'input_text', 'text': 'hi'},
     {'type': 'input_image', 'image_url': 'https://example.com/cat.png',
      'detail': 'auto'}]
    """
    if isinstance(content, str):
        return [_text_part(content)]
    parts: list[dict[str, Any]] = []
    for index, block in enumerate(content):
        if isinstance(block, str):
            parts.append(_text_part(block))
            continue
        if not isinstance(block, dict):
            raise ValueError(
                f"{where}, content block {index}: content blocks must be str or "
                f"dict, got {type(block).__name__}"
            )
        block_type = block.get("type")
        here = f"{where}, content block {index} ({block_type!r})"
        if block_type in TEXT_BLOCK_TYPES:
            parts.append(_text_block(block, here))
            continue
        part = convert_media_block(block, where=f"{where}, content block {index}")
        mark = block_cache_control(block)
        if mark is not None:  # e.g. a text-plain block given inline is text
            if part["type"] != "input_text":
                raise ValueError(f"{here}: {TEXT_PARTS_ONLY}")
            part["cache_control"] = check_cache_control(mark)
        parts.append(part)
    return parts


def _text_block(block: dict[str, Any], where: str) -> dict[str, Any]:
    text = block.get("text", "")
    if not isinstance(text, str):
        raise ValueError(
            f"{where}: text must be a string, got {type(text).__name__} {text!r:.40}"
        )
    try:
        return _text_part(text, block_cache_control(block))
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None


def convert_media_block(block: dict[str, Any], *, where: str) -> dict[str, Any]:
    """Convert one non-text block (image, file, ...) to an input part.

    >>> convert_media_block(
    ...     {"type": "file", "url": "https://example.com/a.pdf"}, where="HumanMessage"
    ... )
    {'type': 'input_file', 'file_url': 'https://example.com/a.pdf'}
    """
    kind = block.get("type")
    try:
        if kind in UNSUPPORTED_BLOCK_TYPES:
            media = "video" if "video" in str(kind) else "audio"
            raise ValueError(
                f"{media} input is not supported by the Responses API "
                "(send text, images or files)"
            )
        handler = _HANDLERS.get(kind) if isinstance(kind, str) else None
        if handler is None:
            if kind == "tool_result":
                raise ValueError(
                    "tool results belong in a ToolMessage, not in message content"
                )
            raise ValueError(
                "unsupported content block type (expected text, image, image_url, "
                "file, text-plain, document, input_image or input_file)"
            )
        return handler(block)
    except ValueError as exc:
        raise ValueError(f"{where} (type {kind!r}): {exc}") from None


# -- images ------------------------------------------------------------------
def _image_part(
    *, image_url: str | None = None, file_id: str | None = None, detail: Any = None
) -> dict[str, Any]:
    """An `input_image` part from a checked URL / data URI or a file id."""
    part: dict[str, Any] = {"type": "input_image"}
    if image_url is not None:
        part["image_url"] = image_url
    if file_id is not None:
        part["file_id"] = file_id
    part["detail"] = check_detail(detail)
    return part


def _image_url_value(url: Any) -> str:
    """Check an image reference: an http(s) URL or a base64 image data URI."""
    if is_data_uri(url):
        mime, b64 = parse_data_uri(url)
        return f"data:{_media.image_mime(mime)};base64,{b64}"
    return check_url(url, what="image")


def _image(block: dict[str, Any]) -> dict[str, Any]:
    detail = block.get("detail", _extras(block).get("detail"))
    if isinstance(block.get("source"), dict):
        return _anthropic_image(block["source"], detail)
    url, b64, file_id = _locate(block)
    if url is not None:
        return _image_part(image_url=_image_url_value(url), detail=detail)
    if b64 is not None:
        mime = _media.image_mime(block.get("mime_type"))
        return _image_part(image_url=data_uri(mime, b64), detail=detail)
    if file_id is not None:
        return _image_part(file_id=_file_id(file_id), detail=detail)
    raise ValueError("image block needs a url, base64 data (with mime_type) or file_id")


def _chat_image_url(block: dict[str, Any]) -> dict[str, Any]:
    value = block.get("image_url")
    if isinstance(value, dict):
        url, detail = value.get("url"), value.get("detail")
    else:
        url, detail = value, block.get("detail")
    if url is None:
        raise ValueError("image_url block has no url")
    return _image_part(image_url=_image_url_value(url), detail=detail)


def _input_image(block: dict[str, Any]) -> dict[str, Any]:
    part = {k: v for k, v in block.items() if v is not None}
    if "image_url" not in part and "file_id" not in part:
        raise ValueError("input_image needs image_url or file_id")
    if "image_url" in part:
        part["image_url"] = _image_url_value(part["image_url"])
    if "file_id" in part:
        part["file_id"] = _file_id(part["file_id"])
    part["detail"] = check_detail(part.get("detail"))
    return part


def _anthropic_image(source: dict[str, Any], detail: Any) -> dict[str, Any]:
    kind = source.get("type")
    if kind == "base64":
        mime = _media.image_mime(source.get("media_type"))
        return _image_part(image_url=data_uri(mime, source.get("data")), detail=detail)
    if kind == "url":
        return _image_part(image_url=_image_url_value(source.get("url")), detail=detail)
    raise ValueError(f"unsupported image source type {kind!r} (use 'base64' or 'url')")


# -- files ---------------------------------------------------------------------
def _file_part(mime: str, b64: Any, filename: Any = None) -> dict[str, Any]:
    """An `input_file` part carrying base64 data as a data URI.

    Image data in a file block becomes an `input_image` instead.
    """
    if mime.startswith("image/"):
        return _image_part(image_url=data_uri(_media.image_mime(mime), b64))
    return {
        "type": "input_file",
        "filename": _filename(filename, mime),
        "file_data": data_uri(mime, b64),
    }


def _file(block: dict[str, Any]) -> dict[str, Any]:
    if isinstance(block.get("file"), dict):
        return _chat_file(block["file"])
    if block.get("source_type") == "text":  # v0 plain-text block
        return _text_part(str(block.get("text", "")))
    extras = _extras(block)
    filename = block.get("filename") or extras.get("filename")
    if filename is None and isinstance(block.get("metadata"), dict):
        filename = block["metadata"].get("filename")
    mime = block.get("mime_type") or guess_mime(filename)
    url, b64, file_id = _locate(block)
    if b64 is not None:
        return _file_part(normalize_mime(mime, what="file"), b64, filename)
    if url is not None:
        return _file_from_url(url, mime, filename)
    if file_id is not None:
        return _with_filename(
            {"type": "input_file", "file_id": _file_id(file_id)}, filename
        )
    raise ValueError("file block needs base64 data (with mime_type), a url or file_id")


def _file_from_url(url: Any, mime: Any, filename: Any) -> dict[str, Any]:
    if is_data_uri(url):
        data_mime, b64 = parse_data_uri(url)
        return _file_part(data_mime, b64, filename)
    checked = check_url(url, what="file")
    if mime is not None:
        mime = normalize_mime(mime, what="file")
        if mime.startswith("image/"):
            return _image_part(image_url=checked)
    return _with_filename({"type": "input_file", "file_url": checked}, filename)


def _chat_file(file: dict[str, Any]) -> dict[str, Any]:
    filename, file_data = file.get("filename"), file.get("file_data")
    if file_data is not None:
        return _file_part(*_file_data(file_data, filename), filename)
    if file.get("file_id") is not None:
        part = {"type": "input_file", "file_id": _file_id(file["file_id"])}
        return _with_filename(part, filename)
    raise ValueError("file block's 'file' needs file_data or file_id")


def _file_data(file_data: Any, filename: Any) -> tuple[str, str]:
    """`(mime, base64)` of a data URI, or of raw base64 whose type the name implies."""
    if is_data_uri(file_data):
        return parse_data_uri(file_data)
    guessed = guess_mime(filename)
    if guessed is None:
        raise ValueError(
            "file_data must be a data URI (data:application/pdf;base64,...) "
            "or the filename must show the file type"
        )
    return normalize_mime(guessed), clean_base64(file_data)


def _input_file(block: dict[str, Any]) -> dict[str, Any]:
    part = {k: v for k, v in block.items() if v is not None}
    sources = [k for k in ("file_data", "file_url", "file_id") if k in part]
    if len(sources) != 1:
        raise ValueError(
            "input_file needs exactly one of file_data, file_url or file_id, "
            f"got {sources or 'none'}"
        )
    if "file_data" in part:
        mime, b64 = _file_data(part["file_data"], part.get("filename"))
        part["file_data"] = f"data:{mime};base64,{b64}"
        part["filename"] = _filename(part.get("filename"), mime)
    elif "file_url" in part:
        part["file_url"] = check_url(part["file_url"], what="file")
    else:
        part["file_id"] = _file_id(part["file_id"])
    return part


def _plain_text(block: dict[str, Any]) -> dict[str, Any]:
    if isinstance(block.get("text"), str):
        return _text_part(block["text"])
    name = block.get("filename") or _extras(block).get("filename") or block.get("title")
    url, b64, file_id = _locate(block)
    if b64 is not None:
        return _file_part("text/plain", b64, name)
    if url is not None:
        return _file_from_url(url, "text/plain", name)
    if file_id is not None:
        return {"type": "input_file", "file_id": _file_id(file_id)}
    raise ValueError("text-plain block needs text, base64 data, a url or file_id")


def _anthropic_document(block: dict[str, Any]) -> dict[str, Any]:
    source = block.get("source")
    if not isinstance(source, dict):
        raise ValueError("document block needs a 'source' object")
    kind, title = source.get("type"), block.get("title")
    if kind == "base64":
        mime = normalize_mime(source.get("media_type"), what="document")
        return _file_part(mime, source.get("data"), title)
    if kind == "url":
        return _file_from_url(source.get("url"), None, title)
    if kind == "text":
        return _text_part(str(source.get("data", "")))
    raise ValueError(
        f"unsupported document source type {kind!r} (use 'base64', 'url' or 'text')"
    )


# -- helpers -----------------------------------------------------------------
def _extras(block: dict[str, Any]) -> dict[str, Any]:
    extras = block.get("extras")
    return extras if isinstance(extras, dict) else {}


def _locate(block: dict[str, Any]) -> tuple[Any, Any, Any]:
    """`(url, base64, file_id)` of a LangChain v1 or v0 (`source_type`) block."""
    source_type = block.get("source_type")
    if source_type is None:
        return block.get("url"), block.get("base64"), block.get("file_id")
    if source_type == "url":
        return block.get("url"), None, None
    if source_type == "base64":
        return None, block.get("data"), None
    if source_type == "id":
        return None, None, block.get("id")
    raise ValueError(f"unsupported source_type {source_type!r}")


def _file_id(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValueError("file_id must be a non-empty string")
    return value


def _filename(name: Any, mime: str) -> str:
    """The given name (with an extension the API can read), or a placeholder."""
    if not isinstance(name, str) or not name.strip():
        return default_filename(mime)
    name = name.strip()
    if guess_mime(name) is None:
        ext = default_filename(mime).removeprefix("document")
        return f"{name}{ext}"
    return name


def _with_filename(part: dict[str, Any], filename: Any) -> dict[str, Any]:
    if isinstance(filename, str) and filename.strip():
        part["filename"] = filename.strip()
    return part


_HANDLERS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "image": _image,
    "image_url": _chat_image_url,
    "input_image": _input_image,
    "file": _file,
    "input_file": _input_file,
    "text-plain": _plain_text,
    "document": _anthropic_document,
}
