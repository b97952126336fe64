"""A small RAG chain: embed → vector search → rerank → answer, all on OneRouter.

Embeddings go into langchain-core's `InMemoryVectorStore`; the retriever's
candidates are reranked by `OneRouterRerank`; `ChatOneRouterResponses`
answers from the best two. One key, one base URL for all three.

Run: `python examples/rag.py` with ONEROUTER_API_KEY set (or ONEROUTER_BASE_URL
pointing at `onerouter emulate`, whose stand-in model just echoes the question).
"""

from langchain_core.documents import Document
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_onerouter import (
    ChatOneRouterResponses,
    OneRouterEmbeddings,
    OneRouterRerank,
)

DOCS = [
    Document("OneRouter routes one API key to hundreds of models.", id="router"),
    Document("Fallback models answer when the primary model is down.", id="fallback"),
    Document("Embeddings turn text into vectors for similarity search.", id="embed"),
    Document(
        "A reranker scores each candidate document against the query.", id="rerank"
    ),
    Document("Lisbon's tram 28 is best ridden early in the morning.", id="lisbon"),
]

embeddings = OneRouterEmbeddings(model="text-embedding-3-small")
store = InMemoryVectorStore.from_documents(DOCS, embeddings)
retriever = store.as_retriever(search_kwargs={"k": 4})
reranker = OneRouterRerank(model="cohere/rerank-v3.5", top_n=2)


def retrieve(question: str) -> list[Document]:
    """Vector search for candidates, then keep the two the reranker likes best."""
    return list(reranker.compress_documents(retriever.invoke(question), question))


def as_context(docs: list[Document]) -> str:
    return "\n".join(
        f"[{d.id}] ({d.metadata['relevance_score']:.2f}) {d.page_content}" for d in docs
    )


prompt = ChatPromptTemplate.from_messages(
    [
        ("system", "Answer from the context only; cite ids.\n\nContext:\n{context}"),
        ("human", "{question}"),
    ]
)
chain = (
    {
        "context": RunnableLambda(retrieve) | as_context,
        "question": RunnablePassthrough(),
    }
    | prompt
    | ChatOneRouterResponses(model="openai/gpt-5.4")
    | StrOutputParser()
)

if __name__ == "__main__":
    question = "What does a reranker do with a candidate document?"
    print("context:\n" + as_context(retrieve(question)))
    print("answer:", chain.invoke(question))
    print("embedding usage:", embeddings.last_usage)
