"""`OneRouterEmulator`: a real HTTP server speaking OneRouter's Responses API."""

from __future__ import annotations

import difflib
import json
import os
import secrets
import socket
import threading
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

import uvicorn

from langchain_onerouter._settings.env import API_KEY_ENV, BASE_URL_ENV
from langchain_onerouter.testing.app import (
    MAX_BODY,
    EmulatorState,
    catalog_entry,
    create_app,
)
from langchain_onerouter.testing.control import is_loopback
from langchain_onerouter.testing.protocol import STRICT_RULES
from langchain_onerouter.testing.script import (
    MAX_RECORDED,
    MAX_RECORDED_BYTES,
    RecordedRequest,
    Reply,
    Script,
    ToolCall,
    replies_from_json,
)
from langchain_onerouter.testing.server import HEADER_TIMEOUT, protocol_class

START_TIMEOUT = 10.0


def relaxed_rules(value: bool | Iterable[str]) -> frozenset[str]:
    """`lenient=` as rule names; an unknown name is a ValueError naming the
    nearest rule."""
    if isinstance(value, bool):
        return frozenset(STRICT_RULES) if value else frozenset()
    names = frozenset([value] if isinstance(value, str) else value)
    for name in names - set(STRICT_RULES):
        near = difflib.get_close_matches(name, STRICT_RULES, n=1)
        hint = f"; did you mean {near[0]!r}?" if near else ""
        raise ValueError(
            f"unknown lenient rule {name!r}{hint} (rules: {', '.join(STRICT_RULES)})"
        )
    return names


