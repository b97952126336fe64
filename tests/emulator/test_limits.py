"""The emulator is safe as a small server: the key is checked before the body
is read, bodies are capped (413), the request log is bounded, deep JSON is a
400, slow headers and bodies time out, and a non-loopback bind warns."""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator

import httpx
import pytest

from langchain_onerouter.testing import OneRouterEmulator

CAP = 4096


@pytest.fixture(scope="module")
def emu() -> Iterator[OneRouterEmulator]:
    with OneRouterEmulator(
        max_body=CAP, max_recorded=5, max_recorded_bytes=3000, header_timeout=0.5
    ) as server:
        server.state.body_timeout = 0.5
        yield server


@pytest.fixture(autouse=True)
def _fresh(emu: OneRouterEmulator) -> None:
    emu.reset()


def raw_exchange(emu: OneRouterEmulator, data: bytes, wait: float = 5.0) -> bytes:
    """Send `data` on a new connection; everything read until it closes."""
    with socket.create_connection(("127.0.0.1", emu.port), timeout=wait) as sock:
        sock.sendall(data)
        received = b""
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                chunk = sock.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            received += chunk
        return received


def head(emu: OneRouterEmulator, key: str, length: int) -> bytes:
    return (
        f"POST /v1/responses HTTP/1.1\r\nHost: 127.0.0.1\r\n"
        f"Authorization: Bearer {key}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def post(emu: OneRouterEmulator, content: bytes | Iterator[bytes]) -> httpx.Response:
    return httpx.post(
        f"{emu.base_url}/responses",
        content=content,
        headers={
            "Authorization": f"Bearer {emu.api_key}",
            "Content-Type": "application/json",
        },
        timeout=10,
    )


def test_the_key_is_checked_before_the_body_is_read(emu: OneRouterEmulator) -> None:
    started = time.monotonic()
    # Announces 8 MB and sends none of it: only a server that does not wait
    # for the body can answer at once.
    answer = raw_exchange(emu, head(emu, "sk-wrong", 8_000_000), wait=3)
    assert answer.startswith(b"HTTP/1.1 401")
    assert time.monotonic() - started < 2
    (recorded,) = emu.requests
    assert recorded.raw == b"" and recorded.body is None


@pytest.mark.parametrize("chunked", [False, True])
def test_a_body_over_the_cap_is_a_413(emu: OneRouterEmulator, chunked: bool) -> None:
    body = json.dumps({"model": "o4-mini", "input": "x" * CAP}).encode()
    content = iter([body[:100], body[100:]]) if chunked else body
    answer = post(emu, content)
    assert answer.status_code == 413
    assert str(CAP) in answer.json()["error"]["message"]
    assert emu.requests[-1].raw == b""  # nothing of it is kept
    ok = post(emu, json.dumps({"model": "o4-mini", "input": "small"}).encode())
    assert ok.status_code == 200


def test_a_declared_length_over_the_cap_is_refused_unread(
    emu: OneRouterEmulator,
) -> None:
    answer = raw_exchange(emu, head(emu, emu.api_key, 10 * CAP), wait=3)
    assert answer.startswith(b"HTTP/1.1 413")


def test_the_request_log_is_bounded_in_count_and_bytes(
    emu: OneRouterEmulator,
) -> None:
    for n in range(8):
        post(emu, json.dumps({"model": "o4-mini", "input": f"n{n}"}).encode())
    assert [r.body["input"] for r in emu.requests] == ["n3", "n4", "n5", "n6", "n7"]
    emu.reset()
    for n in range(3):
        text = f"{n}" * 1400
        post(emu, json.dumps({"model": "o4-mini", "input": text}).encode())
    assert [r.body["input"][0] for r in emu.requests] == ["1", "2"]  # 2 x ~1430 B


@pytest.mark.parametrize("depth", [100_000, 200])
def test_deep_json_is_a_400_and_the_server_lives_on(depth: int) -> None:
    deep = b"[" * depth + b"]" * depth
    fine = json.dumps({"model": "o4-mini", "input": "hi", "metadata": {"a": "b"}})
    with OneRouterEmulator() as big:  # the default cap admits 200 kB
        answer = post(big, deep)
        assert answer.status_code == 400
        assert "nests deeper than" in answer.json()["error"]["message"]
        assert post(big, fine.encode()).status_code == 200


def test_slow_headers_are_cut_off(emu: OneRouterEmulator) -> None:
    started = time.monotonic()
    answer = raw_exchange(emu, b"POST /v1/responses HTTP/1.1\r\nHost: x\r\n", wait=5)
    assert answer == b""  # closed without an answer
    assert time.monotonic() - started < 3


def test_slow_headers_after_a_first_request_are_cut_off(
    emu: OneRouterEmulator,
) -> None:
    body = json.dumps({"model": "o4-mini", "input": "hi"}).encode()
    first = head(emu, emu.api_key, len(body)) + body
    with socket.create_connection(("127.0.0.1", emu.port), timeout=5) as sock:
        sock.sendall(first)
        time.sleep(0.2)
        sock.sendall(b"POST /v1/responses HTTP/1.1\r\n")  # then nothing more
        received = b""
        deadline = time.monotonic() + 4
        while time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            received += chunk
    assert received.startswith(b"HTTP/1.1 200") and time.monotonic() < deadline


def test_a_slow_body_is_a_408(emu: OneRouterEmulator) -> None:
    answer = raw_exchange(emu, head(emu, emu.api_key, 100) + b'{"model"', wait=4)
    assert answer.startswith(b"HTTP/1.1 408")


def test_a_long_answer_is_not_cut_by_the_header_timeout(
    emu: OneRouterEmulator,
) -> None:
    emu.latency = 0.8  # longer than the header timeout
    answer = post(emu, json.dumps({"model": "o4-mini", "input": "hi"}).encode())
    assert answer.status_code == 200


def test_a_non_loopback_bind_warns() -> None:
    with pytest.warns(UserWarning, match="not loopback"):
        emulator = OneRouterEmulator(host="0.0.0.0").start()
    emulator.stop()
