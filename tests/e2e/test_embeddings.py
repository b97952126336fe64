"""OneRouterEmbeddings against the emulator over real sockets: batching, order,
bounded concurrency, base64, usage and cost, progress, bad input, faults."""

from __future__ import annotations

import asyncio
import math
import threading
from typing import Any

import httpx2
import pytest

pytest.importorskip("starlette")

from langchain_onerouter import (  # noqa: E402
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    ContextLengthExceededError,
    OneRouterEmbeddings,
    RateLimitError,
    ResponseFailedError,
)
from langchain_onerouter.testing import Reply  # noqa: E402
from langchain_onerouter.testing.retrieval import (  # noqa: E402
    PRICE_PER_TOKEN,
    cosine,
    embed_text,
)

MODEL = "text-embedding-3-small"
TEXTS = [f"document number {i} about topic {i % 3}" for i in range(7)]


def _embeddings(**kwargs: Any) -> OneRouterEmbeddings:
    return OneRouterEmbeddings(**{"model": MODEL, **kwargs})  # env: the emulator


def _posts(emu: Any) -> list[Any]:
    return [r for r in emu.requests if r.path == "/v1/embeddings"]


class _InFlight:
    """Counts requests in flight at once through an httpx2 transport."""

    def __init__(self) -> None:
        self.now = self.peak = 0
        self._lock = threading.Lock()

    def enter(self) -> None:
        with self._lock:
            self.now += 1
            self.peak = max(self.peak, self.now)

    def leave(self) -> None:
        with self._lock:
            self.now -= 1


class _CountingTransport(httpx2.HTTPTransport):
    def __init__(self, counter: _InFlight) -> None:
        super().__init__()
        self.counter = counter

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        self.counter.enter()
        try:
            response = super().handle_request(request)
            response.read()
            return response
        finally:
            self.counter.leave()


class _AsyncCountingTransport(httpx2.AsyncHTTPTransport):
    def __init__(self, counter: _InFlight) -> None:
        super().__init__()
        self.counter = counter

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        self.counter.enter()
        try:
            response = await super().handle_async_request(request)
            await response.aread()
            return response
        finally:
            self.counter.leave()


# -- results -------------------------------------------------------------------
def test_batches_come_back_in_input_order(onerouter_emulator: Any) -> None:
    emb = _embeddings(chunk_size=2, max_concurrency=3)
    vectors = emb.embed_documents(TEXTS)
    assert vectors == [pytest.approx(embed_text(t)) for t in TEXTS]
    sent = [r.body["input"] for r in _posts(onerouter_emulator)]
    assert sorted(sent) == sorted([TEXTS[i : i + 2] for i in range(0, 7, 2)])
    assert all(r.body["model"] == MODEL for r in _posts(onerouter_emulator))


async def test_async_batches_come_back_in_input_order(onerouter_emulator: Any) -> None:
    emb = _embeddings(chunk_size=3)
    vectors = await emb.aembed_documents(TEXTS)
    assert vectors == [pytest.approx(embed_text(t)) for t in TEXTS]
    assert len(_posts(onerouter_emulator)) == 3
    assert await emb.aembed_query("x") == pytest.approx(embed_text("x"))


def test_similarity_is_meaningful(onerouter_emulator: Any) -> None:
    emb = _embeddings()
    cat, cat_again, cats, tax = emb.embed_documents(
        [
            "the cat sat on the mat",
            "the cat sat on the mat",
            "a cat on a mat",
            "tax law",
        ]
    )
    assert cat == cat_again
    assert cat != cats
    assert cosine(cat, cats) > cosine(cat, tax)
    assert math.isclose(sum(x * x for x in cat), 1.0)


def test_per_call_chunk_size_and_payload_overrides(onerouter_emulator: Any) -> None:
    emb = _embeddings()
    vectors = emb.embed_documents(TEXTS[:3], chunk_size=1, dimensions=16)
    assert [len(v) for v in vectors] == [16, 16, 16]
    assert [r.body["dimensions"] for r in _posts(onerouter_emulator)] == [16] * 3


def test_dimensions_and_base64_are_sent_and_decoded(onerouter_emulator: Any) -> None:
    floats = _embeddings(dimensions=32).embed_documents(TEXTS[:2])
    packed = _embeddings(dimensions=32, encoding_format="base64").embed_documents(
        TEXTS[:2]
    )
    bodies = [r.body for r in _posts(onerouter_emulator)]
    assert bodies[0]["dimensions"] == 32 and "encoding_format" not in bodies[0]
    assert bodies[1]["encoding_format"] == "base64"
    assert [len(v) for v in packed] == [32, 32]
    for a, b in zip(floats, packed, strict=True):
        assert b == pytest.approx(a, rel=1e-6, abs=1e-7)  # float32 on the wire


