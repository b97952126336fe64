"""Error of the offline token estimate against OpenAI's `o200k_base` encoding.

    pip install bpe-openai          # ships o200k_base offline (tiktoken downloads it)
    python -m benchmarks.tokens

The corpus is built on the machine from what every Python has (standard
library source as code, its docstrings as prose), generated JSON and numbers,
and a few CJK sentences; nothing in it was used to choose the estimate's
constants except the standard-library modules listed in `CALIBRATION`, which
are reported apart.
"""

from __future__ import annotations

import importlib
import inspect
import json
import pathlib
import random
from collections.abc import Callable

from pydantic import SecretStr

from langchain_onerouter import ChatOneRouterResponses

# The chat model's offline estimate (no custom_get_token_ids): public API only.
estimate_text_tokens = ChatOneRouterResponses(
    model="openai/gpt-5.4-mini", api_key=SecretStr("sk-offline")
).get_num_tokens

# Modules whose docstrings/source were looked at when the constants were set.
CALIBRATION = ("json", "textwrap", "random", "inspect", "pathlib", "argparse")
HELD_OUT = ("logging", "asyncio", "email", "http", "unittest", "zipfile", "csv")
CJK = [
    "今天天气很好，我们去公园散步吧。人工智能正在改变世界的许多方面。",
    "東京は日本の首都です。新しい技術が毎日生まれています。",
    "안녕하세요, 오늘 날씨가 좋네요. 인공지능은 세상을 바꾸고 있습니다.",
    "机器学习模型需要大量的数据进行训练，数据质量非常重要。",
]


def reference() -> Callable[[str], int]:
    """`o200k_base` token counts, from bpe-openai (offline) or tiktoken."""
    try:
        import bpe_openai

        enc = bpe_openai.get_encoding("o200k_base")
    except ImportError:
        import tiktoken  # needs its encoding file (a download) on first use

        enc = tiktoken.get_encoding("o200k_base")
    return lambda text: len(enc.encode(text))


def corpus(modules: tuple[str, ...], seed: int) -> dict[str, list[str]]:
    rng = random.Random(seed)
    prose, code = [], []
    for name in modules:
        module = importlib.import_module(name)
        for obj in list(vars(module).values())[:80]:
            doc = getattr(obj, "__doc__", None)
            if isinstance(doc, str) and len(doc) > 200:
                prose.append(doc)
        path = pathlib.Path(inspect.getfile(module))
        code.append(path.read_text(errors="ignore")[:4000])
    records = [
        {
            "id": i,
            "name": f"user{i}",
            "tags": ["a", "bb", str(i * 37)],
            "ok": i % 2 == 0,
        }
        for i in range(30)
    ]
    data = [json.dumps(r, indent=rng.choice([None, 2])) for r in records]
    numbers = [
        " ".join(str(rng.randint(0, 10 ** rng.randint(1, 9))) for _ in range(40))
        for _ in range(8)
    ]
    return {"prose": prose, "code": code, "json": data, "numbers": numbers}


def report(count: Callable[[str], int], name: str, texts: list[str]) -> str:
    exact = sum(count(t) for t in texts)
    ours = sum(estimate_text_tokens(t) for t in texts)
    quarter = sum(len(t) / 4 for t in texts)  # langchain-core's approximate counter
    per_doc = sum(
        abs(estimate_text_tokens(t) - count(t)) / max(1, count(t)) for t in texts
    ) / max(1, len(texts))
    return (
        f"| {name} | {len(texts)} | {exact} | {(ours - exact) / exact:+.1%} | "
        f"{per_doc:.1%} | {(quarter - exact) / exact:+.1%} |"
    )


def main() -> None:
    count = reference()
    print(
        "| corpus | docs | o200k tokens | ours, total | ours, mean abs per doc | chars/4 |"
    )
    print("|---|---|---|---|---|---|")
    for label, modules, seed in (
        ("calibration", CALIBRATION, 1),
        ("held out", HELD_OUT, 2),
    ):
        for kind, texts in corpus(modules, seed).items():
            print(report(count, f"{kind} ({label})", texts))
    print(report(count, "CJK", CJK))


if __name__ == "__main__":
    main()
