"""One call in any of the four modes, returning the final message."""

from __future__ import annotations

from typing import Any

from langchain_core.messages import AIMessage, HumanMessage


async def final_message(mode: str, llm: Any, question: HumanMessage) -> AIMessage:
    """`[question]` through invoke, ainvoke, stream or astream (chunks summed)."""
    if mode == "invoke":
        return llm.invoke([question])
    if mode == "ainvoke":
        return await llm.ainvoke([question])
    full = None
    if mode == "stream":
        for chunk in llm.stream([question]):
            full = chunk if full is None else full + chunk
    else:
        async for chunk in llm.astream([question]):
            full = chunk if full is None else full + chunk
    assert full is not None
    return full
