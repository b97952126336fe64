"""docs/api.md is generated from docstrings and kept current."""

from __future__ import annotations

import importlib.util
import inspect
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
assert spec and spec.loader
gen_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen_api)


def test_api_md_is_current() -> None:
    pytest.importorskip("starlette")  # the page documents the emulator too
    assert (ROOT / "docs" / "api.md").read_text() == gen_api.render(), (
        "docs/api.md is stale: run `python docs/gen_api.py`"
    )


@pytest.mark.parametrize("name, obj", gen_api.public_objects(), ids=lambda v: str(v))
def test_public_object_has_docstring_with_example(name: str, obj: object) -> None:
    doc = inspect.getdoc(obj) or ""
    assert doc, f"{name} has no docstring"
    if not (inspect.isclass(obj) and issubclass(obj, BaseException)):
        assert "```" in doc or ">>>" in doc or "Example" in doc, f"{name}: no example"
