"""Client lifecycle in the engines users scale on: fork (multiprocessing,
gunicorn --preload, Celery prefork), pickle and copies (Ray, multiprocessing
spawn), many threads, a loop per thread, `asyncio.run` again and again.

Over real sockets: the scripted server echoes each caller's token and
records which connection (client port) every request came on.
"""

from __future__ import annotations

import asyncio
import copy
import json
import multiprocessing
import os
import pickle
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx2
import pytest
from langchain_core.runnables import ConfigurableField

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._http import pool as _clients
from tests.support.modes import KEY, echo_reply, open_sockets, served_model
from tests.support.scripted_server import Recorded, ScriptedServer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork (POSIX)")


def _token(request: Recorded) -> str:
    return request.json()["input"][0]["content"][0]["text"]


@pytest.fixture(autouse=True)
def _fresh_shared_clients(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with no shared clients (models of earlier tests may
    still be alive, holding theirs)."""
    monkeypatch.setattr(_clients, "_SHARED", {})


@pytest.fixture
def server() -> Any:
    with ScriptedServer(echo_reply) as srv:
        yield srv


def _ports(server: ScriptedServer, token: str) -> set[int]:
    return {r.client_port for r in server.requests if _token(r) == token}


def _settle(before: int) -> bool:
    """Open sockets are back to `before` (the server side closes once we do)."""
    import time

    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        if open_sockets() <= before:
            return True
        time.sleep(0.05)
    return False


# -- fork ---------------------------------------------------------------------


def _in_child(work: Any) -> dict[str, Any]:
    """Fork; run `work()` in the child and return what it returned (or the
    error it raised) through a pipe. The child always exits."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        try:
            os.close(read)
            try:
                result: dict[str, Any] = {"ok": work()}
            except BaseException as exc:  # reported to the parent
                result = {"error": f"{type(exc).__name__}: {exc}"}
            os.write(write, json.dumps(result).encode())
        finally:
            os._exit(0)
    os.close(write)
    chunks = []
    while chunk := os.read(read, 65536):
        chunks.append(chunk)
    os.close(read)
    os.waitpid(pid, 0)
    return json.loads(b"".join(chunks) or b'{"error": "child died"}')


def test_forked_child_opens_its_own_connection_and_parent_keeps_its_own(
    server: ScriptedServer,
) -> None:
    llm = served_model(server)
    assert llm.invoke("parent-1").text == "echo parent-1"
    parent_port = _ports(server, "parent-1")

    child = _in_child(lambda: [llm.invoke(f"child-{i}").text for i in range(3)])

    assert child == {"ok": [f"echo child-{i}" for i in range(3)]}
    child_ports = set().union(*(_ports(server, f"child-{i}") for i in range(3)))
    assert child_ports and not child_ports & parent_port  # never the parent's socket
    assert llm.invoke("parent-2").text == "echo parent-2"
    assert _ports(server, "parent-2") == parent_port  # the parent's pool survived


def test_fork_while_the_pool_lock_is_held_does_not_deadlock_the_child(
    server: ScriptedServer,
) -> None:
    llm = served_model(server)
    llm.invoke("warm")
    held = (llm._get_transport()._clients._clients.lock, _clients._SHARED_LOCK)
    with held[0], held[1]:  # as if other threads held them at the fork
        child = _in_child(
            lambda: [
                llm.invoke("child").text,
                served_model(server, timeout=3).invoke("new").text,  # new settings
            ]
        )
    assert child == {"ok": ["echo child", "echo new"]}


def test_forked_child_never_uses_the_parents_loop_bound_client(
    server: ScriptedServer,
) -> None:
    llm = served_model(server)
    loop = asyncio.new_event_loop()  # stays open: its client stays pooled
    try:
        assert loop.run_until_complete(llm.ainvoke("parent")).text == "echo parent"

        async def child_calls() -> list[str]:
            return [(await llm.ainvoke(f"achild-{i}")).text for i in range(2)]

        child = _in_child(lambda: asyncio.run(child_calls()))
        assert child == {"ok": ["echo achild-0", "echo achild-1"]}
        ports = _ports(server, "achild-0") | _ports(server, "achild-1")
        assert not ports & _ports(server, "parent")
        again = loop.run_until_complete(llm.ainvoke("parent-again"))
        assert again.text == "echo parent-again"
        assert _ports(server, "parent-again") == _ports(server, "parent")
    finally:
        loop.run_until_complete(llm._get_transport().aclose())
        loop.close()


_POOL_MODEL: ChatOneRouterResponses | None = None


def _pool_call(token: str) -> tuple[str, str, int]:
    assert _POOL_MODEL is not None
    return token, _POOL_MODEL.invoke(token).text, os.getpid()


def test_multiprocessing_fork_pool_gets_every_answer_right(
    server: ScriptedServer,
) -> None:
    global _POOL_MODEL
    _POOL_MODEL = served_model(server)
    _POOL_MODEL.invoke("warm-up")  # the parent holds a pooled connection
    tokens = [f"mp-{i}" for i in range(40)]
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(4) as pool:
        results = pool.map_async(_pool_call, tokens).get(timeout=60)
    assert [(t, text) for t, text, _ in results] == [(t, f"echo {t}") for t in tokens]
    assert os.getpid() not in {pid for *_, pid in results}
    worker_ports = set().union(*(_ports(server, t) for t in tokens))
    assert not worker_ports & _ports(server, "warm-up")
    assert _POOL_MODEL.invoke("after").text == "echo after"
    _POOL_MODEL = None


# -- pickle and copies ---------------------------------------------------------


@pytest.mark.parametrize(
    "make_copy",
    [
        pytest.param(lambda m: pickle.loads(pickle.dumps(m)), id="pickle"),
        pytest.param(copy.copy, id="copy"),
        pytest.param(copy.deepcopy, id="deepcopy"),
        pytest.param(lambda m: m.model_copy(), id="model_copy"),
        pytest.param(lambda m: m.model_copy(deep=True), id="model_copy_deep"),
    ],
)
def test_copy_of_a_used_model_shares_its_connections_and_outlives_its_close(
    server: ScriptedServer, make_copy: Any
) -> None:
    llm = served_model(server)
    llm.invoke("original")
    llm.stream("original-stream")  # a generator, never started: holds nothing

    twin = make_copy(llm)

    assert twin._get_transport() is not llm._get_transport()
    assert twin.invoke("twin").text == "echo twin"
    assert _ports(server, "twin") == _ports(server, "original")  # warm, shared
    llm.close()  # the twin still uses the shared client: it stays open
    assert twin.invoke("twin-2").text == "echo twin-2"
    assert _ports(server, "twin-2") == _ports(server, "original")
    assert llm.invoke("original-2").text == "echo original-2"


def test_model_copy_with_update_uses_the_new_settings(server: ScriptedServer) -> None:
    llm = served_model(server)
    llm.invoke("warm")
    faster = llm.model_copy(update={"timeout": 7.0})
    assert faster._get_transport().client.timeout.read == 7.0
    assert llm._get_transport().client.timeout.read == 10.0


def test_configurable_fields_copies_work_after_the_default_is_closed(
    server: ScriptedServer,
) -> None:
    llm = served_model(server).configurable_fields(
        temperature=ConfigurableField(id="temperature")
    )
    config: Any = {"configurable": {"temperature": 0.5}}
    assert llm.invoke("a", config=config).text == "echo a"
    llm.default._get_transport().close()
    assert llm.invoke("b", config=config).text == "echo b"
    assert llm.invoke("c").text == "echo c"


def test_copies_share_your_client_and_pickle_says_why_it_cannot(
    server: ScriptedServer,
) -> None:
    mine = httpx2.Client()
    llm = served_model(server, http_client=mine)
    llm.invoke("warm")
    for twin in (copy.copy(llm), copy.deepcopy(llm), llm.model_copy(deep=True)):
        assert twin.http_client is mine and twin._get_transport().client is mine
    with pytest.raises(TypeError, match="http_client.*Build the model"):
        pickle.dumps(llm)
    assert not mine.is_closed
    mine.close()


# -- threads and loops ---------------------------------------------------------


def _count_built(monkeypatch: pytest.MonkeyPatch, factory: str) -> list[Any]:
    """Every client `_clients.<factory>` builds from now on."""
    built: list[Any] = []
    real = getattr(_clients, factory)

    def counting(kwargs: dict[str, Any]) -> Any:
        built.append(real(kwargs))
        return built[-1]

    monkeypatch.setattr(_clients, factory, counting)
    return built


def test_a_fresh_model_hit_by_64_threads_builds_one_client(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _count_built(monkeypatch, "_new_client")
    llm = served_model(server)
    gate = threading.Barrier(64)

    def call(i: int) -> str:
        gate.wait(timeout=10)
        return llm.invoke(f"th-{i}").text

    with ThreadPoolExecutor(64) as pool:
        answers = list(pool.map(call, range(64)))
    assert answers == [f"echo th-{i}" for i in range(64)]
    assert len(built) == 1
    llm._get_transport().close()


def test_a_loop_per_thread_gets_one_client_per_loop_closed_with_its_loop(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    built = _count_built(monkeypatch, "_new_async_client")
    llm = served_model(server)
    baseline = open_sockets()
    wrong: list[str] = []

    async def calls(worker: int) -> None:
        async def one(i: int) -> None:
            token = f"loop{worker}-{i}"
            text = (await llm.ainvoke(token)).text
            if text != f"echo {token}":
                wrong.append(token)

        for start in range(0, 40, 8):
            await asyncio.gather(*(one(i) for i in range(start, start + 8)))

    threads = [threading.Thread(target=asyncio.run, args=(calls(w),)) for w in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    assert wrong == []
    assert len(built) == 8  # one per loop, not one per switch between loops
    assert all(client.is_closed for client in built)  # closed by asyncio.run
    assert _settle(baseline)


def test_asyncio_run_twice_and_a_second_threads_loop(server: ScriptedServer) -> None:
    llm = served_model(server)
    baseline = open_sockets()
    answers = [asyncio.run(llm.ainvoke(f"run-{i}")).text for i in range(2)]
    with ThreadPoolExecutor(1) as pool:
        answers.append(pool.submit(asyncio.run, llm.ainvoke("thread")).result(30).text)
    answers.append(llm.invoke("sync").text)
    assert answers == ["echo run-0", "echo run-1", "echo thread", "echo sync"]
    llm._get_transport().close()
    assert _settle(baseline)  # each loop's connection closed with its loop


def test_aclose_closes_this_loops_client_and_a_later_call_reconnects(
    server: ScriptedServer,
) -> None:
    llm = served_model(server)

    async def main() -> list[str]:
        first = (await llm.ainvoke("x")).text
        client = llm._get_transport().aclient
        await llm._get_transport().aclose()
        assert client.is_closed
        return [first, (await llm.ainvoke("y")).text]

    assert asyncio.run(main()) == ["echo x", "echo y"]


def test_embeddings_model_pickles_and_copies_like_the_chat_model(
    server: ScriptedServer,
) -> None:
    from langchain_onerouter.embeddings import OneRouterEmbeddings

    emb = OneRouterEmbeddings(model="e", base_url=server.base_url, api_key=KEY)
    used = emb._get_transport()
    used.client  # noqa: B018 - a built client, as after a first call
    for twin in (pickle.loads(pickle.dumps(emb)), copy.deepcopy(emb), copy.copy(emb)):
        assert twin._get_transport() is not used
        assert twin._get_transport().client is used.client  # same settings


# -- sharing one pool, closing -------------------------------------------------


def _deriver(kind: str, server: ScriptedServer) -> Any:
    """i -> the i-th model derived from one base model, the way `kind` does."""
    base = served_model(server)
    if kind == "configurable_fields":
        conf = base.configurable_fields(temperature=ConfigurableField(id="temp"))
        return lambda i: conf.with_config(configurable={"temp": i / 30})
    if kind == "with_config":
        return lambda i: base.with_config(tags=[f"t{i}"])
    if kind == "bind":
        return lambda i: base.bind(temperature=i / 30)
    if kind == "model_copy":
        return lambda i: base.model_copy(update={"temperature": i / 30})
    return lambda i: served_model(server)  # per request, as a server might


@pytest.mark.parametrize(
    "kind",
    ["configurable_fields", "with_config", "bind", "model_copy", "per_request"],
)
def test_30_derived_models_open_one_pool_and_warn_of_no_unclosed_socket(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch, kind: str
) -> None:
    import gc
    import warnings

    built = _count_built(monkeypatch, "_new_client")
    model_for = _deriver(kind, server)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        answers = [model_for(i).invoke(f"n-{i}").text for i in range(30)]
        gc.collect()
    assert answers == [f"echo n-{i}" for i in range(30)]
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert len(built) == 1
    assert server.connections == 1  # one handshake for all 30


def test_with_closes_the_connections_and_a_later_call_reconnects(
    server: ScriptedServer,
) -> None:
    baseline = open_sockets()
    with served_model(server) as llm:
        assert llm.invoke("a").text == "echo a"
        client = llm._get_transport().client
    assert client.is_closed
    assert _settle(baseline)
    assert llm.invoke("b").text == "echo b"  # closed is not broken
    llm.close()
    assert _settle(baseline)


def test_async_with_closes_this_loops_connections(server: ScriptedServer) -> None:
    async def main() -> tuple[Any, Any]:
        async with served_model(server) as llm:
            assert (await llm.ainvoke("a")).text == "echo a"
            llm.invoke("sync")
            transport = llm._get_transport()
            return transport.aclient, transport.client

    aclient, client = asyncio.run(main())
    assert aclient.is_closed and client.is_closed


def test_close_spares_connections_another_live_model_shares(
    server: ScriptedServer,
) -> None:
    first, second = served_model(server), served_model(server)
    first.invoke("a")
    client = second._get_transport().client
    assert first._get_transport().client is client
    first.close()
    assert not client.is_closed
    second.close()  # the last one out closes them
    assert client.is_closed


@pytest.mark.parametrize("kind", ["embeddings", "rerank"])
def test_embeddings_and_rerank_close_sync_and_async(
    server: ScriptedServer, kind: str
) -> None:
    from langchain_onerouter import OneRouterEmbeddings, OneRouterRerank

    cls: Any = OneRouterEmbeddings if kind == "embeddings" else OneRouterRerank
    with cls(model="m", base_url=server.base_url, api_key=KEY, timeout=4) as model:
        client = model._get_transport().client
    assert client.is_closed

    async def main() -> Any:
        async with cls(model="m", base_url=server.base_url, api_key=KEY) as model:
            return model._get_transport().aclient

    assert asyncio.run(main()).is_closed


def test_a_model_holding_your_client_never_closes_it(server: ScriptedServer) -> None:
    mine = httpx2.Client()
    with served_model(server, http_client=mine) as llm:
        assert llm.invoke("a").text == "echo a"
    assert not mine.is_closed
    mine.close()


def test_a_proxy_set_after_a_client_was_built_gets_a_client_of_its_own(
    server: ScriptedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HTTPS_PROXY", raising=False)
    before = served_model(server)._get_transport().client
    monkeypatch.setenv("HTTPS_PROXY", "http://127.0.0.1:9")
    assert served_model(server)._get_transport().client is not before
    monkeypatch.delenv("HTTPS_PROXY")
    assert served_model(server)._get_transport().client is before
