"""Tool definitions and tool_choice → Responses payload. (Being written: issue 4.)"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def tool_payload(
    tools: Sequence[Any],
    *,
    tool_choice: Any = None,
    strict: bool | None = None,
    parallel_tool_calls: bool | None = None,
) -> dict[str, Any]:
    raise NotImplementedError
