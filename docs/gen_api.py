"""Write docs/api.md from the public API's docstrings, and the field tables
of docs/configuration.md from the models' fields.

Run `python docs/gen_api.py`; the test suite fails when either page is stale,
a field has no docstring, or a public object lacks a docstring with an example.
"""

from __future__ import annotations

import ast
import importlib
import inspect
import re
import textwrap
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
CONFIGURATION = Path(__file__).with_name("configuration.md")


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
            own = declared_fields(obj)  # with the connection fields of the mixin
            if own:
                lines += ["| field | description |", "|---|---|"]
                docs = field_docs(obj)
                for name in own:
                    lines.append(f"| `{name}` | {_cell(docs.get(name, ''))} |")
                lines.append("")
        if inspect.isclass(obj) and not issubclass(obj, BaseException):
            for name, member in _own_methods(obj):
                func = member.__func__ if isinstance(member, classmethod) else member
                func = func.fget if isinstance(func, property) else func
                doc = inspect.cleandoc(getattr(func, "__doc__", None) or "")
                lines += [f"### `{obj.__name__}.{name}{_signature(func)}`", "", doc, ""]
    return "\n".join(lines).rstrip() + "\n"


# -- field docstrings and docs/configuration.md ----------------------------------------
def field_docs(cls: type, package: str = "langchain_onerouter") -> dict[str, str]:
    """Each field's attribute docstring (the string under its annotation),
    from `cls` and its bases in `package`, the nearest class winning."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not klass.__module__.startswith(package):
            continue
        tree = ast.parse(textwrap.dedent(inspect.getsource(klass)))
        body = tree.body[0].body  # type: ignore[attr-defined]
        for node, after in zip(body, body[1:], strict=False):
            if (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and isinstance(after, ast.Expr)
                and isinstance(after.value, ast.Constant)
                and isinstance(after.value.value, str)
            ):
                docs[node.target.id] = inspect.cleandoc(after.value.value)
    return docs


def declared_fields(cls: type[BaseModel]) -> list[str]:
    """The fields of `cls` declared in this package (not LangChain's), in order."""
    ours = {
        name
        for klass in cls.__mro__
        if klass.__module__.startswith("langchain_onerouter")
        for name in vars(klass).get("__annotations__", {})
    }
    own = vars(cls).get("__annotations__", {})
    names = [name for name in cls.model_fields if name in ours]
    return sorted(names, key=lambda name: name not in own)  # its own fields first


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def _default(cls: type[BaseModel], name: str) -> str:
    info = cls.model_fields[name]
    if info.is_required():
        return "required"
    if info.default_factory is not None:  # never called: it may read a secret
        factory = info.default_factory
        return f"`{factory()!r}`" if factory in (dict, list) else "environment"
    return "none" if info.default is None else f"`{info.default!r}`"


def _sent_as(name: str) -> tuple[str, str]:
    """(per call, sent as) of a chat-model setting, from the settings table."""
    from langchain_onerouter._settings.fields import BY_NAME

    setting = BY_NAME.get(name)
    if setting is None:
        return "", "not sent"
    payload = setting.payload
    sent = (
        "not sent"
        if payload is None
        else "merged into the body"
        if payload == "*"
        else f"`{payload}`"
    )
    return ("yes" if setting.per_call else ""), sent


def field_table(cls: type[BaseModel], names: list[str], chat: bool = False) -> str:
    """The markdown table of `names` (fields of `cls`)."""
    docs = field_docs(cls)
    head = "| field | default | per call | sent as | description |"
    lines = [head if chat else "| field | default | description |"]
    lines.append("|---|---|---|---|---|" if chat else "|---|---|---|")
    for name in names:
        alias = cls.model_fields[name].alias
        label = f"`{name}`" + (f" (alias `{alias}`)" if alias else "")
        cells = [label, _default(cls, name)]
        if chat:
            cells += list(_sent_as(name))
        lines.append("| " + " | ".join([*cells, _cell(docs.get(name, ""))]) + " |")
    return "\n".join(lines)


def documented_fields() -> dict[str, tuple[type[BaseModel], list[str], bool]]:
    """Table name -> (class, its fields of this package, chat-model columns)."""
    from langchain_onerouter import (
        ChatOneRouterResponses,
        OneRouterEmbeddings,
        OneRouterRerank,
    )
    from langchain_onerouter._settings.connection import OneRouterConnection

    def own(cls: type[BaseModel]) -> list[str]:
        shared = set(OneRouterConnection.model_fields)
        return [n for n in declared_fields(cls) if n not in shared]

    return {
        "connection": (
            OneRouterConnection,
            list(OneRouterConnection.model_fields),
            False,
        ),
        "chat": (ChatOneRouterResponses, own(ChatOneRouterResponses), True),
        "embeddings": (OneRouterEmbeddings, own(OneRouterEmbeddings), False),
        "rerank": (OneRouterRerank, own(OneRouterRerank), False),
    }


_BLOCK = re.compile(r"<!-- fields:(\w+) -->.*?<!-- /fields -->", re.DOTALL)


def render_configuration(text: str) -> str:
    """`text` (docs/configuration.md) with each generated table rewritten."""
    tables = documented_fields()

    def table(match: re.Match[str]) -> str:
        name = match.group(1)
        cls, names, chat = tables[name]
        body = field_table(cls, names, chat)
        return f"<!-- fields:{name} -->\n{body}\n<!-- /fields -->"

    return _BLOCK.sub(table, text)


if __name__ == "__main__":
    OUT.write_text(render())
    print(f"wrote {OUT}")
    CONFIGURATION.write_text(render_configuration(CONFIGURATION.read_text()))
    print(f"wrote {CONFIGURATION}")
