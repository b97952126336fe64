"""The retry policy: what is retried, how long we wait, and the loop itself.

Where does a 429 get retried? Here. `Transport` runs every request attempt
(each POST, GET and stream opening up to its first event; never a stream
once an event was yielded) through
`RetryPolicy.call` / `acall`, a plain tenacity loop:

- retried: 408, 409, 429, 5xx, connection errors, timeouts, an empty 200 body;
- never: 400, 401, 402, 403, 404, 422, any error that is not ours, nor after
  the call's `total_timeout` deadline (`budget.py`), nor when the wait would
  end past it (the last error is raised at once instead of sleeping);
- the server's `x-should-retry: true|false` header overrides both lists (as
  OpenAI's SDKs honour it), but never the deadline;
- wait: `Retry-After` / `Retry-After-Ms` when the server sent one (capped at
  60 s), else exponential backoff from 0.5 s, capped at 8 s, 50% jitter;
- each wait is reported to LangChain as `run_manager.on_retry(retry_state)`.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from tenacity import AsyncRetrying, RetryCallState, Retrying
from tenacity import retry_if_exception as _retry_if
from tenacity import stop_after_attempt as _stop_after
from tenacity.stop import stop_base

from langchain_onerouter import errors
from langchain_onerouter._http.budget import TOTAL_TIMEOUT_CODE

# The retry log line keeps the logger it always had.
logger = logging.getLogger("langchain_onerouter.transport")

INITIAL_BACKOFF = 0.5
MAX_BACKOFF = 8.0
MAX_RETRY_AFTER = 60.0
RETRY_STATUSES = frozenset({408, 409, 429})

_T = TypeVar("_T")
Remaining = Callable[[], "float | None"]


def retry_delay(attempt: int, retry_after: float | None = None) -> float:
    """Seconds to wait before retry number `attempt` (1-based).

    `Retry-After` wins when the server sent one (capped at 60 s); otherwise
    exponential backoff from 0.5 s, capped at 8 s, with 50% jitter.

    >>> 0.25 <= retry_delay(1) <= 0.5
    True
    >>> retry_delay(3, retry_after=2.0)
    2.0
    """
    if retry_after is not None:
        return max(0.0, min(retry_after, MAX_RETRY_AFTER))
    base = min(INITIAL_BACKOFF * 2 ** (attempt - 1), MAX_BACKOFF)
    return base * (0.5 + random.random() / 2)


def is_retryable(exc: BaseException) -> bool:
    """Whether a failed attempt may succeed when repeated.

    Retried: 408, 409, 429, 5xx, connection errors, timeouts and an empty 200
    body (OneRouter cold starts). Never: 400, 401, 402, 403, 404, 422, nor
    once the call's `total_timeout` deadline has passed. An
    `x-should-retry` header the server sent (`should_retry_header`) decides
    before the status does.
    """
    if getattr(exc, "code", None) == TOTAL_TIMEOUT_CODE:
        return False  # the call's deadline passed: another attempt cannot help
    hint = getattr(exc, "should_retry", None)
    if isinstance(hint, bool):  # the server said so (`x-should-retry`)
        return hint
    if isinstance(
        exc, (errors.RateLimitError, errors.APIConnectionError, errors.APITimeoutError)
    ):
        return True
    if isinstance(exc, errors.APIStatusError) and exc.status_code is not None:
        return (
            exc.status_code in RETRY_STATUSES
            or exc.status_code >= 500
            or exc.code == "empty_response"
        )
    return False


def should_retry_header(headers: Any) -> bool | None:
    """The server's `x-should-retry` verdict: True, False, or None (absent/other).

    >>> should_retry_header({"x-should-retry": "false"}), should_retry_header({})
    (False, None)
    """
    value = str(headers.get("x-should-retry") or "").strip().lower()
    return {"true": True, "false": False}.get(value)


@dataclass(frozen=True)
class RetryPolicy:
    """Run an attempt up to `max_retries + 1` times (see the module docstring).

    Args:
        max_retries: Retries after the first attempt.
        sleep / asleep: How to wait (inject fakes in tests).

    Example:
        ```python
        waits: list[float] = []
        policy = RetryPolicy(max_retries=2, sleep=waits.append)
        policy.call(lambda: send_request(), run_manager=None)
        ```
    """

    max_retries: int = 2
    sleep: Callable[[float], None] = time.sleep
    asleep: Callable[[float], Awaitable[None]] = asyncio.sleep

    def call(
        self,
        attempt: Callable[[], _T],
        run_manager: Any = None,
        remaining: Remaining | None = None,
    ) -> _T:
        """`attempt()`, retried while it raises a retryable error and the wait
        ends before the deadline `remaining()` counts down to (None: none)."""
        retrying = Retrying(
            sleep=self.sleep,
            before_sleep=lambda state: self._before_sleep(state, run_manager),
            **self._common(remaining),
        )
        try:
            return retrying(attempt)
        finally:
            _untie(retrying)

    async def acall(
        self,
        attempt: Callable[[], Awaitable[_T]],
        run_manager: Any = None,
        remaining: Remaining | None = None,
    ) -> _T:
        """Async counterpart of `call` (`attempt` is a coroutine function)."""

        async def before_sleep(state: RetryCallState) -> None:
            self._log(state)
            if run_manager is not None:
                await run_manager.on_retry(state)

        retrying = AsyncRetrying(
            sleep=self.asleep, before_sleep=before_sleep, **self._common(remaining)
        )
        try:
            return await retrying(attempt)
        finally:
            _untie(retrying)

    def _common(self, remaining: Remaining | None) -> dict[str, Any]:
        stop: stop_base = _stop_after(self.max_retries + 1)
        if remaining is not None:
            stop = stop | _WaitCrossesDeadline(remaining)
        return {
            "stop": stop,
            "wait": _wait,
            "retry": _retry_if(is_retryable),
            "reraise": True,
        }

    def _before_sleep(self, state: RetryCallState, run_manager: Any) -> None:
        self._log(state)
        if run_manager is not None:
            run_manager.on_retry(state)

    def _log(self, state: RetryCallState) -> None:
        exc = state.outcome.exception() if state.outcome else None
        logger.info(
            "OneRouter call failed (%s); retry %d of %d",
            exc,
            state.attempt_number,
            self.max_retries,
        )


def _untie(retrying: Retrying | AsyncRetrying) -> None:
    """Drop tenacity's bound-method actions (a cycle through the retrying
    object) so each call's objects are freed by refcount, not the cyclic GC."""
    retrying.iter_state.reset()


def _wait(state: RetryCallState) -> float:
    exc = state.outcome.exception() if state.outcome else None
    return retry_delay(state.attempt_number, getattr(exc, "retry_after", None))


class _WaitCrossesDeadline(stop_base):
    """Stop when the coming wait would end at or past the call's deadline:
    sleeping there only to time out helps no one (tenacity computes the wait
    before asking `stop`)."""

    def __init__(self, remaining: Remaining) -> None:
        self.remaining = remaining

    def __call__(self, retry_state: RetryCallState) -> bool:
        left = self.remaining()
        if left is None or retry_state.upcoming_sleep < left:
            return False
        logger.info(
            "OneRouter call not retried: the %.1f s wait would pass total_timeout "
            "(%.1f s left)",
            retry_state.upcoming_sleep,
            max(left, 0.0),
        )
        return True
