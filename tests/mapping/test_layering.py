"""The mapping layer is pure: nothing `_mapping/` imports at module level,
directly or through the package modules it uses, is an HTTP or retry library."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_onerouter"
IO_LIBRARIES = {"httpx", "httpx2", "httpcore", "httpcore2", "tenacity", "anyio"}


def _module_level_imports(path: Path) -> set[str]:
    """Modules imported when `path` is imported (not in functions, not for typing)."""
    names: set[str] = set()
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def _path(module: str) -> Path | None:
    """The file of a module of this package (the package itself: its public
    face, not something the mapping layer uses)."""
    parts = module.split(".")
    if parts[0] != "langchain_onerouter" or len(parts) == 1:
        return None
    relative = Path(*parts[1:])
    for candidate in (PACKAGE / f"{relative}.py", PACKAGE / relative / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def test_mapping_modules_reach_no_io_library() -> None:
    start = sorted(
        f"langchain_onerouter._mapping.{p.stem}"
        for p in (PACKAGE / "_mapping").glob("*.py")
    )
    assert len(start) > 10
    seen: set[str] = set()
    offenders: list[str] = []
    todo = [(name, name) for name in start]
    while todo:
        module, via = todo.pop()
        path = _path(module)
        if path is None or module in seen:
            continue
        seen.add(module)
        for name in _module_level_imports(path):
            if name.split(".")[0] in IO_LIBRARIES:
                offenders.append(f"{via} -> {module} imports {name}")
            elif name.startswith("langchain_onerouter"):
                todo.append((name, via))
    assert offenders == []
