"""A two-tool agent with `langchain.agents.create_agent`, streamed step by step.

Run: `python examples/tool_agent.py`.
"""

from langchain.agents import create_agent
from langchain_core.tools import tool

from langchain_onerouter import ChatOneRouterResponses


@tool
def get_weather(city: str) -> str:
    """Current weather in a city."""
    return f"It is 21°C and sunny in {city}."


@tool
def get_local_time(city: str) -> str:
    """Current local time in a city."""
    return f"It is 14:05 in {city}."


agent = create_agent(
    ChatOneRouterResponses(model="openai/gpt-5.4", use_encrypted_reasoning=True),
    tools=[get_weather, get_local_time],
    system_prompt="Use the tools, then answer in one sentence.",
)

if __name__ == "__main__":
    inputs = {"messages": [("user", "Should I go for a walk in Oslo right now?")]}
    for step in agent.stream(inputs, stream_mode="updates"):
        for node, update in step.items():
            for message in update.get("messages", []):
                calls = getattr(message, "tool_calls", None)
                print(f"[{node}]", calls if calls else message.text)
