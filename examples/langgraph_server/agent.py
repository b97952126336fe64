"""The graph `langgraph.json` serves: a two-tool `create_agent` agent.

The model reads `ONEROUTER_API_KEY` and `ONEROUTER_BASE_URL` (point the
latter at `onerouter emulate` to run offline). Serve it with LangGraph's
own server in its in-memory runtime (`pip install "langchain-onerouter[server]"`):

    cd examples/langgraph_server && langgraph dev --no-browser

Each server worker process imports this module once: one model, one
connection pool per process, shared by every run in it.
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
    ChatOneRouterResponses(model="openai/gpt-5.4", max_retries=3),
    tools=[get_weather, get_local_time],
    system_prompt="Use the tools, then answer in one sentence.",
)
