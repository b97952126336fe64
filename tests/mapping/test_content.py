"""Multimodal input: every accepted block form, through the model, and each error."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.content import convert_media_block, to_input_parts
from tests.support import bodies
from tests.support.models import Recorder, make_llm
from tests.support.scripted_server import Recorded

# Our own tiny payloads: real signatures, not real images (nothing decodes them).
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << >>\n%%EOF\n"
TXT = b"line one\nline two\n"
PNG_B64 = base64.b64encode(PNG).decode()
PDF_B64 = base64.b64encode(PDF).decode()
TXT_B64 = base64.b64encode(TXT).decode()
PNG_URI = f"data:image/png;base64,{PNG_B64}"
PDF_URI = f"data:application/pdf;base64,{PDF_B64}"
IMG_URL = "https://example.com/photos/cat.jpg"
PDF_URL = "https://example.com/papers/attention.pdf"


def img(image_url: str | None = None, detail: str = "auto", **kw: Any) -> dict:
    part: dict[str, Any] = {"type": "input_image"}
    if image_url is not None:
        part["image_url"] = image_url
    part.update(kw)
    part["detail"] = detail
    return part


def pdf(filename: str = "document.pdf", data: str = PDF_URI) -> dict:
    return {"type": "input_file", "filename": filename, "file_data": data}


# (id, block, expected part)
CASES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    # LangChain standard (v1)
    ("lc-image-url", {"type": "image", "url": IMG_URL}, img(IMG_URL)),
    (
        "lc-image-base64",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        img(PNG_URI),
    ),
    (
        "lc-image-jpg-alias",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/JPG"},
        img(f"data:image/jpeg;base64,{PNG_B64}"),
    ),
    (
        "lc-image-base64-wrapped-lines",
        {
            "type": "image",
            "base64": base64.encodebytes(PNG * 8).decode(),
            "mime_type": "image/png",
        },
        img(f"data:image/png;base64,{base64.b64encode(PNG * 8).decode()}"),
    ),
    ("lc-image-data-url", {"type": "image", "url": PNG_URI}, img(PNG_URI)),
    (
        "lc-image-file-id",
        {"type": "image", "file_id": "file-abc"},
        img(file_id="file-abc"),
    ),
    (
        "lc-image-detail-extras",
        {"type": "image", "url": IMG_URL, "extras": {"detail": "high"}},
        img(IMG_URL, "high"),
    ),
    (
        "lc-file-pdf-base64",
        {
            "type": "file",
            "base64": PDF_B64,
            "mime_type": "application/pdf",
            "filename": "paper.pdf",
        },
        pdf("paper.pdf"),
    ),
    (
        "lc-file-pdf-no-filename",
        {"type": "file", "base64": PDF_B64, "mime_type": "application/pdf"},
        pdf("document.pdf"),
    ),
    (
        "lc-file-filename-in-extras-gets-extension",
        {
            "type": "file",
            "base64": PDF_B64,
            "mime_type": "application/pdf",
            "extras": {"filename": "report"},
        },
        pdf("report.pdf"),
    ),
    (
        "lc-file-url",
        {"type": "file", "url": PDF_URL, "mime_type": "application/pdf"},
        {"type": "input_file", "file_url": PDF_URL},
    ),
    (
        "lc-file-id",
        {"type": "file", "file_id": "file-123", "mime_type": "application/pdf"},
        {"type": "input_file", "file_id": "file-123"},
    ),
    (
        "lc-file-with-image-mime",
        {"type": "file", "base64": PNG_B64, "mime_type": "image/png"},
        img(PNG_URI),
    ),
    (
        "lc-text-plain-text",
        {"type": "text-plain", "text": "notes", "mime_type": "text/plain"},
        {"type": "input_text", "text": "notes"},
    ),
    (
        "lc-text-plain-base64",
        {
            "type": "text-plain",
            "base64": TXT_B64,
            "mime_type": "text/plain",
            "title": "notes",
        },
        {
            "type": "input_file",
            "filename": "notes.txt",
            "file_data": f"data:text/plain;base64,{TXT_B64}",
        },
    ),
    # LangChain v0 (source_type)
    (
        "lc-v0-image-url",
        {"type": "image", "source_type": "url", "url": IMG_URL},
        img(IMG_URL),
    ),
    (
        "lc-v0-image-base64",
        {
            "type": "image",
            "source_type": "base64",
            "data": PNG_B64,
            "mime_type": "image/png",
        },
        img(PNG_URI),
    ),
    (
        "lc-v0-file-base64",
        {
            "type": "file",
            "source_type": "base64",
            "data": PDF_B64,
            "mime_type": "application/pdf",
            "filename": "a.pdf",
        },
        pdf("a.pdf"),
    ),
    (
        "lc-v0-file-id",
        {"type": "file", "source_type": "id", "id": "file-9"},
        {"type": "input_file", "file_id": "file-9"},
    ),
    # OpenAI chat completions style
    (
        "chat-image-url-https",
        {"type": "image_url", "image_url": {"url": IMG_URL, "detail": "low"}},
        img(IMG_URL, "low"),
    ),
    (
        "chat-image-url-data",
        {"type": "image_url", "image_url": {"url": PNG_URI}},
        img(PNG_URI),
    ),
    (
        "chat-image-url-bare-string",
        {"type": "image_url", "image_url": IMG_URL},
        img(IMG_URL),
    ),
    (
        "chat-file",
        {"type": "file", "file": {"filename": "paper.pdf", "file_data": PDF_URI}},
        pdf("paper.pdf"),
    ),
    (
        "chat-file-raw-base64-typed-by-name",
        {"type": "file", "file": {"filename": "paper.pdf", "file_data": PDF_B64}},
        pdf("paper.pdf"),
    ),
    (
        "chat-file-id",
        {"type": "file", "file": {"file_id": "file-77"}},
        {"type": "input_file", "file_id": "file-77"},
    ),
    # Responses native
    ("native-input-image", img(IMG_URL, "high"), img(IMG_URL, "high")),
    (
        "native-input-image-no-detail",
        {"type": "input_image", "image_url": PNG_URI},
        img(PNG_URI),
    ),
    ("native-input-file", pdf("x.pdf"), pdf("x.pdf")),
    (
        "native-input-file-url",
        {"type": "input_file", "file_url": PDF_URL},
        {"type": "input_file", "file_url": PDF_URL},
    ),
    # Anthropic style
    (
        "anthropic-image-base64",
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": PNG_B64},
        },
        img(PNG_URI),
    ),
    (
        "anthropic-image-url",
        {"type": "image", "source": {"type": "url", "url": IMG_URL}},
        img(IMG_URL),
    ),
    (
        "anthropic-document-base64",
        {
            "type": "document",
            "title": "Attention",
            "source": {
                "type": "base64",
                "media_type": "application/pdf",
                "data": PDF_B64,
            },
        },
        pdf("Attention.pdf"),
    ),
    (
        "anthropic-document-url",
        {"type": "document", "source": {"type": "url", "url": PDF_URL}},
        {"type": "input_file", "file_url": PDF_URL},
    ),
    (
        "anthropic-document-text",
        {
            "type": "document",
            "source": {"type": "text", "media_type": "text/plain", "data": "hi"},
        },
        {"type": "input_text", "text": "hi"},
    ),
]

# (id, block, error pattern)
BAD: list[tuple[str, dict[str, Any], str]] = [
    (
        "base64-does-not-decode",
        {"type": "image", "base64": "not base64!!", "mime_type": "image/png"},
        "does not decode",
    ),
    (
        "base64-bad-padding",
        {"type": "file", "base64": PDF_B64[:-3], "mime_type": "application/pdf"},
        "does not decode",
    ),
    (
        "data-uri-bad-base64",
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,@@@"}},
        "does not decode",
    ),
    (
        "base64-empty",
        {"type": "image", "base64": "", "mime_type": "image/png"},
        "empty",
    ),
    ("image-missing-mime", {"type": "image", "base64": PNG_B64}, "needs a mime_type"),
    ("file-missing-mime", {"type": "file", "base64": PDF_B64}, "needs a mime_type"),
    (
        "image-unsupported-mime",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/tiff"},
        "unsupported image mime type 'image/tiff'",
    ),
    (
        "image-mime-not-image",
        {"type": "image", "base64": PDF_B64, "mime_type": "application/pdf"},
        "unsupported image mime type",
    ),
    (
        "malformed-mime",
        {"type": "file", "base64": PDF_B64, "mime_type": "pdf"},
        "unsupported mime type 'pdf'",
    ),
    (
        "data-uri-not-image",
        {"type": "image_url", "image_url": {"url": PDF_URI}},
        "unsupported image mime type",
    ),
    (
        "data-uri-not-base64",
        {"type": "image_url", "image_url": {"url": "data:image/png,rawbytes"}},
        "must be base64",
    ),
    (
        "image-neither-url-nor-data",
        {"type": "image", "mime_type": "image/png"},
        "needs a url, base64",
    ),
    (
        "image-url-missing",
        {"type": "image_url", "image_url": {"detail": "low"}},
        "has no url",
    ),
    (
        "input-image-empty",
        {"type": "input_image", "detail": "auto"},
        "needs image_url or file_id",
    ),
    (
        "unknown-detail",
        {"type": "image_url", "image_url": {"url": IMG_URL, "detail": "ultra"}},
        "unknown image detail 'ultra'",
    ),
    ("unknown-detail-native", img(IMG_URL, "max"), "unknown image detail"),
    (
        "local-path-url",
        {"type": "image", "url": "/home/me/cat.png"},
        "http\\(s\\) or a data: URI",
    ),
    (
        "file-scheme-url",
        {"type": "file", "url": "file:///tmp/a.pdf"},
        "http\\(s\\) or a data: URI",
    ),
    (
        "file-no-source",
        {"type": "file", "mime_type": "application/pdf"},
        "needs base64",
    ),
    (
        "chat-file-raw-base64-untyped",
        {"type": "file", "file": {"filename": "blob", "file_data": PDF_B64}},
        "must be a data URI",
    ),
    (
        "input-file-two-sources",
        {"type": "input_file", "file_url": PDF_URL, "file_id": "f"},
        "exactly one",
    ),
    (
        "anthropic-unknown-source",
        {"type": "image", "source": {"type": "file", "file_id": "f"}},
        "unsupported image source type 'file'",
    ),
    (
        "audio-block",
        {"type": "audio", "base64": PNG_B64, "mime_type": "audio/wav"},
        "audio input is not supported by the Responses API",
    ),
    (
        "openai-input-audio",
        {"type": "input_audio", "input_audio": {"data": PNG_B64, "format": "wav"}},
        "audio input is not supported by the Responses API",
    ),
    (
        "video-block",
        {"type": "video", "url": "https://example.com/v.mp4"},
        "video input is not supported by the Responses API",
    ),
    (
        "audio-as-file",
        {"type": "file", "base64": PNG_B64, "mime_type": "audio/mpeg"},
        "not supported by the Responses API",
    ),
    (
        "unknown-type",
        {"type": "hologram", "data": "x"},
        "unsupported content block type",
    ),
    (
        "bytes-not-str",
        {"type": "image", "base64": PNG, "mime_type": "image/png"},
        "must be a str",
    ),
]


# -- harness -------------------------------------------------------------------
@pytest.fixture
def validator(request: pytest.FixtureRequest) -> Any:
    """The CreateResponse validator, or None when ../shared is absent."""
    try:
        return request.getfixturevalue("create_response_validator")
    except pytest.skip.Exception:
        return None


def cat_model() -> tuple[ChatOneRouterResponses, list[Recorded]]:
    """A model answering "It is a cat." to any request, and its requests."""
    rec = Recorder(responder=lambda _: bodies.text_response("It is a cat."))
    return make_llm(rec), rec.requests


async def send(messages: list[BaseMessage], mode: str) -> dict[str, Any]:
    llm, sent = cat_model()
    if mode == "sync":
        reply = llm.invoke(messages)
    else:
        reply = await llm.ainvoke(messages)
    assert reply.text == "It is a cat."
    assert len(sent) == 1
    return sent[0].json()


def check_valid(validator: Any, body: dict[str, Any]) -> None:
    if validator is not None:
        errors = [e.message[:200] for e in validator.iter_errors(body)]
        assert errors == [], errors


def human(block: dict[str, Any]) -> HumanMessage:
    return HumanMessage(content=[{"type": "text", "text": "What is in this?"}, block])


# -- accepted forms -----------------------------------------------------------------
@pytest.mark.parametrize(
    ("block", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_block_converts(block: dict[str, Any], expected: dict[str, Any]) -> None:
    original = json.loads(json.dumps(block, default=str))
    assert convert_media_block(block, where="HumanMessage") == expected
    assert json.loads(json.dumps(block, default=str)) == original  # input untouched


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("block", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
async def test_block_sent_in_user_message(
    block: dict[str, Any], expected: dict[str, Any], mode: str, validator: Any
) -> None:
    body = await send([human(block)], mode)
    assert body["input"][0]["role"] == "user"
    assert body["input"][0]["content"] == [
        {"type": "input_text", "text": "What is in this?"},
        expected,
    ]
    check_valid(validator, body)


def test_done_when_example(validator: Any) -> None:
    """The issue's acceptance example, verbatim in shape."""
    llm, sent = cat_model()
    llm.invoke(
        [
            HumanMessage(
                content=[
                    {"type": "text", "text": "What is in this image?"},
                    {"type": "image", "url": IMG_URL},
                ]
            )
        ]
    )
    (part,) = [
        p for p in sent[0].json()["input"][0]["content"] if p["type"] == "input_image"
    ]
    assert part == {"type": "input_image", "image_url": IMG_URL, "detail": "auto"}
    check_valid(validator, sent[0].json())


