"""Error texts the docs quote are the ones the libraries produce today: each
`print(str(err).splitlines()[0])` in a docs snippet is followed by a
`# <the line>` comment, checked here against the real call."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
QUOTE = re.compile(
    r"^( *)print\(str\(err\)\.splitlines\(\)\[0\]\)\n\1# (.+)$", re.MULTILINE
)


def test_routing_md_quotes_what_init_chat_model_says() -> None:
    pytest.importorskip("langchain.chat_models")
    text = (ROOT / "docs" / "routing.md").read_text()
    start = text.index("## `init_chat_model`")
    block = text[start:].split("```python\n", 1)[1].split("```", 1)[0]
    quoted = [match.group(2) for match in QUOTE.finditer(block)]
    assert len(quoted) == 2, "routing.md quotes two init_chat_model errors"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(block, "routing.md", "exec"), {})
    assert out.getvalue().splitlines() == quoted
