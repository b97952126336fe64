"""The one JSON encoder and its guard (jsonutil.py): what cannot be sent as
JSON fails naming where it is, before any request."""

from __future__ import annotations

import math
from typing import Any

import pytest

from langchain_onerouter._mapping.history import function_call_item
from langchain_onerouter._mapping.jsonutil import check_encodable, check_json, dumps


@pytest.mark.parametrize(
    "value, needle",
    [
        (math.nan, "request field x.y[0] is nan: JSON has no NaN"),
        (2**64, "request field x.y[0] is an integer beyond 64 bits"),
        (-(2**63) - 1, "request field x.y[0] is an integer beyond 64 bits"),
        ({1: "a"}, "request field x.y[0] has a non-string key 1"),
        (object(), "request field x.y[0] is not JSON-serializable: object"),
    ],
)
def test_check_json_names_the_bad_value(value: Any, needle: str) -> None:
    with pytest.raises(ValueError) as caught:
        check_json({"y": [value]}, "x")
    assert needle in str(caught.value)


def test_what_check_json_accepts_the_encoder_writes() -> None:
    value = {"big": 2**64 - 1, "small": -(2**63), "f": 0.5, "s": "é", "n": None}
    check_json(value, "x")
    assert (
        dumps(value)
        == (
            '{"big":18446744073709551615,"small":-9223372036854775808,'
            '"f":0.5,"s":"é","n":null}'
        ).encode()
    )


def test_tool_call_arguments_are_compact_utf8_json_or_a_named_error() -> None:
    item = function_call_item(
        {"id": "c", "name": "f", "args": {"q": "é", "n": 1}}, None
    )
    assert item["arguments"] == '{"q":"é","n":1}'
    with pytest.raises(ValueError, match=r"tool call 'f': arguments\.n is inf"):
        function_call_item({"id": "c", "name": "f", "args": {"n": math.inf}}, None)


def test_check_encodable_names_the_place_the_encoder_refuses() -> None:
    check_encodable({"a": [1, "x", {"b": 2**63}]})  # fine: nothing raised
    with pytest.raises(ValueError, match=r"request input\[1\]\.n is an integer"):
        check_encodable([{"n": 1}, {"n": 10**30}], "input")
    with pytest.raises(ValueError, match="non-string key 3"):
        check_encodable({"a": {3: "x"}})
