"""The control route: drive a running emulator over HTTP (from any language).

Loopback clients only, with the emulator's own key as a Bearer token (also
when it accepts any key for the API):

- `POST /_emulator/replies`: queue replies (a `Reply` JSON object, a list of
  them, or `{"replies": [...]}`), answers `{"queued": n, "pending": total}`;
- `GET /_emulator/requests`: the recorded requests, oldest first
  (`authorization` redacted);
- `POST /_emulator/reset`: forget replies and requests, restore settings.
"""

from __future__ import annotations

import ipaddress
import json
import secrets
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from langchain_onerouter.testing import protocol
from langchain_onerouter.testing.script import RecordedRequest, replies_from_json

if TYPE_CHECKING:
    from langchain_onerouter.testing.app import EmulatorState

PREFIX = "/_emulator"
MAX_CONTROL_BODY = 1 << 20
"""Bytes a control request body may have."""


def control_routes(state: EmulatorState) -> list[Route]:
    """The control endpoints for `state`."""

    async def replies(request: Request) -> Response:
        refused = _refuse(state, request)
        if refused is not None:
            return refused
        raw = await request.body()
        if len(raw) > MAX_CONTROL_BODY:
            return _error(
                413, f"Control bodies are limited to {MAX_CONTROL_BODY} bytes."
            )
        try:
            queued = replies_from_json(json.loads(raw or b"null"), "body")
        except ValueError as exc:  # JSONDecodeError is a ValueError
            return _error(400, str(exc))
        except RecursionError:
            return _error(400, "The control body nests too deeply.")
        state.script.push(*queued)
        return JSONResponse({"queued": len(queued), "pending": state.script.pending()})

    async def requests(request: Request) -> Response:
        refused = _refuse(state, request)
        if refused is not None:
            return refused
        return JSONResponse({"requests": [as_json(r) for r in state.script.requests()]})

    async def reset(request: Request) -> Response:
        refused = _refuse(state, request)
        if refused is not None:
            return refused
        state.reset()
        return JSONResponse({"reset": True})

    return [
        Route(f"{PREFIX}/replies", replies, methods=["POST"]),
        Route(f"{PREFIX}/requests", requests, methods=["GET"]),
        Route(f"{PREFIX}/reset", reset, methods=["POST"]),
    ]


def as_json(recorded: RecordedRequest) -> dict[str, Any]:
    """A recorded request as JSON; the key is never echoed."""
    headers = dict(recorded.headers)
    if "authorization" in headers:
        headers["authorization"] = "Bearer <redacted>"
    body = recorded.body
    return {
        "method": recorded.method,
        "path": recorded.path,
        "headers": headers,
        "body": body,
        "raw": None if body is not None else recorded.raw.decode("utf-8", "replace"),
        "stream": recorded.stream,
    }


def is_loopback(host: str | None) -> bool:
    """`host` is a loopback address (127.0.0.0/8, ::1)."""
    try:
        return host is not None and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def _refuse(state: EmulatorState, request: Request) -> Response | None:
    if not is_loopback(request.client.host if request.client else None):
        return _error(403, "The control route answers loopback clients only.")
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        key.strip().encode(), state.api_key.encode()
    ):
        return _error(401, "The control route needs the emulator's own key.")
    return None


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse(protocol.error_body(status, message), status)
