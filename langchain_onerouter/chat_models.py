"""`ChatOneRouterResponses`: thin glue between LangChain and the layers below:
settings (`_settings`), mapping (`_mapping`: request body, answer, reasoning
fallback) and I/O (`_http`: the transport)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Annotated, Any, Literal, Self

from langchain_core.callbacks import (
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForLLMRun,
)
from langchain_core.language_models import LanguageModelInput
from langchain_core.language_models.chat_models import BaseChatModel, LangSmithParams
from langchain_core.language_models.model_profile import ModelProfile
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from pydantic import (
    Field,
    SkipValidation,
    ValidationInfo,
    field_validator,
    model_validator,
)

from langchain_onerouter import errors
from langchain_onerouter._mapping.answer import StreamRun, chat_result
from langchain_onerouter._mapping.jsonutil import check_encodable
from langchain_onerouter._mapping.reasoning_fallback import ReasoningFallback
from langchain_onerouter._mapping.request import build_request_body
from langchain_onerouter._mapping.routing import FIELD_CHECKS
from langchain_onerouter._settings.checks import check_stop
from langchain_onerouter._settings.connection import OneRouterConnection
from langchain_onerouter._settings.env import API_KEY_ENV, MODEL_ENV
from langchain_onerouter._settings.fields import (
    REQUEST_FIELDS,
    call_params,
    check_call_keywords,
    merge_params,
    model_params,
)
from langchain_onerouter.routing import FallbackRules, ProviderPreferences

# Catalog, transport and structured output load on first use: a cheap import.
if TYPE_CHECKING:
    from langchain_onerouter.catalog import ModelInfo


class ChatOneRouterResponses(OneRouterConnection, BaseChatModel):
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

    Routing (see docs/routing.md): `fallback_models`, `fallback_rules`,
    `provider` and `usage_accounting` are sent as OneRouter documents them;
    `response_metadata` says which model and provider answered
    (`model_name`, `requested_model`, `fallback_used`, `upstream_provider`)
    and, with usage accounting, the `cost`.

    Routing example:
        ```python
        llm = ChatOneRouterResponses(
            model="openai/gpt-5.4",
            fallback_models=["anthropic/claude-sonnet-4.5"],
            provider={"sort": "price"},
            usage_accounting=True,
        )
        msg = llm.invoke("Hi")
        print(msg.response_metadata["model_name"], msg.response_metadata["cost"])
        ```
    """

    model: str
    """Any OneRouter model id: bare (`o4-mini`) or `provider/model`. Also
    accepted as `model_name=` (ChatOpenAI's alias). Defaults to the
    `ONEROUTER_MODEL` environment variable."""
    temperature: float | None = None
    """Sampling temperature, 0 to 2."""
    top_p: float | None = None
    """Nucleus sampling, 0 to 1."""
    max_tokens: int | None = Field(default=None, alias="max_output_tokens")
    """Output token cap, sent as `max_output_tokens`."""
    reasoning: dict[str, Any] | None = None
    """Reasoning settings, e.g. `{"effort": "high", "summary": "auto"}`."""
    reasoning_effort: str | None = None
    """Shortcut for `reasoning={"effort": ...}`: `none`, `minimal`, `low`,
    `medium`, `high` or `xhigh`."""
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
    tracing). Per call: `llm.invoke(..., request_metadata={...})`."""
    fallback_models: Annotated[list[str] | None, SkipValidation] = None
    """Models OneRouter tries, in order, when `model` fails (`fallback_models`)."""
    fallback_rules: Annotated[FallbackRules | None, SkipValidation] = None
    """When to fall back: `"auto"` (OneRouter's default) or triggers, e.g.
    `{"error_code": {"action": "fallback", "hint_array": [429, 503]}}`."""
    provider: Annotated[ProviderPreferences | None, SkipValidation] = None
    """Provider routing preferences (`order`, `only`, `ignore`, `sort`, ...);
    unknown keys are sent with a warning."""
    usage_accounting: bool = False
    """Send `usage: {"include": true}`: the response then carries its `cost`
    (in `response_metadata["cost"]` and `["cost_details"]`)."""
    prompt_caching: Literal["auto"] | None = None
    """`"auto"`: for models that need explicit cache breakpoints (Anthropic
    family), mark the stable prefix (system prompt, the turn before the newest
    user message) with `cache_control`. Per call: `cache_control={...}` marks
    the newest text part. See docs/caching-and-cost.md."""
    max_cost: float | None = None
    """Refuse a call whose estimated worst-case cost is above this many USD
    (`MaxCostExceededError`, nothing sent). An upper-bound estimate from the
    catalog's prices (fetched once when no catalog is cached), the input
    estimate and `max_output_tokens` (else the model's maximum); see
    docs/routing.md. Per call: `llm.invoke(..., max_cost=0.01)`."""
    drop_compacted_history: bool = True
    """When the history holds a `compaction` item, do not send the items
    before the latest one (it carries their context; they would be billed
    again), as OpenAI's compaction guide advises; system messages stay.
    `False` sends the whole history. Per call too."""
    strict_capabilities: bool = False
    """Raise (instead of warning) when the cached model catalog says the model
    lacks tool calling or image/file input. Never fetches the catalog."""
    reasoning_fallback_retry: bool = True
    """When the serving provider rejects replayed encrypted reasoning (issued
    by another provider before a fallback), drop the reasoning items and retry
    once, with a warning and `response_metadata["reasoning_retry"]`."""
    extra_body: dict[str, Any] | None = None
    """Merged into the body last and sent verbatim, unchecked except for being
    JSON (ChatOpenAI's name). Per call: `llm.invoke(..., extra_body={...})`."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences, enforced client-side (the Responses API has none). A
    string is one sequence, here and per call (`invoke(..., stop="\\n")`)."""
    streaming: bool = False
    """Stream under the hood when `invoke` is called."""

    _PAYLOAD_FIELDS = REQUEST_FIELDS

    @model_validator(mode="before")
    @classmethod
    def _model_from_env(cls, values: Any) -> Any:
        """No `model`: read `ONEROUTER_MODEL`, as the key and URL are read."""
        if not isinstance(values, dict) or any(
            values.get(name) is not None for name in ("model", "model_name")
        ):
            return values
        model = os.environ.get(MODEL_ENV, "").strip()
        if not model:
            raise ValueError(
                "no model given: pass model=... (e.g. model='openai/gpt-5.4') "
                f"or set the {MODEL_ENV} environment variable"
            )
        return {**values, "model": model}

    @field_validator(*FIELD_CHECKS, mode="before")
    @classmethod
    def _check_routing(cls, value: Any, info: ValidationInfo) -> Any:
        return FIELD_CHECKS[str(info.field_name)](value)

    @field_validator("stop", mode="before")
    @classmethod
    def _check_stop(cls, value: Any) -> list[str] | None:
        return check_stop(value)

    @field_validator("max_cost", mode="before")
    @classmethod
    def _check_max_cost(cls, value: Any) -> Any:
        from langchain_onerouter._mapping.cost import check_max_cost

        return check_max_cost(value)

    @model_validator(mode="after")
    def _validate(self) -> Self:
        call_params(self._default_params(), {})  # model_kwargs, extra_body too
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
        stops = check_stop(stop) or self.stop
        if stops:
            ls["ls_stop"] = stops
        return ls

    # -- request building ---------------------------------------------------
    def _default_params(self) -> dict[str, Any]:
        """This model's request parameters (see `settings.model_params`)."""
        return model_params(self.__dict__)

    def _request_body(
        self, messages: Sequence[BaseMessage], *, stream: bool, **kwargs: Any
    ) -> dict[str, Any]:
        response_format = kwargs.pop("response_format", None)
        params = call_params(self._default_params(), kwargs, type(self).model_fields)
        if response_format is not None:  # ChatOpenAI's keyword → `text.format`
            from langchain_onerouter._mapping.structured import response_format_text

            params["text"] = response_format_text(response_format, params.get("text"))
        body = build_request_body(messages, params)
        if kwargs.get("drop_compacted_history", self.drop_compacted_history):
            from langchain_onerouter._mapping.history import drop_compacted

            drop_compacted(body)
        check_encodable(body["input"], "input")  # e.g. a replayed item's huge int
        self._prompt_caching(body, kwargs)
        self._check_media(body, kwargs.get("strict_capabilities"))
        if stream:
            body["stream"] = True
        return body

    def _prompt_caching(self, body: dict[str, Any], kwargs: dict[str, Any]) -> None:
        """The call's `cache_control` breakpoints, added and checked."""
        from langchain_onerouter._mapping.caching import apply_prompt_caching

        mode = kwargs.get("prompt_caching", self.prompt_caching)
        known = None
        if mode == "auto":  # the cached catalog may name the family; never fetched
            from langchain_onerouter.catalog import CATALOG

            known = CATALOG.find(self.base_url, body["model"])
        apply_prompt_caching(
            body,
            mode=mode,
            cache_control=kwargs.get("cache_control"),
            catalog_id=known.id if known is not None else None,
            count_text=self._count_text(),
        )

    def _check_media(self, body: dict[str, Any], strict: bool | None) -> None:
        """Image/file parts the cached catalog says the model cannot read."""
        from langchain_onerouter._mapping.capabilities import (
            check_capabilities,
            has_media,
        )

        if not has_media(body):
            return  # the common case: no catalog lookup (nor its import) at all
        from langchain_onerouter.catalog import CATALOG, find_model

        cached = CATALOG.get(self.base_url)
        if cached is not None:
            check_capabilities(
                find_model(cached, body["model"]),
                {"input": body["input"]},
                strict=self.strict_capabilities if strict is None else strict,
                catalog=cached,
            )

    # -- model catalog (see catalog.py) -------------------------------------
    def _resolve_model_profile(self) -> ModelProfile | None:
        # Only a catalog already cached for this base URL: never a network call.
        from langchain_onerouter.catalog import CATALOG

        info = CATALOG.find(self.base_url, self.model)
        return info.profile() if info is not None else None

    def list_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """OneRouter's model catalog, with this model's key and connections.

        Cached per base URL for an hour (`refresh=True` fetches anew). Fills
        `profile` when it was unset. Without an API key use
        `langchain_onerouter.catalog.list_models()`.

        Example:
            ```python
            models = llm.list_models()
            print(llm.profile.get("image_inputs") if llm.profile else "unknown")
            ```
        """
        from langchain_onerouter.catalog import fetch_models

        models = fetch_models(self._get_transport(), refresh=refresh)
        self._adopt_profile(models)
        return models

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Async counterpart of `list_models`."""
        from langchain_onerouter.catalog import afetch_models

        models = await afetch_models(self._get_transport(), refresh=refresh)
        self._adopt_profile(models)
        return models

    def _adopt_profile(self, models: list[ModelInfo]) -> None:
        from langchain_onerouter.catalog import find_model

        if self.profile is None and (info := find_model(models, self.model)):
            self.profile = info.profile()

    def _prepare(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
        *,
        stream: bool,
    ) -> tuple[dict[str, Any], list[str] | None, ReasoningFallback]:
        """(request body, stop sequences, reasoning fallback) of one call."""
        stops = check_stop(stop) if stop is not None else self.stop
        body = self._request_body(messages, stream=stream, **kwargs)
        return body, stops, ReasoningFallback(self.reasoning_fallback_retry, kwargs)

    # -- max_cost (see _mapping/cost.py) -------------------------------------
    def _check_cost(self, body: dict[str, Any], kwargs: dict[str, Any]) -> None:
        """Refuse the call when over `max_cost` (the catalog fetched if needed)."""
        if (cap := self._cost_cap(kwargs)) is not None:
            from langchain_onerouter.catalog import fetch_models

            self._enforce_cap(body, cap, fetch_models(self._get_transport()))

    async def _acheck_cost(self, body: dict[str, Any], kwargs: dict[str, Any]) -> None:
        """Async counterpart of `_check_cost`."""
        if (cap := self._cost_cap(kwargs)) is not None:
            from langchain_onerouter.catalog import afetch_models

            models = await afetch_models(self._get_transport())
            self._enforce_cap(body, cap, models)

    def _cost_cap(self, kwargs: dict[str, Any]) -> float | None:
        """The call's `max_cost` (a per-call value, even None, wins)."""
        if "max_cost" not in kwargs:
            return self.max_cost
        from langchain_onerouter._mapping.cost import check_max_cost

        return check_max_cost(kwargs["max_cost"])

    def _enforce_cap(
        self, body: dict[str, Any], cap: float, models: list[ModelInfo]
    ) -> None:
        """Raise `MaxCostExceededError` before sending when over the cap."""
        from langchain_onerouter._mapping.cost import enforce_max_cost
        from langchain_onerouter._mapping.tokens import estimate_body_tokens

        tokens = estimate_body_tokens(body, count_text=self._count_text())
        enforce_max_cost(body, models, cap, tokens)

    # -- invoke ------------------------------------------------------------
    def invoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        # A per-call `metadata` would collide with LangChain's tracing one
        # inside `generate_prompt`; say so before that TypeError does.
        check_call_keywords(kwargs, type(self).model_fields)
        return super().invoke(input, config, stop=stop, **kwargs)

    async def ainvoke(
        self,
        input: LanguageModelInput,
        config: RunnableConfig | None = None,
        *,
        stop: list[str] | None = None,
        **kwargs: Any,
    ) -> AIMessage:
        check_call_keywords(kwargs, type(self).model_fields)
        return await super().ainvoke(input, config, stop=stop, **kwargs)

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body, stops, fallback = self._prepare(messages, stop, kwargs, stream=False)
        transport = self._get_transport()
        self._check_cost(body, kwargs)
        data, body = fallback.send(
            lambda b: transport.post("responses", b, run_manager=run_manager), body
        )
        result = chat_result(data, body, stops, fallback, kwargs.get("response_format"))
        return _with_langsmith_costs(result, run_manager)

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body, stops, fallback = self._prepare(messages, stop, kwargs, stream=False)
        transport = self._get_transport()
        await self._acheck_cost(body, kwargs)
        data, body = await fallback.asend(
            lambda b: transport.apost("responses", b, run_manager=run_manager), body
        )
        result = chat_result(data, body, stops, fallback, kwargs.get("response_format"))
        return _with_langsmith_costs(result, run_manager)

    # -- stream ------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        run = StreamRun(
            *self._prepare(messages, stop, kwargs, stream=True),
            kwargs.get("response_format"),
        )
        self._check_cost(run.body, kwargs)
        for _ in range(2):  # the first attempt, and at most one reasoning retry
            events = self._get_transport().stream(
                "responses", run.body, run_manager=run_manager
            )
            try:
                for event in events:
                    for chunk in run.feed(event):
                        yield _emit(run.out(chunk), run_manager)
                    if run.over:
                        break
                for chunk in run.finish():
                    yield _emit(run.out(chunk), run_manager)
                return
            except errors.OneRouterError as err:
                run.retry_or_raise(err)
            finally:
                events.close()

    async def _astream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> AsyncIterator[ChatGenerationChunk]:
        run = StreamRun(
            *self._prepare(messages, stop, kwargs, stream=True),
            kwargs.get("response_format"),
        )
        await self._acheck_cost(run.body, kwargs)
        for _ in range(2):  # the first attempt, and at most one reasoning retry
            events = self._get_transport().astream(
                "responses", run.body, run_manager=run_manager
            )
            try:
                async for event in events:
                    for chunk in run.feed(event):
                        yield await _aemit(run.out(chunk), run_manager)
                    if run.over:
                        break
                for chunk in run.finish():
                    yield await _aemit(run.out(chunk), run_manager)
                return
            except errors.OneRouterError as err:
                run.retry_or_raise(err)
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
        `langchain_onerouter._mapping.tokens`). Works with `trim_messages`:

        Example:
            ```python
            from langchain_core.messages import HumanMessage, trim_messages

            history = [HumanMessage("hi " * 50), HumanMessage("what now?")]
            trim_messages(history, max_tokens=20, token_counter=llm, strategy="last")
            ```
        """
        from langchain_onerouter._mapping.tokens import estimate_body_tokens

        body = self._request_body(messages, stream=False)
        if tools:
            from langchain_onerouter._mapping.tools import tool_payload

            body["tools"] = tool_payload(tools)["tools"]
        return estimate_body_tokens(body, count_text=self._count_text())

    def get_token_ids(self, text: str) -> list[int]:
        """Token ids of `text`: `custom_get_token_ids`' when set, else our
        offline estimator's stand-ins (as many as `get_num_tokens` counts; no
        model's vocabulary). Never downloads a tokenizer.

        Example:
            ```python
            ids = llm.get_token_ids("hello world")
            assert len(ids) == llm.get_num_tokens("hello world")
            ```
        """
        if self.custom_get_token_ids is not None:
            return self.custom_get_token_ids(text)
        from langchain_onerouter._mapping.tokens import estimate_token_ids

        return estimate_token_ids(text)

    def _count_text(self) -> Callable[[str], int]:
        if self.custom_get_token_ids is not None:
            token_ids = self.custom_get_token_ids
            return lambda text: len(token_ids(text))
        from langchain_onerouter._mapping.tokens import estimate_text_tokens

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
        from langchain_onerouter._mapping.capabilities import check_capabilities
        from langchain_onerouter._mapping.tools import tool_payload
        from langchain_onerouter.catalog import CATALOG

        check_capabilities(
            CATALOG.find(self.base_url, self.model),
            tools=bool(tools),  # create_agent binds [] with response_format
            strict=kwargs.pop("strict_capabilities", self.strict_capabilities),
            catalog=CATALOG.get(self.base_url) or (),
        )
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
        from langchain_onerouter._mapping.structured import (
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


def _with_langsmith_costs(
    result: ChatResult,
    run_manager: CallbackManagerForLLMRun | AsyncCallbackManagerForLLMRun | None,
) -> ChatResult:
    """A run LangSmith traces gets OneRouter's cost where LangSmith reads it
    (`usage_metadata`); untraced results keep int-only usage that `add_usage`
    can sum (see `response.add_langsmith_costs`)."""
    if run_manager is None or not run_manager.handlers:
        return result
    from langchain_core.tracers.langchain import LangChainTracer

    if any(isinstance(h, LangChainTracer) for h in run_manager.handlers):
        from langchain_onerouter._mapping.response import add_langsmith_costs

        for generation in result.generations:
            add_langsmith_costs(generation.message)  # type: ignore[arg-type]
    return result


async def _aemit(
    chunk: AIMessageChunk, run_manager: AsyncCallbackManagerForLLMRun | None
) -> ChatGenerationChunk:
    generation = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        await run_manager.on_llm_new_token(chunk.text, chunk=generation)
    return generation


def _emit(
    chunk: AIMessageChunk, run_manager: CallbackManagerForLLMRun | None
) -> ChatGenerationChunk:
    generation = ChatGenerationChunk(message=chunk)
    if run_manager is not None:
        run_manager.on_llm_new_token(chunk.text, chunk=generation)
    return generation