def tool_turn(content: list[dict[str, Any]]) -> list[BaseMessage]:
    return [
        HumanMessage("Fetch the chart and the report."),
        AIMessage(
            content="",
            tool_calls=[{"name": "fetch", "args": {"what": "chart"}, "id": "call_7"}],
        ),
        ToolMessage(content=content, tool_call_id="call_7", name="fetch"),
    ]


TOOL_CASES = [
    (
        "standard-image",
        {"type": "image", "base64": PNG_B64, "mime_type": "image/png"},
        img(PNG_URI),
    ),
    (
        "chat-image-url",
        {"type": "image_url", "image_url": {"url": PNG_URI}},
        img(PNG_URI),
    ),
    (
        "standard-pdf",
        {"type": "file", "base64": PDF_B64, "mime_type": "application/pdf"},
        pdf(),
    ),
    (
        "chat-file",
        {"type": "file", "file": {"filename": "r.pdf", "file_data": PDF_URI}},
        pdf("r.pdf"),
    ),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("block", "expected"), [c[1:] for c in TOOL_CASES], ids=[c[0] for c in TOOL_CASES]
)
async def test_media_in_tool_message(
    block: dict[str, Any], expected: dict[str, Any], mode: str, validator: Any
) -> None:
    body = await send(tool_turn([{"type": "text", "text": "here"}, block]), mode)
    (output,) = [i for i in body["input"] if i["type"] == "function_call_output"]
    assert output["call_id"] == "call_7"
    assert output["output"] == [{"type": "input_text", "text": "here"}, expected]
    check_valid(validator, body)


