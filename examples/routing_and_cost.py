"""Fallback models, provider preferences and the cost of a small agent run.

Run: `python examples/routing_and_cost.py` (set ONEROUTER_API_KEY, or point
ONEROUTER_BASE_URL at `onerouter emulate`). Routing can also come from the
environment: ONEROUTER_MODEL, ONEROUTER_FALLBACK_MODELS, ONEROUTER_PROVIDER, ...
"""

from langchain_core.messages import HumanMessage
from langchain_core.tools import tool

from langchain_onerouter import (
    ChatOneRouterResponses,
    get_onerouter_cost,
    routing_from_env,
)


@tool
def word_count(text: str) -> int:
    """Count the words in a text."""
    return len(text.split())


settings = {
    "model": "openai/gpt-5.4",
    "fallback_models": ["anthropic/claude-sonnet-4.5", "google/gemini-3-flash"],
    "provider": {"sort": "price", "data_collection": "deny"},
    "usage_accounting": True,
    **routing_from_env(),  # the environment overrides the defaults above
}
llm = ChatOneRouterResponses(**settings)
agent = llm.bind_tools([word_count])

with get_onerouter_cost() as cost:
    messages = [HumanMessage('How many words in "to be or not to be"?')]
    for _ in range(3):  # a bounded agent loop
        reply = agent.invoke(messages)
        messages.append(reply)
        meta = reply.response_metadata
        print(
            f"{meta['model_name']} answered"
            + (
                f" (fallback from {meta['requested_model']})"
                if meta["fallback_used"]
                else ""
            )
            + (
                f" via {meta['upstream_provider']}"
                if "upstream_provider" in meta
                else ""
            )
            + f", cost {meta.get('cost', 'not reported')}"
        )
        if not reply.tool_calls:
            print(reply.text)
            break
        messages.extend(word_count.invoke(call) for call in reply.tool_calls)

print(cost)
