"""Every ```python block in README.md and docs/, and every script in examples/,
runs against the local emulator, so a renamed field breaks CI, not the docs."""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
FENCE = re.compile(r"^```python[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _snippets() -> list[Any]:
    found = []
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = page.read_text()
        for match in FENCE.finditer(text):
            line = text.count("\n", 0, match.start()) + 2
            rel = page.relative_to(ROOT)
            found.append(
                pytest.param(match.group(1), f"{rel}:{line}", id=f"{rel}:{line}")
            )
    return found


def _examples() -> list[Path]:
    return sorted((ROOT / "examples").glob("*.py"))


@pytest.fixture(scope="module")
def emulator() -> Iterator[Any]:
    testing = pytest.importorskip("langchain_onerouter.testing")
    with testing.OneRouterEmulator() as emu:
        yield emu


@pytest.fixture
def emulated_env(emulator: Any, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("ONEROUTER_BASE_URL", emulator.base_url)
    monkeypatch.setenv("ONEROUTER_API_KEY", emulator.api_key)
    emulator.reset()
    return emulator


@pytest.mark.parametrize("code, where", _snippets())
def test_doc_snippet_runs(code: str, where: str, emulated_env: Any) -> None:
    exec(compile(code, where, "exec"), {"__name__": "__main__"})


@pytest.mark.parametrize("path", _examples(), ids=lambda p: p.name)
def test_example_runs(path: Path, emulated_env: Any) -> None:
    if path.name.endswith("_test.py"):  # an example test module: run it with pytest
        done = subprocess.run(
            [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", str(path)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
        assert " passed" in done.stdout
        return
    runpy.run_path(str(path), run_name="__main__")


def test_every_docs_page_is_linked_from_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    pages = [p.name for p in (ROOT / "docs").glob("*.md")]
    missing = [name for name in pages if f"docs/{name}" not in readme]
    assert not missing, f"README.md does not link: {missing}"
