"""Against the real OneRouter: `ONEROUTER_LIVE=1 pytest -m live` with a key.

Only the explicit opt-in runs them: an exported ONEROUTER_API_KEY alone does
not (see tests/support/live.py). `ONEROUTER_LIVE_API_KEY` wins over
`ONEROUTER_API_KEY`; `ONEROUTER_LIVE_MODEL` picks the model. pytest-socket
only allows loopback, so these tests re-enable sockets.
"""

from __future__ import annotations

import base64
import os
import struct
import zlib

import pytest
from langchain_core.messages import AIMessageChunk, HumanMessage
from pydantic import BaseModel, Field

from langchain_onerouter import ChatOneRouterResponses
from tests.support.live import LIVE_KEY, SKIP_REASON

LIVE_MODEL = os.environ.get("ONEROUTER_LIVE_MODEL", "openai/gpt-5.4")
REASONING_MODEL = os.environ.get("ONEROUTER_LIVE_REASONING_MODEL", "o4-mini")

pytestmark = [
    pytest.mark.live,
    pytest.mark.enable_socket,
    pytest.mark.skipif(not LIVE_KEY, reason=SKIP_REASON),
    pytest.mark.timeout(180),
]


def model(name: str = LIVE_MODEL, **kwargs: object) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model=name,
        api_key=LIVE_KEY,
        base_url="https://llm.onerouter.pro/v1",
        **kwargs,  # type: ignore[arg-type]
    )


def red_png(size: int = 16) -> str:
    """A solid red PNG as a data URI (built here: no download)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * size for _ in range(size))
    png = (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return "data:image/png;base64," + base64.b64encode(png).decode()


def test_invoke() -> None:
    message = model().invoke("Reply with the single word: pong")
    assert "pong" in message.text.lower()
    assert message.usage_metadata and message.usage_metadata["output_tokens"] > 0
    assert message.response_metadata["model_provider"] == "onerouter"


async def test_astream() -> None:
    chunks = [c async for c in model().astream("Count from 1 to 5, comma-separated.")]
    assert len(chunks) > 1
    full = chunks[0]
    for c in chunks[1:]:
        full = full + c
    assert isinstance(full, AIMessageChunk)
    assert "3" in full.text
    assert full.usage_metadata is not None


def test_tool_call_round_trip() -> None:
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return "sunny, 21C"

    llm = model().bind_tools([get_weather])
    question = HumanMessage("What's the weather in Lisbon? Use the tool.")
    first = llm.invoke([question])
    assert first.tool_calls and first.tool_calls[0]["name"] == "get_weather"
    assert "lisbon" in first.tool_calls[0]["args"]["city"].lower()
    from langchain_core.messages import ToolMessage

    answer = llm.invoke(
        [
            question,
            first,
            ToolMessage("sunny, 21C", tool_call_id=first.tool_calls[0]["id"]),
        ]
    )
    assert "21" in answer.text


def test_structured_output() -> None:
    class City(BaseModel):
        name: str = Field(description="city name")
        country: str

    result = model().with_structured_output(City).invoke("The capital of Japan?")
    assert isinstance(result, City)
    assert "tokyo" in result.name.lower()


def test_reasoning_with_encrypted_replay() -> None:
    llm = model(
        REASONING_MODEL,
        reasoning={"effort": "low", "summary": "auto"},
        include=["reasoning.encrypted_content"],
    )
    first = llm.invoke("Is 91 prime? Answer yes or no.")
    assert "no" in first.text.lower()
    details = (first.usage_metadata or {}).get("output_token_details") or {}
    assert details.get("reasoning", 0) > 0
    follow_up = llm.invoke([HumanMessage("Is 91 prime?"), first, HumanMessage("Why?")])
    assert "7" in follow_up.text or "13" in follow_up.text


def test_image_input() -> None:
    message = model().invoke(
        [
            HumanMessage(
                content=[
                    {"type": "text", "text": "What color is this image? One word."},
                    {"type": "image_url", "image_url": {"url": red_png()}},
                ]
            )
        ]
    )
    assert "red" in message.text.lower()
