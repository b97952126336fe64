"""A reasoning model whose encrypted reasoning survives tool round trips.

OneRouter keeps no state: with `use_encrypted_reasoning=True` each reasoning item
comes back encrypted and is replayed before the tool call it led to.

Run: `python examples/reasoning_loop.py`.
"""

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_onerouter import ChatOneRouterResponses


@tool
def multiply(a: int, b: int) -> int:
    """Multiply two integers."""
    return a * b


llm = ChatOneRouterResponses(
    model="openai/o4-mini",
    reasoning={"effort": "medium", "summary": "auto"},
    use_encrypted_reasoning=True,
).bind_tools([multiply])

if __name__ == "__main__":
    messages: list = [HumanMessage("What is 17 * 23? Use the tool.")]
    for _ in range(4):  # bounded loop
        reply = llm.invoke(messages)
        messages.append(reply)
        kept = [
            b
            for b in reply.content
            if isinstance(b, dict) and b.get("type") == "reasoning"
        ]
        print(
            "reasoning items carried:", [bool(b.get("encrypted_content")) for b in kept]
        )
        if not reply.tool_calls:
            print("answer:", reply.text)
            break
        for call in reply.tool_calls:
            messages.append(multiply.invoke(call))
