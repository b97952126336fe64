"""Issue 29 items 6 and 7: bad per-call and constructor input fails with an
error naming the field before any request reaches a loopback server (the
sync and async paths alike), and a per-call `stop` string is one sequence."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from langchain_core.messages import AIMessage, HumanMessage

from langchain_onerouter import (
    ChatOneRouterResponses,
    OneRouterEmbeddings,
    OneRouterRerank,
)
from tests.support.modes import KEY, MODES, call, ok_reply
from tests.support.scripted_server import RawReply, ScriptedServer

CLASSES = {
    "chat": lambda **kw: ChatOneRouterResponses(model="m", **kw),
    "embeddings": lambda **kw: OneRouterEmbeddings(model="e", **kw),
    "rerank": lambda **kw: OneRouterRerank(model="r", **kw),
}


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    with ScriptedServer(lambda r: ok_reply("x", streaming=False)) as srv:
        yield srv


def chat(server: ScriptedServer, **kw: Any) -> ChatOneRouterResponses:
    return ChatOneRouterResponses(
        model="m", api_key=KEY, base_url=server.base_url, max_retries=0, **kw
    )


# -- item 6: per-call stop ---------------------------------------------------
@pytest.mark.parametrize("mode", MODES)
async def test_stop_string_is_one_sequence(server: ScriptedServer, mode: str) -> None:
    streaming = mode in ("stream", "astream")
    server.push(ok_reply("a b abc tail", streaming=streaming))
    out = await call(chat(server), mode, stop="abc")
    assert out.error is None
    assert out.message is not None and out.message.text == "a b "
    assert out.message.response_metadata["stop_sequence"] == "abc"


def test_stop_string_in_the_constructor_is_one_sequence() -> None:
    llm = ChatOneRouterResponses(model="m", api_key=KEY, stop="\n\n")
    assert llm.stop == ["\n\n"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("stop", "named"), [(123, "stop must be"), (["ok", 7], "stop[1]"), ({"a"}, "stop")]
)
async def test_bad_stop_fails_before_the_network(
    server: ScriptedServer, mode: str, stop: Any, named: str
) -> None:
    out = await call(chat(server), mode, stop=stop)
    assert isinstance(out.error, TypeError)
    assert named in str(out.error)
    assert server.requests == []


# -- item 7: per-call request fields ------------------------------------------
PER_CALL = {
    "tool_choice": (123, "tool_choice must be"),
    "store": ("no", "store must be True or False"),
    "parallel_tool_calls": ("yes", "parallel_tool_calls must be True or False"),
    "text": ({"format": 5}, "text.format must be"),
    "request_metadata": ({"a": 1}, "request_metadata must map strings"),
    "max_tokens": (10**30, "max_tokens"),
}


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("keyword", list(PER_CALL))
async def test_bad_per_call_field_fails_before_the_network(
    server: ScriptedServer, mode: str, keyword: str
) -> None:
    value, message = PER_CALL[keyword]
    # `.bind`: `call`'s own `text` parameter would take the `text` keyword
    out = await call(chat(server).bind(**{keyword: value}), mode)
    assert isinstance(out.error, ValueError), out.error
    assert message in str(out.error)
    assert server.requests == []


@pytest.mark.parametrize(
    "kwargs",
    [
        {"tool_choice": "auto"},
        {"tool_choice": {"type": "function", "name": "f"}},
        {"store": False},
        {"parallel_tool_calls": True},
        {"text": {"format": {"type": "json_object"}, "verbosity": "low"}},
        {"request_metadata": {"user": "42"}},
    ],
)
def test_valid_per_call_fields_are_sent(
    server: ScriptedServer, kwargs: dict[str, Any]
) -> None:
    chat(server).invoke("hi", **kwargs)
    (request,) = server.requests
    body = request.json()
    for key, value in kwargs.items():
        assert body["metadata" if key == "request_metadata" else key] == value


@pytest.mark.parametrize("mode", MODES)
async def test_huge_integer_in_a_replayed_item_names_its_place(
    server: ScriptedServer, mode: str
) -> None:
    item = {"type": "web_search_call", "id": "ws_1", "status": "completed"}
    history = [
        HumanMessage("find it"),
        AIMessage(content=[{**item, "action": {"n": 10**30}}]),
        HumanMessage("and?"),
    ]
    out = await call(chat(server), mode, history)
    assert isinstance(out.error, ValueError)
    assert "input[1].action.n is an integer beyond 64 bits" in str(out.error)
    assert server.requests == []


def test_huge_integer_in_the_constructor_names_the_field() -> None:
    with pytest.raises(ValueError, match="max_tokens"):
        ChatOneRouterResponses(model="m", api_key=KEY, max_tokens=10**30)


# -- item 7: the key and the headers, on all three classes ------------------------
@pytest.mark.parametrize("cls", list(CLASSES))
@pytest.mark.parametrize("key", ["", "   ", "\n"])
def test_empty_or_blank_key_is_refused(
    server: ScriptedServer, cls: str, key: str
) -> None:
    with pytest.raises(ValueError, match="api_key is empty or blank"):
        CLASSES[cls](api_key=key, base_url=server.base_url)
    assert server.requests == []


def test_empty_key_from_the_environment_is_refused(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ONEROUTER_API_KEY", "")
    with pytest.raises(ValueError, match="ONEROUTER_API_KEY"):
        ChatOneRouterResponses(model="m")


@pytest.mark.parametrize("cls", list(CLASSES))
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"X-Tag": "a\r\nX-Injected: 1"}, r"default_headers\['X-Tag'\] has '\\r'"),
        ({"X-Tag": "a\nb"}, r"default_headers\['X-Tag'\] has '\\n'"),
        ({"X-Tag": "caf\u00e9"}, "non-ASCII"),
        ({"X Tag": "a"}, "invalid header name 'X Tag'"),
        ({"X-Tag:": "a"}, "invalid header name"),
        ({"": "a"}, "invalid header name"),
    ],
)
def test_bad_default_headers_fail_at_construction(
    server: ScriptedServer, cls: str, headers: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError, match=message) as caught:
        CLASSES[cls](api_key=KEY, base_url=server.base_url, default_headers=headers)
    assert "X-Injected" not in str(caught.value)  # the value is never echoed
    assert server.requests == []


def test_good_default_headers_are_sent(server: ScriptedServer) -> None:
    chat(server, default_headers={"X-Title": "my app\tv1"}).invoke("hi")
    assert server.requests[0].headers["x-title"] == "my app\tv1"


# -- item 7: embeddings and rerank keywords ------------------------------------------
def embeddings(server: ScriptedServer, **kw: Any) -> OneRouterEmbeddings:
    return OneRouterEmbeddings(
        model="e", api_key=KEY, base_url=server.base_url, max_retries=0, **kw
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bogus": 1}, "unknown keyword 'bogus'"),
        ({"dimension": 8}, "did you mean 'dimensions'"),
        ({"dimensions": 10**30}, "dimensions is an integer beyond 64 bits"),
        ({"extra_body": ["x"]}, "extra_body must be a dict"),
    ],
)
@pytest.mark.parametrize(
    "method", ["embed_documents", "embed_query", "aembed_documents", "aembed_query"]
)
async def test_bad_embedding_keywords_fail_before_the_network(
    server: ScriptedServer, method: str, kwargs: dict[str, Any], message: str
) -> None:
    emb = embeddings(server)
    texts: Any = "a" if method.endswith("query") else ["a"]
    with pytest.raises((TypeError, ValueError), match=message):
        result = getattr(emb, method)(texts, **kwargs)
        if method.startswith("a"):
            await result
    assert server.requests == []


def test_embedding_extra_body_and_documented_keywords_are_sent(
    server: ScriptedServer,
) -> None:
    server.push(RawReply(body={"data": [{"index": 0, "embedding": [0.5, 0.5]}]}))
    vectors = embeddings(server).embed_documents(
        ["a"], dimensions=2, user="u1", extra_body={"provider": {"sort": "price"}}
    )
    assert vectors == [[0.5, 0.5]]
    body = server.requests[0].json()
    assert body["dimensions"] == 2 and body["user"] == "u1"
    assert body["provider"] == {"sort": "price"}
    assert "extra_body" not in body


async def test_unknown_rerank_keyword_names_top_n(server: ScriptedServer) -> None:
    rr = OneRouterRerank(model="r", api_key=KEY, base_url=server.base_url)
    with pytest.raises(TypeError, match="did you mean 'top_n'"):
        rr.rerank(["a", "b"], "q", top_k=1)
    with pytest.raises(TypeError, match="did you mean 'top_n'"):
        await rr.arerank(["a", "b"], "q", top_k=1)
    with pytest.raises(ValueError, match="beyond 64 bits"):
        OneRouterRerank(
            model="r", api_key=KEY, base_url=server.base_url, model_kwargs={"x": 2**64}
        )
    assert server.requests == []


def test_traced_stop_is_the_list_that_is_enforced() -> None:
    llm = ChatOneRouterResponses(model="m", api_key=KEY, stop=["END"])
    assert llm._get_ls_params(stop="abc")["ls_stop"] == ["abc"]
    assert llm._get_ls_params()["ls_stop"] == ["END"]