# -- concurrency ------------------------------------------------------------------
def test_sync_concurrency_is_bounded(onerouter_emulator: Any) -> None:
    onerouter_emulator.latency = 0.05
    counter = _InFlight()
    client = httpx2.Client(transport=_CountingTransport(counter))
    emb = _embeddings(chunk_size=1, max_concurrency=3, http_client=client)
    vectors = emb.embed_documents(TEXTS)
    assert len(vectors) == 7 and len(_posts(onerouter_emulator)) == 7
    assert 2 <= counter.peak <= 3
    client.close()


async def test_async_concurrency_is_bounded(onerouter_emulator: Any) -> None:
    onerouter_emulator.latency = 0.05
    counter = _InFlight()
    client = httpx2.AsyncClient(transport=_AsyncCountingTransport(counter))
    emb = _embeddings(chunk_size=1, max_concurrency=2, http_async_client=client)
    vectors = await emb.aembed_documents(TEXTS)
    assert vectors == [pytest.approx(embed_text(t)) for t in TEXTS]
    assert counter.peak == 2
    await client.aclose()


# -- usage, cost, progress -----------------------------------------------------------
def test_usage_and_cost_are_summed_over_batches(onerouter_emulator: Any) -> None:
    emb = _embeddings(chunk_size=3, usage_accounting=True)
    assert emb.last_usage is None
    emb.embed_documents(TEXTS)
    usage = emb.last_usage
    assert usage is not None
    tokens = sum(len(t.split()) for t in TEXTS)
    assert (usage.prompt_tokens, usage.total_tokens, usage.requests) == (
        tokens,
        tokens,
        3,
    )
    assert usage.cost == pytest.approx(tokens * PRICE_PER_TOKEN)
    assert all(r.body["usage"] == {"include": True} for r in _posts(onerouter_emulator))
    emb.embed_query("two words")
    assert emb.last_usage is not None and emb.last_usage.prompt_tokens == 2


def test_scripted_usage_is_kept_losslessly(onerouter_emulator: Any) -> None:
    usage = {"prompt_tokens": 9, "total_tokens": 9, "cost_details": {"upstream": 1}}
    onerouter_emulator.push(Reply(usage=usage))
    emb = _embeddings()
    emb.embed_query("hello")
    assert emb.last_usage is not None
    assert emb.last_usage.raw == ({"usage": usage},)
    assert emb.last_usage.cost is None


def test_progress_bar(
    onerouter_emulator: Any, capsys: pytest.CaptureFixture[str]
) -> None:
    pytest.importorskip("tqdm")
    _embeddings(chunk_size=2, show_progress=True).embed_documents(TEXTS)
    assert "7/7" in capsys.readouterr().err