class OneRouterEmulator:
    """A local OneRouter: uvicorn in a background thread on 127.0.0.1.

    Args:
        port: Port to bind (default: a free one).
        host: Interface to bind (default loopback).
        api_key: The only key accepted (default: a random `sk-emu-...`).
        accept_any_key: Accept any non-empty Bearer key instead.
        keepalive: Start each stream with a `: ONEROUTER PROCESSING` comment.
        event_names: Send `event:` lines in streams (some providers send only
            `data:` lines).
        strict: Reject what OneRouter rejects (each rule of
            `protocol.STRICT_RULES`): unknown top-level request fields,
            `previous_response_id` / `conversation` / `item_reference` (OneRouter
            is stateless), model ids not in the catalog (404), assistant input
            messages without `id`/`status`, media a model cannot read.
            `strict=False` is `lenient=True`.
        lenient: Relax strict rules: True for all, or rule names, e.g.
            `{"assistant_ids"}` for clients that send assistant messages
            without `id`/`status`.
        raw_reasoning_events: Event name of raw reasoning deltas:
            `"reasoning_text"` (OpenAI) or `"reasoning"` (Open Responses).
        max_body: Bytes a request body may have (413 past it).
        max_recorded: Requests `requests` keeps (the oldest go first).
        max_recorded_bytes: Body bytes `requests` keeps.
        header_timeout: Seconds a client has to send a request's headers.
        models: Model ids (or full `/v1/models` entries) to add to the
            default catalog.
        any_model: Accept any model id, even when strict.
        log_level: uvicorn's log level.

    Example:
        ```python
        from langchain_onerouter import ChatOneRouterResponses
        from langchain_onerouter.testing import OneRouterEmulator

        with OneRouterEmulator() as emu:
            llm = ChatOneRouterResponses(
                model="o4-mini", base_url=emu.base_url, api_key=emu.api_key
            )
            emu.reply(text="Paris.")
            assert llm.invoke("Capital of France?").text == "Paris."
            assert emu.requests[-1].body["input"][0]["role"] == "user"
        ```
    """

    def __init__(
        self,
        *,
        port: int = 0,
        host: str = "127.0.0.1",
        api_key: str | None = None,
        accept_any_key: bool = False,
        keepalive: bool = True,
        event_names: bool = True,
        strict: bool = True,
        lenient: bool | Iterable[str] = False,
        models: Iterable[str | Mapping[str, Any]] = (),
        any_model: bool = False,
        raw_reasoning_events: str = "reasoning_text",
        max_body: int = MAX_BODY,
        max_recorded: int = MAX_RECORDED,
        max_recorded_bytes: int = MAX_RECORDED_BYTES,
        header_timeout: float = HEADER_TIMEOUT,
        log_level: str = "critical",
    ) -> None:
        if raw_reasoning_events not in ("reasoning_text", "reasoning"):
            raise ValueError(
                "raw_reasoning_events must be 'reasoning_text' or 'reasoning', "
                f"not {raw_reasoning_events!r}"
            )
        self.host = host
        self._requested_port = port
        self.state = EmulatorState(
            api_key=api_key or f"sk-emu-{secrets.token_hex(16)}",
            accept_any_key=accept_any_key,
            keepalive=keepalive,
            event_names=event_names,
            strict=strict,
            any_model=any_model,
            raw_reasoning=raw_reasoning_events,
            max_body=max_body,
            script=Script(max_recorded, max_recorded_bytes),
        )
        self._header_timeout = header_timeout
        self.lenient = lenient
        self.add_models(*models)
        self.state.save_defaults()
        self._log_level = log_level
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port: int = port

    # -- lifecycle ---------------------------------------------------------------
    def start(self) -> OneRouterEmulator:
        """Bind, start serving in a daemon thread, and wait until ready."""
        if self._server is not None:
            return self
        if not is_loopback(self.host):
            warnings.warn(
                f"the OneRouter emulator binds {self.host}, not loopback: anyone "
                "who can reach it can use it (the control route stays loopback-only)",
                stacklevel=2,
            )
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self._requested_port))
        sock.listen(2048)
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            create_app(self.state),
            log_level=self._log_level,
            lifespan="off",
            access_log=False,
            timeout_graceful_shutdown=1,
            backlog=2048,
            http=protocol_class(self._header_timeout),
        )
        server = uvicorn.Server(config)
        self._server = server
        self._thread = threading.Thread(
            target=server.run,
            kwargs={"sockets": [sock]},
            name=f"onerouter-emulator-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the OneRouter emulator failed to start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving (open streams get one second to finish)."""
        server, thread = self._server, self._thread
        self._server = self._thread = None
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(timeout=5)
            if thread.is_alive() and server is not None:
                server.force_exit = True
                thread.join(timeout=5)
        if self._socket is not None:
            self._socket.close()
            self._socket = None

    def serve_forever(self) -> None:
        """Block until interrupted (used by `onerouter emulate`)."""
        self.start()
        try:
            while self._thread is not None and self._thread.is_alive():
                self._thread.join(timeout=0.5)
        finally:
            self.stop()

    def __enter__(self) -> OneRouterEmulator:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses ---------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """API root to pass as `base_url` (ends in `/v1`)."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def control_url(self) -> str:
        """Root of the control route (see `testing/control.py`)."""
        return f"http://{self.host}:{self.port}/_emulator"

    @property
    def api_key(self) -> str:
        return self.state.api_key

    def env(self) -> dict[str, str]:
        """`ONEROUTER_BASE_URL` / `ONEROUTER_API_KEY` pointing here."""
        return {BASE_URL_ENV: self.base_url, API_KEY_ENV: self.api_key}

    # -- scripting ---------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far (body + headers), oldest first."""
        return self.state.script.requests()

    def reset(self) -> None:
        """Forget queued replies, recorded requests, latency, delays and
        failing models/providers."""
        self.state.reset()

    # -- strictness --------------------------------------------------------------
    @property
    def strict(self) -> bool:
        """Reject unknown fields, `previous_response_id` and unknown models
        (reset by `reset()` to the constructor's value)."""
        return self.state.strict

    @strict.setter
    def strict(self, value: bool) -> None:
        self.state.strict = value

    @property
    def lenient(self) -> frozenset[str]:
        """The strict rules relaxed now (all of `STRICT_RULES` when not strict).

        Set True (all), False (none) or rule names; `reset()` restores the
        constructor's value.

        Example:
            ```python
            emu.lenient = {"assistant_ids"}  # clients that omit id/status
            ```
        """
        return self.state.relaxed_rules()

    @lenient.setter
    def lenient(self, value: bool | Iterable[str]) -> None:
        self.state.relaxed = relaxed_rules(value)

    @property
    def any_model(self) -> bool:
        """Accept any model id, even when strict (reset by `reset()`)."""
        return self.state.any_model

    @any_model.setter
    def any_model(self, value: bool) -> None:
        self.state.any_model = value

    def add_models(self, *models: str | Mapping[str, Any]) -> None:
        """Add model ids (or `/v1/models` entries) to the catalog; until
        `reset()` when called after construction.

        Example:
            ```python
            emu.add_models("my-org/fine-tuned")
            ```
        """
        for entry in models:
            item = catalog_entry(entry) if isinstance(entry, str) else dict(entry)
            if all(m["id"] != item["id"] for m in self.state.models):
                self.state.models.append(item)

    def load_script(self, path: str | os.PathLike[str]) -> int:
        """Queue the replies of a JSON file (what `onerouter emulate --script`
        reads: a list of objects with `Reply`'s fields); returns their count.

        Example:
            ```python
            # replies.json: [{"text": "Paris."}, {"status": 429, "retry_after": 1}]
            emu.load_script("replies.json")
            ```
        """
        text = Path(path).read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise ValueError(f"{path} is not valid JSON: {exc}") from None
        replies = replies_from_json(data, str(path))
        self.push(*replies)
        return len(replies)

    def push(self, *replies: Reply) -> None:
        """Queue `Reply` objects; each request consumes one, in order."""
        self.state.script.push(*replies)

    def reply(
        self,
        text: str | None = None,
        *,
        tool_calls: Sequence[ToolCall | Mapping[str, Any]] = (),
        reasoning: str | None = None,
        reasoning_text: str | None = None,
        annotations: Sequence[Mapping[str, Any]] = (),
        phase: str | None = None,
        messages: Sequence[str | Mapping[str, Any]] = (),
        items: Sequence[Mapping[str, Any]] = (),
        usage: Mapping[str, Any] | None = None,
    ) -> None:
        """Queue an exact answer (the fields of `Reply`).

        >>> emu.reply("Hi!", usage={"input_tokens": 3, "output_tokens": 1,
        ...     "total_tokens": 4, "input_tokens_details": {"cached_tokens": 0},
        ...     "output_tokens_details": {"reasoning_tokens": 0}})  # doctest: +SKIP
        """
        self.push(
            Reply(
                text=text,
                tool_calls=tool_calls,
                reasoning=reasoning,
                reasoning_text=reasoning_text,
                annotations=annotations,
                phase=phase,
                messages=messages,
                items=items,
                usage=usage,
            )
        )

    def fail_next(
        self,
        count: int = 1,
        *,
        status: int = 503,
        message: str | None = None,
        retry_after: float | None = None,
        code: str | int | None = None,
        should_retry: bool | None = None,
    ) -> None:
        """The next `count` requests get HTTP `status` with an error body
        (and, with `should_retry`, an `x-should-retry: true|false` header)."""
        for _ in range(count):
            self.push(
                Reply(
                    status=status,
                    error_message=message,
                    error_code=code,
                    retry_after=retry_after,
                    should_retry=should_retry,
                )
            )

    def drop_stream_after(self, events: int) -> None:
        """The next streamed response closes the connection after `events` events."""
        self.push(Reply(drop_after=events))

    def fail_stream(
        self, message: str | None = None, code: str = "server_error"
    ) -> None:
        """The next response fails after starting: `error` + `response.failed`
        (streaming) or a 200 body with `status: failed` (JSON)."""
        self.push(Reply(fail=True, error_message=message, error_code=code))

    def incomplete_next(self, reason: str = "max_output_tokens") -> None:
        """The next response ends as `incomplete` with `reason`."""
        self.push(Reply(incomplete=reason))

    def not_json_next(
        self,
        body: str = "<html><title>Bad gateway</title></html>",
        *,
        status: int = 200,
    ) -> None:
        """The next response body (or first stream event) is not JSON."""
        self.push(Reply(raw_body=body, status=status))

    # -- routing (see testing/routing.py) -----------------------------------------
    def fail_model(
        self, model: str, *, status: int = 503, times: int | None = None
    ) -> None:
        """Requests for `model` fail with `status` until `restore(model)` (or,
        with `times`, for that many requests that reach it).

        With `fallback_models` (and `fallback_rules` allowing the status) the
        request is served by the first working fallback, whose id is the
        response's `model`.

        Example:
            ```python
            emu.fail_model("openai/gpt-5.4")
            llm = ChatOneRouterResponses(
                model="openai/gpt-5.4",
                fallback_models=["anthropic/claude-sonnet-4.5"],
                base_url=emu.base_url,
                api_key=emu.api_key,
            )
            assert llm.invoke("hi").response_metadata["fallback_used"]
            ```
        """
        self.state.router.fail_model(model, status, times)

    def fail_provider(
        self, provider: str, *, status: int = 503, times: int | None = None
    ) -> None:
        """Upstream `provider` (e.g. `"openai"`, `"azure"`) fails with `status`
        (for `times` requests, or until restored); OneRouter then routes to the
        model's next provider, if allowed."""
        self.state.router.fail_provider(provider, status, times)

    def clear_prompt_cache(self) -> None:
        """Forget every cached prompt prefix (as if they all expired);
        `reset()` does it too."""
        self.state.cache.clear()

    def restore(self, name: str | None = None) -> None:
        """Make a failing model or provider work again (None: all of them)."""
        self.state.router.restore(name)

    @property
    def latency(self) -> float:
        """Seconds every response waits before answering."""
        return self.state.latency

    @latency.setter
    def latency(self, seconds: float) -> None:
        self.state.latency = seconds

    @property
    def event_delay(self) -> float:
        """Seconds between two stream events."""
        return self.state.event_delay

    @event_delay.setter
    def event_delay(self, seconds: float) -> None:
        self.state.event_delay = seconds
