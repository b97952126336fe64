"""What every compat flow shares: the model, the question, the tool."""

from __future__ import annotations

MODEL = "openai/gpt-5.4"
EMBEDDING_MODEL = "text-embedding-3-small"
QUESTION = "What's the weather in 'Paris'?"
"""The quoted city becomes the tool argument and the structured `city`."""
WEATHER_SCHEMA = {
    "type": "object",
    "properties": {"city": {"type": "string"}},
    "required": ["city"],
    "additionalProperties": False,
}


def weather(city: str) -> str:
    """The tool every client calls: a fixed report for `city`."""
    return f"{city}: 21 C, sunny"