# -- bad input: a clear error, and no request -------------------------------------------
@pytest.mark.parametrize(
    "call, exc, match",
    [
        (
            lambda e: e.embed_documents(["ok", ""]),
            ValueError,
            r"texts\[1\] is an empty",
        ),
        (lambda e: e.embed_query(""), ValueError, r"texts\[0\] is an empty"),
        (lambda e: e.embed_documents("hello"), TypeError, "use embed_query"),
        (
            lambda e: e.embed_documents(["a", None]),
            TypeError,
            r"texts\[1\] is NoneType",
        ),
        (
            lambda e: e.embed_documents(["a", "word, " * 9000]),
            ContextLengthExceededError,
            r"texts\[1\] has at least 9000 tokens",
        ),
        (lambda e: e.embed_documents(["a"], chunk_size=5000), ValueError, "chunk_size"),
        (
            lambda e: e.embed_documents(["a"], encoding_format="bas64"),
            ValueError,
            "did you mean 'base64'",
        ),
    ],
)
def test_bad_input_fails_before_any_request(
    onerouter_emulator: Any, call: Any, exc: type, match: str
) -> None:
    with pytest.raises(exc, match=match):
        call(_embeddings())
    assert onerouter_emulator.requests == []


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"dimensions": 0}, "greater than or equal to 1"),
        ({"encoding_format": "binary"}, "'float' or 'base64'"),
        ({"chunk_size": 0}, "greater than or equal to 1"),
        ({"model_kwargs": {"input": ["x"]}}, "'input' is set from the texts"),
        ({"api_key": None}, "No OneRouter API key"),
        ({"base_url": "ftp://x"}, "must be an http"),
    ],
)
def test_bad_settings_fail_at_construction(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        _embeddings(**kwargs)


async def test_async_bad_input_fails_before_any_request(
    onerouter_emulator: Any,
) -> None:
    with pytest.raises(ValueError, match="empty string"):
        await _embeddings().aembed_documents(["a", ""])
    assert onerouter_emulator.requests == []


# -- the server says no -----------------------------------------------------------------
def test_server_side_context_length_is_typed(onerouter_emulator: Any) -> None:
    emb = _embeddings(check_embedding_ctx_length=False)
    with pytest.raises(ContextLengthExceededError, match="maximum context length"):
        emb.embed_documents(["a " * 9000])


def test_a_failed_batch_fails_the_call(onerouter_emulator: Any) -> None:
    onerouter_emulator.fail_next(1, status=400, message="bad batch")
    emb = _embeddings(chunk_size=2, max_concurrency=1)
    with pytest.raises(BadRequestError, match="bad batch"):
        emb.embed_documents(TEXTS)
    assert emb.last_usage is None


async def test_a_failed_async_batch_fails_the_call(onerouter_emulator: Any) -> None:
    onerouter_emulator.fail_next(1, status=400, message="bad batch")
    with pytest.raises(BadRequestError, match="bad batch"):
        await _embeddings(chunk_size=2).aembed_documents(TEXTS)
    await _settle(onerouter_emulator)  # batches cancelled in flight still land


async def _settle(emu: Any, quiet: float = 0.2, deadline: float = 2.0) -> None:
    """Wait until the server has received nothing new for `quiet` seconds."""
    loop = asyncio.get_running_loop()
    end, seen = loop.time() + deadline, -1
    while loop.time() < end and len(emu.requests) != seen:
        seen = len(emu.requests)
        await asyncio.sleep(quiet)


def test_retries_like_the_chat_model(onerouter_emulator: Any) -> None:
    texts = [f"retried text {i}" for i in range(7)]
    onerouter_emulator.fail_next(1, status=503, retry_after=0)
    vectors = _embeddings(chunk_size=4, max_concurrency=1).embed_documents(texts)
    assert vectors == [pytest.approx(embed_text(t)) for t in texts]
    # Two batches, the first one twice (a request cancelled by an earlier test
    # may still arrive, so count only this test's).
    sent = [r.body["input"] for r in _posts(onerouter_emulator)]
    assert [b for b in sent if b[0].startswith("retried")] == [
        texts[:4],
        texts[:4],
        texts[4:],
    ]

    onerouter_emulator.fail_next(1, status=429, retry_after=0)
    with pytest.raises(RateLimitError):
        _embeddings(max_retries=0).embed_query("x")


@pytest.mark.parametrize(
    "reply, exc, match",
    [
        (Reply(raw_body='{"data": []}'), APIStatusError, "0 embeddings for 1 inputs"),
        (Reply(raw_body="<html>oops</html>"), APIStatusError, "not valid JSON"),
        (
            Reply(fail=True, error_message="upstream broke"),
            ResponseFailedError,
            "upstream",
        ),
        (Reply(latency=0, status=502), APIStatusError, "HTTP 502"),
    ],
)
def test_unusable_answers_raise_typed_errors(
    onerouter_emulator: Any, reply: Reply, exc: type, match: str
) -> None:
    onerouter_emulator.push(reply)
    with pytest.raises(exc, match=match):
        _embeddings(max_retries=0).embed_query("x")


def test_vectors_of_different_lengths_in_one_call_raise(
    onerouter_emulator: Any,
) -> None:
    onerouter_emulator.push(
        Reply(raw_body='{"data": [{"index": 0, "embedding": [1, 2]}]}')
    )
    onerouter_emulator.push(
        Reply(raw_body='{"data": [{"index": 0, "embedding": [1]}]}')
    )
    with pytest.raises(APIStatusError, match="lengths"):
        _embeddings(chunk_size=1, max_concurrency=1).embed_documents(["a", "b"])


def test_the_key_never_leaks(onerouter_emulator: Any) -> None:
    emb = _embeddings(api_key="sk-wrong-key-0123456789")
    assert "sk-wrong-key" not in repr(emb) and "sk-wrong-key" not in str(emb)
    with pytest.raises(AuthenticationError) as info:
        emb.embed_query("x")
    assert "sk-wrong-key" not in str(info.value)
    sent = onerouter_emulator.requests[-1].headers["authorization"]
    assert sent == "Bearer sk-wrong-key-0123456789"


def test_one_pooled_client_per_instance(onerouter_emulator: Any) -> None:
    emb = _embeddings(chunk_size=1, max_concurrency=2)
    emb.embed_documents(TEXTS[:4])
    transport = emb._get_transport()
    emb.embed_documents(TEXTS[:4])
    assert emb._get_transport() is transport


def test_threads_on_a_fresh_instance_share_one_transport(
    onerouter_emulator: Any,
) -> None:
    from concurrent.futures import ThreadPoolExecutor

    emb = _embeddings()
    with ThreadPoolExecutor(16) as pool:
        transports = set(pool.map(lambda _: id(emb._get_transport()), range(64)))
        vectors = list(pool.map(emb.embed_query, TEXTS))
    assert len(transports) == 1
    assert vectors == [pytest.approx(embed_text(t)) for t in TEXTS]


def test_asyncio_run_twice(onerouter_emulator: Any) -> None:
    emb = _embeddings(chunk_size=2)
    first = asyncio.run(emb.aembed_documents(TEXTS[:3]))
    second = asyncio.run(emb.aembed_documents(TEXTS[:3]))
    assert first == second
