"""Typed answers with `with_structured_output`.

Run: `python examples/structured_output.py`.
"""

from pydantic import BaseModel, Field

from langchain_onerouter import ChatOneRouterResponses


class Movie(BaseModel):
    title: str = Field(description="The film's title")
    year: int = Field(description="Release year")
    genres: list[str]


llm = ChatOneRouterResponses(model="openai/gpt-5.4")
extract = llm.with_structured_output(Movie)

if __name__ == "__main__":
    movie = extract.invoke("Blade Runner came out in 1982; it is sci-fi noir.")
    assert isinstance(movie, Movie)
    print(movie.model_dump())
