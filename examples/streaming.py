"""Stream tokens as they arrive, sync and async, and keep the full message.

Run: `python examples/streaming.py`.
"""

import asyncio

from langchain_onerouter import ChatOneRouterResponses

llm = ChatOneRouterResponses(model="o4-mini")


def sync_stream() -> None:
    full = None
    for chunk in llm.stream("Write a short story about AI"):
        print(chunk.text, end="", flush=True)
        full = chunk if full is None else full + chunk
    print("\nusage:", full.usage_metadata if full else None)


async def async_stream() -> None:
    async for chunk in llm.astream("Now a haiku about rivers"):
        print(chunk.text, end="", flush=True)
    print()


if __name__ == "__main__":
    sync_stream()
    asyncio.run(async_stream())
