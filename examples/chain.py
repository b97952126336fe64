"""A prompt → model → parser chain.

Run: `python examples/chain.py` with ONEROUTER_API_KEY set (or ONEROUTER_BASE_URL
pointing at `onerouter emulate`).
"""

from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_onerouter import ChatOneRouterResponses

prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "You are a concise travel guide."),
        ("human", "Give me one tip for visiting {city}."),
    ]
)
chain = prompt | ChatOneRouterResponses(model="openai/gpt-5.4") | StrOutputParser()

if __name__ == "__main__":
    for city in chain.batch([{"city": "Lisbon"}, {"city": "Kyoto"}]):
        print("-", city)
