"""docs/configuration.md's field tables are generated from the models' fields
and kept current; every field of ours is documented there and in docs/api.md."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("gen_api", ROOT / "docs" / "gen_api.py")
assert spec and spec.loader
gen_api = importlib.util.module_from_spec(spec)
spec.loader.exec_module(gen_api)

TABLES = gen_api.documented_fields()


def test_configuration_md_tables_are_current() -> None:
    text = (ROOT / "docs" / "configuration.md").read_text()
    assert gen_api.render_configuration(text) == text, (
        "docs/configuration.md is stale: run `python docs/gen_api.py`"
    )
    for name in TABLES:
        assert f"<!-- fields:{name} -->" in text, name


@pytest.mark.parametrize("table", sorted(TABLES))
def test_every_field_of_ours_has_a_docstring_and_a_row(table: str) -> None:
    cls, names, _ = TABLES[table]
    docs = gen_api.field_docs(cls)
    undocumented = [n for n in names if not docs.get(n, "").strip()]
    assert undocumented == [], f"{cls.__name__}: fields without a docstring"
    rendered = gen_api.render_configuration(
        f"<!-- fields:{table} -->\n<!-- /fields -->"
    )
    for name in names:
        assert f"| `{name}`" in rendered, name


def test_every_model_field_of_ours_is_in_some_table() -> None:
    from langchain_onerouter import (
        ChatOneRouterResponses,
        OneRouterEmbeddings,
        OneRouterRerank,
    )

    listed = {name for _, names, _ in TABLES.values() for name in names}
    for cls in (ChatOneRouterResponses, OneRouterEmbeddings, OneRouterRerank):
        missing = set(gen_api.declared_fields(cls)) - listed
        assert missing == set(), (cls.__name__, missing)


def test_field_docs_reads_attribute_docstrings_and_finds_a_missing_one() -> None:
    from pydantic import BaseModel

    class Probe(BaseModel):
        documented: int = 1
        """Says what it is."""
        bare: int = 2

    assert gen_api.field_docs(Probe, package=__name__) == {
        "documented": "Says what it is."
    }


def test_api_md_field_descriptions_are_filled() -> None:
    rows = [
        line
        for line in (ROOT / "docs" / "api.md").read_text().splitlines()
        if line.startswith("| `")
    ]
    assert rows
    assert [row for row in rows if row.rstrip().endswith("|  |")] == []
