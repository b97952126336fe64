"""Newer routing options: `provider.sort` as an object, sent as given."""

from __future__ import annotations

import warnings

import pytest

from langchain_onerouter import ChatOneRouterResponses
from langchain_onerouter._mapping.routing import validate_provider
from tests.support.models import Recorder, echo, make_llm


@pytest.mark.parametrize(
    "sort",
    [
        {"by": "price", "partition": "none"},
        {"by": "throughput"},
        {"by": "latency", "partition": "model"},
    ],
)
def test_sort_object_is_sent_as_given(sort: dict) -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec, provider={"sort": sort, "order": ["openai"]})
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a documented form: no warning
        llm.invoke("hi")
    assert rec.requests[-1].json()["provider"] == {"sort": sort, "order": ["openai"]}


def test_sort_object_per_call_and_strings_still_work() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec, provider={"sort": "latency"})
    llm.invoke("hi")
    assert rec.requests[-1].json()["provider"] == {"sort": "latency"}
    llm.invoke("hi", provider={"sort": {"by": "price", "partition": "none"}})
    assert rec.requests[-1].json()["provider"]["sort"] == {
        "by": "price",
        "partition": "none",
    }


@pytest.mark.parametrize(
    ("sort", "match"),
    [
        ({"by": "cheapest"}, r"provider\.sort\.by must be one of"),
        ({"partition": "none"}, r"provider\.sort\.by must be one of"),
        ({"by": "prices"}, r"did you mean 'price'"),
        ("cheapest", r"provider\.sort must be one of"),
    ],
)
def test_bad_sort_fails_before_any_request(sort: object, match: str) -> None:
    rec = Recorder(responder=echo)
    with pytest.raises(ValueError, match=match):
        ChatOneRouterResponses(model="m", provider={"sort": sort})
    llm = make_llm(rec)
    with pytest.raises(ValueError, match=match):
        llm.invoke("hi", provider={"sort": sort})
    assert rec.requests == []


def test_unknown_keys_in_the_sort_object_warn_and_are_kept() -> None:
    with pytest.warns(UserWarning, match=r"provider\.sort\.partion.*'partition'"):
        checked = validate_provider({"sort": {"by": "price", "partion": "none"}})
    assert checked == {"sort": {"by": "price", "partion": "none"}}


def test_unknown_provider_keys_still_pass_with_a_warning() -> None:
    rec = Recorder(responder=echo)
    llm = make_llm(rec)
    with pytest.warns(UserWarning, match="'allow_distillation'"):
        llm.invoke("hi", provider={"sort": {"by": "price"}, "allow_distillation": True})
    assert rec.requests[-1].json()["provider"] == {
        "sort": {"by": "price"},
        "allow_distillation": True,
    }
