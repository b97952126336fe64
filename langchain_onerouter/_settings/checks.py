"""Value checks of the settings: connection (base URL, key, timeouts), the
request settings' values (`fields.SETTINGS` names one per setting), and JSON.
Stdlib and pydantic only."""

from __future__ import annotations

import ipaddress
import math
import string
import unicodedata
import warnings
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from pydantic import SecretStr

from langchain_onerouter._settings.env import API_KEY_ENV, DEFAULT_BASE_URL

REASONING_EFFORTS = ("none", "minimal", "low", "medium", "high", "xhigh")
REASONING_SUMMARIES = ("auto", "concise", "detailed")


# -- request settings (by payload name, before any request) ------------------------------
def check_model(model: Any) -> None:
    if not isinstance(model, str) or not model.strip():
        raise ValueError(f"model must be a non-empty string, got {model!r}")


def check_max_tokens(tokens: Any) -> None:
    if tokens is not None and (
        isinstance(tokens, bool)
        or not isinstance(tokens, int)
        or not 1 <= tokens < 2**63
    ):
        raise ValueError(
            "max_tokens (max_output_tokens) must be a positive integer below 2**63,"
            f" got {tokens!r:.40}"
        )


def check_range(key: str, lo: float, hi: float) -> Callable[[Any], None]:
    """A check that `key` is a number in [lo, hi] (or unset).

    >>> check_range("top_p", 0, 1)(1.5)
    Traceback (most recent call last):
    ...
    ValueError: top_p must be between 0 and 1, got 1.5
    """

    def check(value: Any) -> None:
        if value is None:
            return
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"{key} must be a number, got {value!r}")
        if not lo <= value <= hi:
            raise ValueError(f"{key} must be between {lo:g} and {hi:g}, got {value!r}")

    return check


def check_reasoning(reasoning: Any) -> None:
    if reasoning is None:
        return
    if not isinstance(reasoning, Mapping):
        raise ValueError(f"reasoning must be a dict, got {reasoning!r}")
    _check_choice("reasoning effort", reasoning.get("effort"), REASONING_EFFORTS)
    _check_choice("reasoning summary", reasoning.get("summary"), REASONING_SUMMARIES)


def check_include(include: Any) -> None:
    if include is not None and (
        not isinstance(include, (list, tuple))
        or not all(isinstance(i, str) for i in include)
    ):
        raise ValueError(f"include must be a list of strings, got {include!r}")


def check_bool(key: str) -> Callable[[Any], None]:
    """A check that `key` is True, False or unset (never a truthy string)."""

    def check(value: Any) -> None:
        if value is not None and not isinstance(value, bool):
            raise ValueError(f"{key} must be True or False, got {value!r}")

    return check


def check_metadata(metadata: Any) -> None:
    """`request_metadata` (the body's `metadata`): string keys and values."""
    if metadata is None:
        return
    if not isinstance(metadata, Mapping):
        raise ValueError(f"request_metadata must be a dict, got {metadata!r:.80}")
    for key, value in metadata.items():
        if not isinstance(key, str) or not isinstance(value, str):
            raise ValueError(
                "request_metadata must map strings to strings, got "
                f"{key!r:.40}: {value!r:.40}"
            )


TOOL_CHOICES = ("auto", "none", "required")


def check_tool_choice(choice: Any) -> None:
    """A per-call `tool_choice` as the Responses API takes it."""
    if choice is None or choice in TOOL_CHOICES:
        return
    if isinstance(choice, Mapping) and isinstance(choice.get("type"), str):
        return
    raise ValueError(
        f"tool_choice must be one of {list(TOOL_CHOICES)} or a dict with a "
        f"'type', got {choice!r:.80}; to force one tool use "
        "bind_tools(tools, tool_choice=name)"
    )


def check_text(text: Any) -> None:
    """The `text` field: a dict whose `format`, if any, is a dict with a `type`."""
    if text is None:
        return
    if not isinstance(text, Mapping):
        raise ValueError(f"text must be a dict, got {text!r:.80}")
    fmt = text.get("format")
    if fmt is not None and not (
        isinstance(fmt, Mapping) and isinstance(fmt.get("type"), str)
    ):
        raise ValueError(
            "text.format must be a dict with a 'type' (e.g. {'type': 'json_object'}),"
            f" got {fmt!r:.80}"
        )


