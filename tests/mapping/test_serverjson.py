"""Reading server JSON: the one home of tolerant numbers and of the
malformed-200 error (serverjson.py)."""

from __future__ import annotations

import math
from typing import Any

import pytest

from langchain_onerouter._mapping.serverjson import (
    count,
    finite,
    first_count,
    malformed,
    number,
)
from langchain_onerouter.errors import APIStatusError


@pytest.mark.parametrize(
    "value, expected",
    [
        (12, 12),
        (12.9, 12),
        ("12", 12),
        ("1e3", 1000),
        (0, 0),
        (-1, None),
        ("-1", None),
        (True, None),
        (None, None),
        ("many", None),
        (math.nan, None),
        (math.inf, None),
        (2**63, None),
        (10**400, None),
        ([3], None),
    ],
)
def test_count_takes_non_negative_numbers_in_any_json_form(
    value: Any, expected: int | None
) -> None:
    assert count(value) == expected


def test_number_and_finite_refuse_bools_and_read_strings_only_when_asked() -> None:
    assert number(True) is None and number(False) is None
    assert number("0.5") is None
    assert number("0.5", strings=True) == 0.5
    assert math.isnan(number(math.nan) or 0.0)  # a number, not a finite one
    assert finite(math.nan) is None and finite(-math.inf) is None
    assert finite(-2) == -2.0
    assert finite(-2, minimum=0) is None
    assert finite("1e400", strings=True) is None  # overflows to inf


def test_first_count_skips_what_is_not_a_count() -> None:
    assert first_count("x", None, -3, 7, 9) == 7
    assert first_count() is None


def test_malformed_is_a_200_status_error_keeping_the_body() -> None:
    error = malformed("no `data` list", body={"data": 1})
    assert isinstance(error, APIStatusError)
    assert error.status_code == 200
    assert error.message == "malformed response: no `data` list"
    assert error.body == {"data": 1}