def test_several_media_keep_their_order() -> None:
    parts = to_input_parts(
        [
            "intro",
            {"type": "image", "url": IMG_URL},
            {"type": "text", "text": "and"},
            {"type": "file", "url": PDF_URL},
        ],
        where="HumanMessage at index 0",
    )
    assert [p["type"] for p in parts] == [
        "input_text",
        "input_image",
        "input_text",
        "input_file",
    ]


@settings(max_examples=50, deadline=None)
@given(
    raw=st.binary(min_size=1, max_size=512),
    mime=st.sampled_from(["image/png", "image/webp", "image/gif"]),
)
def test_base64_image_round_trips(raw: bytes, mime: str) -> None:
    part = convert_media_block(
        {"type": "image", "base64": base64.b64encode(raw).decode(), "mime_type": mime},
        where="HumanMessage",
    )
    prefix = f"data:{mime};base64,"
    assert part["image_url"].startswith(prefix)
    assert base64.b64decode(part["image_url"][len(prefix) :]) == raw


# -- rejected forms -----------------------------------------------------------------
# langchain-core checks this one itself (while formatting messages for tracing),
# before our code runs; its message is its own but it is still raised pre-request.
CORE_CHECKED = {"image-missing-mime": "mime_type key is required"}


@pytest.mark.parametrize(
    ("block", "pattern"), [c[1:] for c in BAD], ids=[c[0] for c in BAD]
)
def test_bad_block_error_names_message_block_and_type(
    block: dict[str, Any], pattern: str
) -> None:
    with pytest.raises(ValueError, match=pattern) as info:
        to_input_parts(["look:", block], where="HumanMessage at index 4")
    assert str(info.value).startswith(
        f"HumanMessage at index 4, content block 1 (type {block['type']!r}): "
    )


