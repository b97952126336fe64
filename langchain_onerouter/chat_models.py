"""`ChatOneRouterResponses`: thin glue between LangChain and the modules that
map (`request`, `response`, `streaming`) and move bytes (`transport`)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import Any, Literal

import httpx
from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel, LangSmithParams
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable
from langchain_core.utils import from_env, secret_from_env
from pydantic import ConfigDict, Field, PrivateAttr, SecretStr, model_validator
from typing_extensions import Self

from langchain_onerouter.catalog import (
    CATALOG,
    ModelInfo,
    afetch_models,
    fetch_models,
    find_model,
)
from langchain_onerouter.request import build_request_body
from langchain_onerouter.response import apply_stop, response_to_message
from langchain_onerouter.settings import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    call_params,
    check_base_url,
    merge_params,
    model_params,
    validate_params,
)
from langchain_onerouter.streaming import ResponseStreamParser
from langchain_onerouter.transport import Transport


class ChatOneRouterResponses(BaseChatModel):
    """Chat model for OneRouter's Responses API (`POST /v1/responses`).

    Setup:
        `pip install langchain-onerouter` and set `ONEROUTER_API_KEY`.

    Example:
        ```python
        from langchain_onerouter import ChatOneRouterResponses

        llm = ChatOneRouterResponses(model="openai/gpt-5.4", reasoning_effort="low")
        msg = llm.invoke("What is the meaning of life?")
        print(msg.text, msg.usage_metadata)
        for chunk in llm.stream("Write a haiku"):
            print(chunk.text, end="")
        ```

    Reasoning across tool calls: OneRouter is stateless, so pass
    `use_encrypted_reasoning=True` (same as
    `include=["reasoning.encrypted_content"]`); reasoning items then come back
    encrypted and are replayed before their tool calls on the next turn.
    """

    model: str
    """Any OneRouter model id: bare (`o4-mini`) or `provider/model`."""
    api_key: SecretStr | None = Field(
        default_factory=secret_from_env(API_KEY_ENV, default=None)
    )
    """Bearer key; defaults to the `ONEROUTER_API_KEY` environment variable."""
    base_url: str = Field(
        default_factory=from_env(BASE_URL_ENV, default=DEFAULT_BASE_URL)
    )
    """API root; defaults to `ONEROUTER_BASE_URL`, else OneRouter's endpoint."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2."""
    top_p: float | None = None
    """Nucleus sampling, 0 to 1."""
    max_tokens: int | None = Field(default=None, alias="max_output_tokens")
    """Output token cap, sent as `max_output_tokens`."""
    reasoning: dict[str, Any] | None = None
    """Reasoning settings, e.g. `{"effort": "high", "summary": "auto"}`."""
    reasoning_effort: str | None = None
    """Shortcut for `reasoning={"effort": ...}`."""
    instructions: str | None = None
    """System-level instructions sent as the `instructions` field."""
    include: list[str] | None = None
    """Extra output to include, e.g. `["reasoning.encrypted_content"]`."""
    use_encrypted_reasoning: bool = False
    """Ask for `reasoning.encrypted_content` (added to `include`) so reasoning
    survives tool round trips: OneRouter keeps no state, and reasoning items
    are only replayed when they carry their encrypted content."""
    store: bool | None = None
    """Ask the server to store the response (OneRouter is stateless by default)."""
    parallel_tool_calls: bool | None = None
    """Allow several tool calls in one turn."""
    request_metadata: dict[str, str] | None = None
    """Sent as the payload's `metadata` (LangChain's own `metadata` field is for
    tracing). Per call: `llm.invoke(..., metadata={...})`."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Any other payload field, passed through (e.g. `{"provider": {...}}`)."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences, enforced client-side (the Responses API has none)."""
    streaming: bool = False
    """Stream under the hood when `invoke` is called."""
    timeout: float | httpx.Timeout | None = None
    """Seconds or an `httpx.Timeout`. Default: 600 s read (also the longest
    silence allowed between two stream events), 10 s connect."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt (429, 408, 409, 5xx, connection errors)."""
    default_headers: dict[str, str] | None = None
    """Extra headers for every request."""
    http_client: httpx.Client | None = Field(default=None, exclude=True)
    """Your own sync client (proxies, TLS, pool); never closed by us."""
    http_async_client: httpx.AsyncClient | None = Field(default=None, exclude=True)
    """Your own async client; never closed by us."""

    model_config = ConfigDict(populate_by_name=True, arbitrary_types_allowed=True)

    _transport: Transport | None = PrivateAttr(default=None)

    @model_validator(mode="after")
    def _validate(self) -> Self:
        if self.api_key is None:
            raise ValueError(
                f"No OneRouter API key: pass api_key=... or set the {API_KEY_ENV} "
                "environment variable."
            )
        validate_params(self._default_params())
        check_base_url(self.base_url)
        return self

    # -- LangChain plumbing -----------------------------------------------
    @property
    def _llm_type(self) -> str:
        return "onerouter-responses"

    @property
    def lc_secrets(self) -> dict[str, str]:
        return {"api_key": API_KEY_ENV}

    @classmethod
    def is_lc_serializable(cls) -> bool:
        return True

    @classmethod
    def get_lc_namespace(cls) -> list[str]:
        return ["langchain_onerouter", "chat_models"]

    @property
    def _identifying_params(self) -> dict[str, Any]:
        return {"base_url": self.base_url, **self._default_params()}

    def _get_ls_params(
        self, stop: list[str] | None = None, **kwargs: Any
    ) -> LangSmithParams:
        params = merge_params(self._default_params(), kwargs)
        ls = LangSmithParams(
            ls_provider="onerouter",
            ls_model_name=params["model"],
            ls_model_type="chat",
        )
        if params.get("temperature") is not None:
            ls["ls_temperature"] = params["temperature"]
        if params.get("max_output_tokens") is not None:
            ls["ls_max_tokens"] = params["max_output_tokens"]
        if stop or self.stop:
            ls["ls_stop"] = stop or self.stop
        return ls

    # -- request building ---------------------------------------------------
    def _default_params(self) -> dict[str, Any]:
        """This model's request parameters (see `settings.model_params`)."""
        return model_params(self.__dict__)

    def _request_body(
        self, messages: Sequence[BaseMessage], *, stream: bool, **kwargs: Any
    ) -> dict[str, Any]:
        params = call_params(self._default_params(), kwargs)
        body = build_request_body(messages, params)
        if stream:
            body["stream"] = True
        return body

    @property
    def transport(self) -> Transport:
        """The transport (pooled clients, retries) of this instance."""
        if self._transport is None:
            self._transport = Transport(
                base_url=self.base_url,
                api_key=self.api_key,
                timeout=self.timeout,
                max_retries=self.max_retries,
                default_headers=self.default_headers,
                http_client=self.http_client,
                http_async_client=self.http_async_client,
            )
        return self._transport

    # -- model catalog (see catalog.py) -------------------------------------
    def _resolve_model_profile(self) -> ModelProfile | None:
        # Only a catalog already cached for this base URL: never a network call.
        info = CATALOG.find(self.base_url, self.model)
        return info.profile() if info is not None else None

    def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """OneRouter's model catalog, through this model's transport.

        Cached per base URL for an hour (`refresh=True` fetches anew). Fills
        `profile` when it was unset. Without an API key use
        `langchain_onerouter.catalog.list_models()`.

        Example:
            ```python
            models = llm.list_models()
            print(llm.profile.get("image_inputs") if llm.profile else "unknown")
            ```
        """
        models = fetch_models(self.transport, refresh=refresh)
        self._adopt_profile(models)
        return models

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Async counterpart of `list_models`."""
        models = await afetch_models(self.transport, refresh=refresh)
        self._adopt_profile(models)
        return models

    def _adopt_profile(self, models: list[ModelInfo]) -> None:
        if self.profile is None and (info := find_model(models, self.model)):
            self.profile = info.profile()

    def _stop(self, stop: list[str] | None) -> list[str] | None:
        return stop if stop is not None else self.stop

    # -- invoke ------------------------------------------------------------
    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = self._request_body(messages, stream=False, **kwargs)
        data = self.transport.post("responses", body, run_manager=run_manager)
        return _result(apply_stop(response_to_message(data), self._stop(stop)))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = self._request_body(messages, stream=False, **kwargs)
        data = await self.transport.apost("responses", body, run_manager=run_manager)
        return _result(apply_stop(response_to_message(data), self._stop(stop)))

    # -- stream ------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        body = self._request_body(messages, stream=True, **kwargs)
        parser = ResponseStreamParser(stop=self._stop(stop))
        events = self.transport.stream("responses", body, run_manager=run_manager)
        try:
            for event in events:
                for chunk in parser.feed(event):
                    yield _emit(chunk, run_manager)
                if parser.done:
                    break
            for chunk in parser.finish():
                yield _emit(chunk, run_manager)
        finally:
            events.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        body = self._request_body(messages, stream=True, **kwargs)
        parser = ResponseStreamParser(stop=self._stop(stop))
        events = self.transport.astream("responses", body, run_manager=run_manager)
        try:
            async for event in events:
                for chunk in parser.feed(event):
                    generation = ChatGenerationChunk(message=chunk)
                    if run_manager is not None:
                        await run_manager.on_llm_new_token(chunk.text, chunk=generation)
                    yield generation
                if parser.done:
                    break
            for chunk in parser.finish():
                generation = ChatGenerationChunk(message=chunk)
                if run_manager is not None:
                    await run_manager.on_llm_new_token(chunk.text, chunk=generation)
                yield generation
        finally:
            await events.aclose()

    # -- token counting (see tokens.py) --------------------------------------
    def get_num_tokens(self, text: str) -> int:
        """Estimated tokens of `text`, offline (exact with `custom_get_token_ids`).

        Example:
            ```python
            llm.get_num_tokens("Hello world")
            ```
        """
        return self._count_text()(text)

    def get_num_tokens_from_messages(
        self, messages: list[BaseMessage], tools: Sequence[Any] | None = None
    ) -> int:
        """Estimated input tokens of the request these messages (and tools) make.

        Counts what is actually sent (text, tool schemas, tool calls and
        outputs; images and files as documented estimates, see
        `langchain_onerouter.tokens`). Works with `trim_messages`:

        Example:
            ```python
            from langchain_core.messages import HumanMessage, trim_messages

            history = [HumanMessage("hi " * 50), HumanMessage("what now?")]
            trim_messages(history, max_tokens=20, token_counter=llm, strategy="last")
            ```
        """
        from langchain_onerouter.tokens import estimate_body_tokens

        body = self._request_body(messages, stream=False)
        if tools:
            from langchain_onerouter.tools import tool_payload

            body["tools"] = tool_payload(tools)["tools"]
        return estimate_body_tokens(body, count_text=self._count_text())

    def _count_text(self) -> Callable[[str], int]:
        if self.custom_get_token_ids is not None:
            token_ids = self.custom_get_token_ids
            return lambda text: len(token_ids(text))
        from langchain_onerouter.tokens import estimate_text_tokens

        return estimate_text_tokens

    # -- tools & structured output (see tools.py) ----------------------------
    def bind_tools(
        self,
        tools: Sequence[Any],
        *,
        tool_choice: Any = None,
        strict: bool | None = None,
        parallel_tool_calls: bool | None = None,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Bind tools (any form LangChain accepts) for the model to call.

        Example:
            ```python
            from langchain_core.tools import tool

            @tool
            def get_weather(city: str) -> str:
                \"\"\"Weather in a city.\"\"\"
                return "sunny"

            llm.bind_tools([get_weather], tool_choice="get_weather")
            ```
        """
        from langchain_onerouter.tools import tool_payload

        payload = tool_payload(
            tools,
            tool_choice=tool_choice,
            strict=strict,
            parallel_tool_calls=parallel_tool_calls,
        )
        return super().bind(**payload, **kwargs)

    def with_structured_output(
        self,
        schema: Any = None,
        *,
        method: Literal["json_schema", "function_calling", "json_mode"] = "json_schema",
        strict: bool | None = None,
        include_raw: bool = False,
        **kwargs: Any,
    ) -> Runnable[LanguageModelInput, Any]:
        """Return objects matching `schema` (pydantic v2/v1, TypedDict, JSON schema).

        `method="json_schema"` (default) sends `text.format` with the schema;
        `"json_mode"` asks for any JSON object; `"function_calling"` forces a
        tool call. Refusals and unparsable output raise `OutputParserException`
        (or land in `parsing_error` with `include_raw=True`). Streaming yields
        partial objects.

        Example:
            ```python
            from pydantic import BaseModel

            class Person(BaseModel):
                name: str
                age: int

            llm.with_structured_output(Person).invoke("Ada Lovelace, 36")
            ```
        """
        from langchain_onerouter.structured_output import (
            with_structured_output as build,
        )

        return build(
            self,
            schema,
            method=method,
            strict=strict,
            include_raw=include_raw,
            **kwargs,
        )


def _result(message: Any) -> ChatResult:
    return ChatResult(generations=[ChatGeneration(message=message)])


def _emit(
    chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None
) -> ChatGenerationChunk:
    generation = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.text, chunk=generation)
    return generation
