"""Write docs/api.md from the public API's docstrings.

Run `python docs/gen_api.py`; the test suite fails when docs/api.md is stale or
a public object lacks a docstring with an example.
"""

from __future__ import annotations

import importlib
import inspect
from pathlib import Path
from typing import Any

from pydantic import BaseModel

# (module, names) documented, in page order.
PUBLIC: list[tuple[str, list[str] | None]] = [
    ("langchain_onerouter", None),
    ("langchain_onerouter.catalog", None),
    ("langchain_onerouter.routing", None),
    ("langchain_onerouter.testing", None),
]
OUT = Path(__file__).with_name("api.md")


def public_objects() -> list[tuple[str, Any]]:
    """(qualified name, object) for every documented public object."""
    found = []
    for module_name, names in PUBLIC:
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        for name in names or getattr(module, "__all__", []):
            if name.startswith("__"):
                continue
            found.append((f"{module_name}.{name}", getattr(module, name)))
    return found


def _own_methods(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in vars(cls).items()
        if not name.startswith("_")
        and (inspect.isfunction(member) or isinstance(member, (classmethod, property)))
    ]


def _signature(obj: Any) -> str:
    try:
        return str(inspect.signature(obj))
    except (TypeError, ValueError):
        return ""


def render() -> str:
    lines = [
        "# API reference",
        "",
        "Generated from docstrings by `python docs/gen_api.py`; do not edit by hand.",
        "",
    ]
    for qualname, obj in public_objects():
        kind = "class" if inspect.isclass(obj) else "function"
        sig = "" if inspect.isclass(obj) else _signature(obj)
        lines += [
            f"## `{qualname}`",
            "",
            f"*{kind}* `{qualname.rsplit('.', 1)[1]}{sig}`",
            "",
        ]
        lines += [inspect.cleandoc(obj.__doc__ or ""), ""]
        if inspect.isclass(obj) and issubclass(obj, BaseModel):
            own = [
                n for n in obj.model_fields if n in vars(obj).get("__annotations__", {})
            ]
            if own:
                lines += ["| field | description |", "|---|---|"]
                for name in own:
                    desc = (obj.model_fields[name].description or "").replace("\n", " ")
                    lines.append(f"| `{name}` | {desc} |")
                lines.append("")
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for name, member in _own_methods(obj):
                func = member.__func__ if isinstance(member, classmethod) else member
                func = func.fget if isinstance(func, property) else func
                doc = inspect.cleandoc(getattr(func, "__doc__", None) or "")
                lines += [f"### `{obj.__name__}.{name}{_signature(func)}`", "", doc, ""]
    return "\n".join(lines).rstrip() + "\n"


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT}")
