"""Fixtures shared by every test directory."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_onerouter._mapping.items import SPEC_ITEM_TYPES
from tests.support.modes import MODES
from tests.support.scripted_server import ScriptedServer

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


@pytest.fixture(autouse=True)
def _onerouter_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never see a real key or base URL from the developer's shell."""
    monkeypatch.setenv("ONEROUTER_API_KEY", "sk-or-test-key-0123456789")
    monkeypatch.delenv("ONEROUTER_BASE_URL", raising=False)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """`../shared` beside the checkout; tests that need it skip without it."""
    if not SHARED.is_dir():
        pytest.skip("../shared is absent (a fresh clone has none)")
    return SHARED


def _openai_schema_validator(shared_dir: Path, name: str) -> Any:
    jsonschema = pytest.importorskip("jsonschema")
    spec_path = shared_dir / "spec" / "openai-openapi.json"
    if not spec_path.is_file():
        pytest.skip("spec/openai-openapi.json is absent")
    # OpenAI's spec declares overlapping `oneOf` branches (a user `message`
    # item matches both EasyInputMessage and InputMessage), so a strict oneOf
    # rejects every valid body; anyOf keeps the real constraint: "matches a
    # documented shape".
    spec = json.loads(spec_path.read_text().replace('"oneOf"', '"anyOf"'))
    schema = {"$ref": f"#/components/schemas/{name}", "components": spec["components"]}
    return jsonschema.Draft202012Validator(schema)


@pytest.fixture(scope="session")
def create_response_validator(shared_dir: Path) -> Any:
    """Validates request bodies against `CreateResponse` in OpenAI's spec."""
    return _openai_schema_validator(shared_dir, "CreateResponse")


@pytest.fixture(scope="session")
def input_item_validator(shared_dir: Path) -> Any:
    """Validates one request item against `InputItem` in OpenAI's spec."""
    return _openai_schema_validator(shared_dir, "InputItem")


def iter_fixture_files(pattern: str) -> Iterator[Path]:
    """Files under ../shared/fixtures matching `pattern` (none when absent)."""
    root = SHARED / "fixtures"
    if root.is_dir():
        yield from sorted(root.glob(pattern))


@pytest.fixture
def check_spec(request: pytest.FixtureRequest) -> Any:
    """Validate items of spec types against `InputItem` (a no-op without the spec)."""
    try:
        validator = request.getfixturevalue("input_item_validator")
    except pytest.skip.Exception:
        validator = None

    def check(items: list[dict[str, Any]]) -> None:
        for item in items:
            # items of types the spec does not list cannot be checked
            if validator is not None and item["type"] in SPEC_ITEM_TYPES:
                validator.validate(item)

    return check


@pytest.fixture
def server() -> Iterator[ScriptedServer]:
    """A fresh scripted loopback server (a test module may define its own)."""
    with ScriptedServer() as srv:
        yield srv


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    """Each call mode in turn: invoke, ainvoke, stream, astream."""
    return str(request.param)
