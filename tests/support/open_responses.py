"""Validators for the Open Responses spec (`../shared/spec`), for tests that
check the emulator's bodies and stream events against it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest


def open_responses_validators(shared_dir: Path) -> tuple[Any, Any]:
    """(ResponseResource validator, stream event validator); skips the test
    when jsonschema or the spec is absent."""
    jsonschema = pytest.importorskip("jsonschema")
    path = shared_dir / "spec" / "openresponses-openapi.json"
    if not path.is_file():
        pytest.skip("spec/openresponses-openapi.json is absent")
    spec = json.loads(path.read_text())
    components = spec["components"]
    stream_schema = spec["paths"]["/responses"]["post"]["responses"]["200"]["content"][
        "text/event-stream"
    ]["schema"]

    def validator(schema: dict[str, Any]) -> Any:
        return jsonschema.Draft202012Validator({**schema, "components": components})

    return validator({"$ref": "#/components/schemas/ResponseResource"}), validator(
        stream_schema
    )


def openai_event_validator(shared_dir: Path) -> Any:
    """OpenAI's `ResponseStreamEvent` validator (events Open Responses does not
    name: raw `reasoning_text`, web search progress, custom tool input)."""
    jsonschema = pytest.importorskip("jsonschema")
    path = shared_dir / "spec" / "openai-openapi.json"
    if not path.is_file():
        pytest.skip("spec/openai-openapi.json is absent")
    # Overlapping oneOf branches in OpenAI's spec reject valid values; anyOf
    # keeps the real constraint ("matches a documented shape").
    spec = json.loads(path.read_text().replace('"oneOf"', '"anyOf"'))
    schema = {
        "$ref": "#/components/schemas/ResponseStreamEvent",
        "components": spec["components"],
    }
    return jsonschema.Draft202012Validator(schema)
