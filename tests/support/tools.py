"""The two tools of the weather agent runs (test_agent_loop, test_cost_callback)."""

from __future__ import annotations

from langchain_core.tools import tool


@tool
def get_weather(city: str) -> str:
    """Current weather in a city, in Celsius."""
    return f"{city}: sunny, 21C"


@tool
def to_fahrenheit(celsius: float) -> str:
    """Convert Celsius to Fahrenheit."""
    return f"{celsius * 9 / 5 + 32:.1f}F"
