"""The `onerouter` command: `chat`, `models`, `demo`, `emulate`.

```console
$ onerouter demo                      # works offline: starts the bundled emulator
$ onerouter chat "What is the meaning of life?" --model o4-mini
$ onerouter models --filter claude
$ onerouter emulate --port 8080      # a local OneRouter for your own tests
```

Errors print one line (`onerouter: error: ...`) and exit 1; set
`ONEROUTER_DEBUG=1` for the traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any, TextIO

from langchain_onerouter._settings.checks import REASONING_EFFORTS
from langchain_onerouter._settings.env import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEBUG_ENV,
    DEFAULT_BASE_URL,
    FALLBACK_MODELS_ENV,
    FALLBACK_RULES_ENV,
    MODEL_ENV,
    PROVIDER_ENV,
    USAGE_ACCOUNTING_ENV,
)
from langchain_onerouter._version import __version__
from langchain_onerouter.routing import routing_from_env

DEFAULT_MODEL = "o4-mini"


class CLIError(Exception):
    """A user-facing error: printed as one line, exit status 1."""


def _add_base_url(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--base-url",
        default=None,
        help=f"API root (default: ${BASE_URL_ENV} or OneRouter)",
    )


def _add_routing(parser: argparse.ArgumentParser) -> None:
    """Routing options of `chat` (defaults: the ONEROUTER_* routing variables)."""
    group = parser.add_argument_group(
        "routing",
        "Model fallbacks, provider preferences and cost (defaults from "
        f"{FALLBACK_MODELS_ENV}, {FALLBACK_RULES_ENV}, {PROVIDER_ENV}, "
        f"{USAGE_ACCOUNTING_ENV})",
    )
    group.add_argument(
        "--fallback",
        action="append",
        default=None,
        metavar="MODEL",
        help="a fallback model, tried in order if the model fails (repeatable)",
    )
    for name, what in (
        ("order", "try these providers first"),
        ("only", "use only these providers"),
        ("ignore", "never use these providers"),
    ):
        group.add_argument(
            f"--provider-{name}",
            default=None,
            metavar="A,B",
            help=f"{what} (comma-separated)",
        )
    group.add_argument(
        "--sort",
        choices=("price", "throughput", "latency"),
        default=None,
        help="rank providers by this",
    )
    group.add_argument(
        "--provider-fallbacks",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="allow providers outside --provider-order when those fail",
    )
    group.add_argument(
        "--cost",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="ask for usage accounting and print the cost (credits)",
    )


def _routing_settings(args: argparse.Namespace) -> dict[str, Any]:
    """Constructor kwargs: the environment's routing, then the options."""
    settings = routing_from_env()
    settings.pop("model", None)  # --model / ONEROUTER_MODEL handled by _model
    if args.fallback:
        settings["fallback_models"] = args.fallback
    provider = dict(settings.get("provider") or {})
    for name in ("order", "only", "ignore"):
        value = getattr(args, f"provider_{name}")
        if value is not None:
            provider[name] = [p.strip() for p in value.split(",") if p.strip()]
    if args.sort is not None:
        provider["sort"] = args.sort
    if args.provider_fallbacks is not None:
        provider["allow_fallbacks"] = args.provider_fallbacks
    if provider:
        settings["provider"] = provider
    if args.cost is not None:
        settings["usage_accounting"] = args.cost
    return settings


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `onerouter` console script; returns the exit status.

    >>> main(["models", "--help"])  # doctest: +SKIP
    """
    args = build_parser().parse_args(argv)
    try:
        return int(args.run(args) or 0)
    except KeyboardInterrupt:
        print("onerouter: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `onerouter chat ... | head`: the reader left
        _silence_stdout()
        return 0
    except Exception as exc:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"onerouter: error: {_one_line(exc)}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="onerouter",
        description="Talk to OneRouter's Responses API from the shell, or run a "
        "local emulator of it.",
        epilog=f"Environment: {API_KEY_ENV}, {BASE_URL_ENV}, {MODEL_ENV}.",
    )
    parser.add_argument(
        "--version", action="version", version=f"%(prog)s {__version__}"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    _add_chat(commands)
    _add_models(commands)
    _add_demo(commands)
    _add_emulate(commands)
    return parser


def _add_model_option(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--model",
        "-m",
        default=None,
        help=f"model id (default: ${MODEL_ENV} or {DEFAULT_MODEL})",
    )


def _add_chat(commands: Any) -> None:
    chat = commands.add_parser(
        "chat",
        help="ask one question",
        description="Print the answer to PROMPT "
        "(streamed by default), then token usage on stderr.",
    )
    chat.add_argument("prompt", help="the question ('-' reads stdin)")
    _add_model_option(chat)
    chat.add_argument(
        "--stream",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="print tokens as they arrive (default: on)",
    )
    chat.add_argument(
        "--reasoning-effort",
        choices=REASONING_EFFORTS,
        default=None,
        help="ask a reasoning model to think more or less",
    )
    chat.add_argument("--system", "-s", default=None, help="a system prompt")
    _add_routing(chat)
    _add_base_url(chat)
    chat.set_defaults(run=_chat)


def _add_models(commands: Any) -> None:
    models = commands.add_parser(
        "models",
        help="list the model catalog",
        description="List OneRouter's models (no API key needed).",
    )
    models.add_argument(
        "--filter",
        "-f",
        default=None,
        help="only ids or names containing TEXT (case-insensitive)",
        metavar="TEXT",
    )
    models.add_argument(
        "--input",
        choices=("image", "file"),
        default=None,
        help="only models the catalog lists with this input modality",
    )
    models.add_argument(
        "--sort",
        choices=("id", "price", "context"),
        default="id",
        help="order by id, by price (cheapest input first) or by context length",
    )
    _add_base_url(models)
    models.set_defaults(run=_models)


def _add_demo(commands: Any) -> None:
    demo = commands.add_parser(
        "demo",
        help="run a streamed chain and a tool-calling agent",
        description="Run a short LangChain chain and a tool-calling agent, streamed. "
        f"Uses OneRouter when ${API_KEY_ENV} is set; otherwise starts the bundled "
        "emulator (no key, no network).",
    )
    _add_model_option(demo)
    demo.set_defaults(run=_demo)


def _add_emulate(commands: Any) -> None:
    emulate = commands.add_parser(
        "emulate",
        help="serve a local OneRouter emulator",
        description="Serve the OneRouter emulator (Responses JSON + SSE, "
        "embeddings, rerank, /v1/models) until Ctrl-C, for test suites in any "
        "language; /_emulator/ is its control route (see docs/testing.md). "
        "Needs the 'emulator' extra.",
    )
    emulate.add_argument(
        "--port", "-p", type=int, default=0, help="port (default: a free one)"
    )
    emulate.add_argument(
        "--host", default="127.0.0.1", help="interface (default: 127.0.0.1)"
    )
    emulate.add_argument(
        "--api-key", default=None, help="the key to accept (default: random)"
    )
    emulate.add_argument(
        "--any-key", action="store_true", help="accept any non-empty Bearer key"
    )
    emulate.add_argument(
        "--model",
        "-m",
        action="append",
        default=[],
        metavar="ID",
        help="add a model id to the catalog (repeatable)",
    )
    emulate.add_argument("--any-model", action="store_true", help="accept any model id")
    emulate.add_argument(
        "--lenient",
        action="append",
        nargs="?",
        const="all",
        default=None,
        metavar="RULE",
        help="relax a strict rule (fields, stateless, model, assistant_ids, "
        "modalities; repeatable), or all of them without RULE",
    )
    emulate.add_argument(
        "--script",
        default=None,
        metavar="FILE",
        help="a JSON file of replies and faults (Reply fields), served in order",
    )
    emulate.set_defaults(run=_emulate)


# -- commands ---------------------------------------------------------------------
def _chat(args: argparse.Namespace) -> int:
    from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

    prompt = sys.stdin.read() if args.prompt == "-" else args.prompt
    if not prompt.strip():
        raise CLIError("the prompt is empty")
    if not os.environ.get(API_KEY_ENV):
        raise CLIError(
            f"no API key: set {API_KEY_ENV} (or run `onerouter demo`, which needs none)"
        )
    llm = _model(
        args.model,
        args.base_url,
        reasoning_effort=args.reasoning_effort,
        **_routing_settings(args),
    )
    messages: list[BaseMessage] = [HumanMessage(prompt)]
    if args.system:
        messages.insert(0, SystemMessage(args.system))
    if args.stream:
        full: Any = None
        for chunk in llm.stream(messages):
            _write(chunk.text)
            full = chunk if full is None else full + chunk
        message = full
    else:
        message = llm.invoke(messages)
        _write(message.text)
    _write("\n")
    _print_usage(message, sys.stderr)
    return 0


def _models(args: argparse.Namespace) -> int:
    from langchain_onerouter.catalog import list_models

    models = list_models(args.base_url or os.environ.get(BASE_URL_ENV) or None)
    needle = (args.filter or "").lower()
    shown = [
        m
        for m in models
        if (needle in m.id.lower() or needle in (m.display_name or "").lower())
        and (args.input is None or args.input in m.input_modalities)
    ]
    if not shown:
        print(f"no models match {args.filter!r}", file=sys.stderr)
        return 0
    width = max(len(m.id) for m in shown)
    for m in sorted(shown, key=_SORT_KEYS[args.sort]):
        context = f"{m.context_length:>9,}" if m.context_length else " " * 9
        price = (
            f"${m.prompt_price_per_million:g}/${m.completion_price_per_million:g} per M"
            if m.prompt_price_per_million is not None
            and m.completion_price_per_million is not None
            else ""
        )
        print(f"{m.id:<{width}}  {context}  {(m.category or ''):<9}  {price}".rstrip())
    return 0


_SORT_KEYS: dict[str, Any] = {
    "id": lambda m: m.id,
    "price": lambda m: (
        m.prompt_price_per_million is None,
        m.prompt_price_per_million or 0.0,
        m.completion_price_per_million or 0.0,
        m.id,
    ),
    "context": lambda m: (-(m.context_length or 0), m.id),
}


def _demo(args: argparse.Namespace) -> int:
    with _demo_backend() as base_url:
        llm = _model(args.model, base_url)
        _demo_chain(llm)
        _demo_agent(llm)
    return 0


def _emulate(args: argparse.Namespace) -> int:
    OneRouterEmulator = _emulator_class()
    lenient = args.lenient or ()
    try:
        emulator = OneRouterEmulator(
            port=args.port,
            host=args.host,
            api_key=args.api_key,
            accept_any_key=args.any_key,
            models=args.model,
            any_model=args.any_model,
            lenient=True if "all" in lenient else lenient,
            log_level="warning",
        )
        if args.script:
            emulator.load_script(args.script)
    except (OSError, ValueError) as exc:
        raise CLIError(str(exc)) from None
    emulator.start()
    print(f"OneRouter emulator listening on {emulator.base_url}")
    print(f"  export {BASE_URL_ENV}={emulator.base_url}")
    key = "<any non-empty key>" if args.any_key else emulator.api_key
    print(f"  export {API_KEY_ENV}={key}")
    print(f"  control: {emulator.control_url} (Bearer {emulator.api_key})")
    print(
        "A deterministic stand-in, not a real model. Press Ctrl-C to stop.", flush=True
    )
    try:
        emulator.serve_forever()
    except KeyboardInterrupt:
        print("stopped", file=sys.stderr)
    return 0


# -- demo parts ---------------------------------------------------------------------
@contextmanager
def _demo_backend() -> Iterator[str | None]:
    """OneRouter when a key is set, else the bundled emulator (said plainly)."""
    if os.environ.get(API_KEY_ENV):
        base_url = os.environ.get(BASE_URL_ENV)
        print(
            f"Using OneRouter at {base_url or DEFAULT_BASE_URL} "
            f"(${API_KEY_ENV} is set).\n"
        )
        yield base_url
        return
    OneRouterEmulator = _emulator_class()
    with OneRouterEmulator() as emulator:
        print(
            f"No {API_KEY_ENV} set, so this demo runs against the bundled OneRouter "
            f"emulator at {emulator.base_url}.\nIt is a deterministic stand-in, "
            "not a real model: it echoes, calls tools with schema-made arguments "
            f"and reports their results. Set {API_KEY_ENV} to use OneRouter.\n"
        )
        previous = os.environ.get(API_KEY_ENV)
        os.environ[API_KEY_ENV] = emulator.api_key
        try:
            yield emulator.base_url
        finally:
            if previous is None:
                os.environ.pop(API_KEY_ENV, None)
            else:
                os.environ[API_KEY_ENV] = previous


def _demo_chain(llm: Any) -> None:
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "You are a concise assistant."),
            ("human", "Explain {topic} in one sentence."),
        ]
    )
    chain = prompt | llm | StrOutputParser()
    print("1. A chain (prompt | model | parser), streamed:")
    print("   > Explain server-sent events in one sentence.\n   ", end="")
    for piece in chain.stream({"topic": "server-sent events"}):
        _write(piece)
    print("\n")


def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


def _demo_agent(llm: Any, max_steps: int = 4) -> None:
    from langchain_core.messages import BaseMessage, HumanMessage
    from langchain_core.messages.ai import add_usage
    from langchain_core.tools import tool

    counter = tool(word_count)
    agent = llm.bind_tools([counter])
    question = (
        'How many words are in "the quick brown fox jumps over the lazy dog"? '
        "Use the word_count tool."
    )
    print(f"2. A tool-calling agent, streamed:\n   > {question}")
    messages: list[BaseMessage] = [HumanMessage(question)]
    total: Any = None
    for _ in range(max_steps):
        full: Any = None
        print("   ", end="")
        for chunk in agent.stream(messages):
            _write(chunk.text)
            full = chunk if full is None else full + chunk
        total = add_usage(total, full.usage_metadata)
        messages.append(full)
        if not full.tool_calls:
            print()
            break
        for call in full.tool_calls:
            result = counter.invoke(call)
            print(f"[calls {call['name']}({_args(call['args'])}) -> {result.content}]")
            messages.append(result)
    print()
    if total:
        print(
            f"Agent usage: {total['input_tokens']} input + "
            f"{total['output_tokens']} output = {total['total_tokens']} tokens"
        )


# -- helpers ---------------------------------------------------------------------------
def _model(model: str | None, base_url: str | None, **settings: Any) -> Any:
    from langchain_onerouter.chat_models import ChatOneRouterResponses

    kwargs: dict[str, Any] = {
        "model": model or os.environ.get(MODEL_ENV) or DEFAULT_MODEL,
        **{k: v for k, v in settings.items() if v is not None},
    }
    if base_url:
        kwargs["base_url"] = base_url
    return ChatOneRouterResponses(**kwargs)


def _emulator_class() -> Any:
    try:
        from langchain_onerouter.testing import OneRouterEmulator
    except ImportError as exc:
        raise CLIError(str(exc)) from None
    return OneRouterEmulator


def _print_usage(message: Any, stream: TextIO, prefix: str = "usage: ") -> None:
    usage = getattr(message, "usage_metadata", None)
    if not usage:
        return
    reasoning = (usage.get("output_token_details") or {}).get("reasoning")
    extra = f" ({reasoning} reasoning)" if reasoning else ""
    metadata = getattr(message, "response_metadata", None) or {}
    print(
        f"{prefix}{usage['input_tokens']} input + {usage['output_tokens']} output"
        f"{extra} = {usage['total_tokens']} tokens" + _served(metadata),
        file=stream,
    )


def _served(metadata: dict[str, Any]) -> str:
    """`, model X (fallback from Y) via P, cost C credits` from response_metadata."""
    text = ""
    if metadata.get("model_name"):
        text += f", model {metadata['model_name']}"
        if metadata.get("fallback_used"):
            text += f" (fallback from {metadata.get('requested_model')})"
    if isinstance(metadata.get("upstream_provider"), str):
        text += f" via {metadata['upstream_provider']}"
    cost = metadata.get("cost")
    if isinstance(cost, (int, float)) and not isinstance(cost, bool):
        text += f", cost {cost:.6g} credits"
    return text


def _args(args: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in args.items())


def _write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's flush at exit cannot
    fail on the closed pipe again (Python's documented recipe)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is no real file (e.g. captured)
        pass


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    first = text.splitlines()[0]
    # pydantic wraps our validators' messages: keep the message, not the wrapper.
    if "validation error" in first and len(text.splitlines()) > 2:
        first = text.splitlines()[2].strip()
    name = type(exc).__name__
    return first if isinstance(exc, CLIError) else f"{first} ({name})"


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