def check_stop(stop: Any) -> list[str] | None:
    """Stop sequences as a list: a string is one sequence (as ChatOpenAI takes
    it), a list or tuple must hold strings.

    >>> check_stop("abc")
    ['abc']
    """
    if stop is None:
        return None
    if isinstance(stop, str):
        return [stop]
    if not isinstance(stop, (list, tuple)):
        raise TypeError(
            f"stop must be a string or a list of strings, got {type(stop).__name__}"
        )
    for index, sequence in enumerate(stop):
        if not isinstance(sequence, str):
            raise TypeError(
                f"stop[{index}] must be a string, got {type(sequence).__name__}"
            )
    return list(stop)


def _check_choice(what: str, value: Any, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise ValueError(f"{what} must be one of {sorted(allowed)}, got {value!r}")


# -- connection ------------------------------------------------------------------------
def check_base_url(url: str) -> None:
    """Reject non-HTTP URLs; warn when the key would cross a network in clear."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            f"base_url must be an http(s) URL such as {DEFAULT_BASE_URL!r}, got {url!r}"
        )
    if parts.scheme == "http" and not _is_loopback(parts.hostname):
        warnings.warn(
            f"base_url {url!r} uses plain http:// to a non-loopback host: the "
            "API key travels unencrypted. Use https://.",
            UserWarning,
            stacklevel=2,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _clean_api_key(key: str) -> str:
    """`key` without surrounding whitespace (a trailing newline from a file or
    `echo`); `ValueError` (never showing the key) when what is left has a
    space, a control or a non-ASCII character: HTTP headers cannot carry it.

    >>> _clean_api_key("sk-or-abc\\n")
    'sk-or-abc'
    """
    cleaned = key.strip()
    for index, char in enumerate(cleaned):
        if not (char.isascii() and char.isprintable()) or char == " ":
            raise ValueError(
                f"api_key has a character an HTTP header cannot carry at position "
                f"{index} ({unicodedata.name(char, 'control character')}); check "
                "the key for stray quotes, spaces or pasted formatting."
            )
    return cleaned


def require_api_key(key: SecretStr | None) -> SecretStr:
    """The key, cleaned (`_clean_api_key`); `ValueError` when there is none.

    >>> require_api_key(SecretStr("sk-or-abc\\n")).get_secret_value()
    'sk-or-abc'
    """
    if key is None:
        raise ValueError(
            f"No OneRouter API key: pass api_key=... or set the {API_KEY_ENV} "
            "environment variable."
        )
    cleaned = _clean_api_key(key.get_secret_value())
    if not cleaned:  # an unset variable exported empty, or a blank file
        raise ValueError(
            f"api_key is empty or blank: pass the key, or set {API_KEY_ENV} to it."
        )
    return SecretStr(cleaned)


# RFC 9110 token characters: what a header name may be made of.
_TOKEN = frozenset("!#$%&'*+-.^_`|~" + string.ascii_letters + string.digits)


def check_headers(headers: Mapping[str, str] | None) -> None:
    """`default_headers`: valid names, values without control characters
    (CR/LF would split the request). The value is never shown: it may be a
    secret."""
    for name, value in (headers or {}).items():
        if not name or not set(name) <= _TOKEN:
            raise ValueError(
                f"default_headers has an invalid header name {name!r:.60}: use "
                "letters, digits and -"
            )
        bad = next((c for c in value if c != "\t" and not c.isprintable()), None)
        if bad is not None or not value.isascii():
            what = "a non-ASCII" if bad is None else repr(bad)
            raise ValueError(
                f"default_headers[{name!r}] has {what} character: header values "
                "cannot carry line breaks, control or non-ASCII characters"
            )


MAX_TIMEOUT = 86_400.0
"""Longest timeout accepted, in seconds (a day): larger values overflow
socket timeouts or never fire."""


def check_timeout(name: str, value: Any) -> None:
    """Reject a timeout that cannot work, naming the setting: not a number,
    <= 0, nan, infinite, or over `MAX_TIMEOUT`. `None` means the default;
    an `httpx.Timeout` is checked phase by phase (its `None` = no limit).

    >>> check_timeout("timeout", 0)
    Traceback (most recent call last):
    ...
    ValueError: timeout must be a number of seconds in (0, 86400], got 0
    """
    if value is None:
        return
    if hasattr(value, "as_dict"):  # httpx.Timeout
        for phase, seconds in value.as_dict().items():
            check_timeout(f"{name}.{phase}", seconds)
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ValueError(f"{name} must be seconds (a number), got {value!r}")
    if not math.isfinite(value) or value <= 0 or value > MAX_TIMEOUT:
        raise ValueError(
            f"{name} must be a number of seconds in (0, {MAX_TIMEOUT:g}], got {value!r}"
        )