@pytest.mark.parametrize(("name", "block", "pattern"), BAD, ids=[c[0] for c in BAD])
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_bad_block_raises_before_any_request(
    name: str, block: dict[str, Any], pattern: str, mode: str
) -> None:
    llm, sent = cat_model()
    messages = [HumanMessage("first"), AIMessage("ok"), human(block)]
    with pytest.raises(ValueError, match=CORE_CHECKED.get(name, pattern)) as info:
        if mode == "sync":
            llm.invoke(messages)
        else:
            await llm.ainvoke(messages)
    assert sent == []
    if name not in CORE_CHECKED:
        assert "HumanMessage at index 2, content block 1 (type " in str(info.value)


async def test_bad_block_in_tool_message_names_it() -> None:
    llm, sent = cat_model()
    bad = {"type": "image", "base64": "%%%", "mime_type": "image/png"}
    with pytest.raises(
        ValueError, match="ToolMessage at index 2, content block 0.*does not decode"
    ):
        await llm.ainvoke(tool_turn([bad]))
    assert sent == []


@pytest.mark.parametrize("mode", ["stream", "astream"])
async def test_bad_block_raises_before_streaming(mode: str) -> None:
    llm, sent = cat_model()
    messages = [human({"type": "video", "url": "https://example.com/v.mp4"})]
    with pytest.raises(ValueError, match="not supported by the Responses API"):
        if mode == "stream":
            list(llm.stream(messages))
        else:
            [chunk async for chunk in llm.astream(messages)]
    assert sent == []


def test_tool_result_block_points_to_tool_message() -> None:
    with pytest.raises(ValueError, match="ToolMessage"):
        to_input_parts(
            [{"type": "tool_result", "tool_use_id": "x", "content": "y"}],
            where="HumanMessage at index 0",
        )


@pytest.mark.parametrize("text", [None, 3, ["a"]])
def test_text_block_that_is_not_a_string_is_rejected_naming_the_block(
    text: Any,
) -> None:
    message = HumanMessage(
        [{"type": "text", "text": "ok"}, {"type": "text", "text": text}]
    )
    with pytest.raises(ValueError, match=r"HumanMessage.*content block 1 \('text'\)"):
        ChatOneRouterResponses(model="m")._request_body([message], stream=False)
