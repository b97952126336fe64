"""Guards that keep streamed text from being silently wrong. Pure, no I/O.

- `EventOrder`: events carry a `sequence_number` (when the server sends one);
  a number seen before is a duplicate (dropped), a number below the highest
  seen that was never seen is an event out of order (`StreamError`: what was
  streamed is already in the wrong order). Gaps are allowed: recorded
  streams have them.
- `Reconciler.tail`: at a block's end the server repeats its full text
  (`output_text.done`, `output_item.done`, `response.completed`). The final
  text is the truth: when the deltas were a prefix of it the missing tail is
  emitted (with one warning), so the aggregate equals it; when they are not,
  no chunk can fix text already emitted (LangChain merges chunks by
  appending), so `StreamError` rather than a message that is not the final
  response.
"""

from __future__ import annotations

import bisect
import os
import warnings
from typing import Any

from langchain_onerouter import errors


class EventOrder:
    """Duplicate and out-of-order detection by `sequence_number`.

    Numbers only grow, so what was seen is everything up to the highest but
    the gaps skipped on the way: memory grows with the gaps, not the events.
    """

    def __init__(self) -> None:
        self._highest = -1
        self._gaps: list[tuple[int, int]] = []  # [start, stop) never seen

    def fresh(self, event: dict[str, Any]) -> bool:
        """False for a duplicate; raises `StreamError` for a late event."""
        number = event.get("sequence_number")
        if type(number) is not int or number < 0:
            return True  # servers without sequence numbers: nothing to check
        if number > self._highest:
            if number > self._highest + 1:
                self._gaps.append((self._highest + 1, number))
            self._highest = number
            return True
        at = bisect.bisect_right(self._gaps, number, key=lambda gap: gap[0]) - 1
        if at < 0 or not self._gaps[at][0] <= number < self._gaps[at][1]:
            return False  # seen before: a duplicate
        raise errors.StreamError(
            f"stream event out of order: sequence_number {number} arrived "
            f"after {self._highest} ({event.get('type')!r}); the streamed "
            "text would be scrambled",
            code="out_of_order",
        )


class Reconciler:
    """`reconcile` with its one warning per stream."""

    def __init__(self) -> None:
        self.warned = False

    def tail(self, seen: str, full: Any, what: str) -> str:
        """What to emit so `seen` becomes the final `full` text ("" if nothing).

        An empty or missing final text says nothing (some servers leave it
        out); a final text that does not extend `seen` raises `StreamError`.
        """
        if not isinstance(full, str) or not full or full == seen:
            return ""
        if not full.startswith(seen):
            raise errors.StreamError(
                f"the streamed {what} disagrees with the server's final {what} "
                f"({len(seen)} characters streamed, {len(full)} final, differing "
                f"at character {_first_difference(seen, full)}); the stream is "
                "not trustworthy",
                code="stream_mismatch",
            )
        if seen and not self.warned:
            self.warned = True
            warnings.warn(
                f"the stream lost part of the {what}: the final response has "
                f"{len(full) - len(seen)} more characters; they were added from "
                "it, so the message equals the final response",
                UserWarning,
                stacklevel=2,
            )
        return full[len(seen) :]


def _first_difference(a: str, b: str) -> int:
    return len(os.path.commonprefix([a, b]))
