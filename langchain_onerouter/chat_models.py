"""`ChatOneRouterResponses`: thin glue between LangChain and the modules that
map (`request`, `response`, `streaming`) and move bytes (`transport`)."""

from __future__ import annotations

import warnings
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
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.utils import from_env, secret_from_env
from pydantic import (
    ConfigDict,
    Field,
    PrivateAttr,
    SecretStr,
    SkipValidation,
    field_validator,
    model_validator,
)

from langchain_onerouter import errors
from langchain_onerouter._http.budget import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_MAX_SSE_LINE_BYTES,
    DEFAULT_TOTAL_TIMEOUT,
    Limits,
)
from langchain_onerouter._http.owner import (
    HttpAsyncClient,
    HttpClient,
    HttpTimeout,
    OwnPoolCopies,
)
from langchain_onerouter._mapping.request import build_request_body
from langchain_onerouter._mapping.response import RequestedRoute, response_to_message
from langchain_onerouter._mapping.stop import StopFilter
from langchain_onerouter._mapping.stream import ResponseStreamParser
from langchain_onerouter._settings.fields import (
    API_KEY_ENV,
    BASE_URL_ENV,
    DEFAULT_BASE_URL,
    call_params,
    check_base_url,
    check_call_keywords,
    check_timeout,
    merge_params,
    model_params,
    move_unknown_fields,
    require_api_key,
)
from langchain_onerouter.routing import (
    REASONING_RETRY_KEY,
    FallbackRules,
    ProviderPreferences,
    is_foreign_reasoning_error,
    validate_fallback_models,
    validate_fallback_rules,
    validate_provider,
    without_reasoning,
)

# The catalog, transport (httpx, tenacity), capability checks and
# structured output are imported where first used, for speed only: import
# above langchain-core 170 → 123 ms CPU (langchain_openai: 650 ms), and
# without httpx (the `_owner` field types) about 90 ms less; see
# tests/models/test_import.py.
if TYPE_CHECKING:
    from langchain_onerouter._http.transport import Transport
    from langchain_onerouter.catalog import ModelInfo


class ChatOneRouterResponses(OwnPoolCopies, BaseChatModel):
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
    accepted as `model_name=` (ChatOpenAI's alias)."""
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
    strict_capabilities: bool = False
    """Raise (instead of warning) when the cached model catalog says the model
    lacks tool calling or image/file input. Never fetches the catalog."""
    reasoning_fallback_retry: bool = True
    """When the serving provider rejects replayed encrypted reasoning (issued
    by another provider before a fallback), drop the reasoning items and retry
    once, with a warning and `response_metadata["reasoning_retry"]`."""
    model_kwargs: dict[str, Any] = Field(default_factory=dict)
    """Any other payload field, passed through. Unknown constructor keywords
    land here, with a warning naming the nearest field."""
    extra_body: dict[str, Any] | None = None
    """Merged into the body last and sent verbatim, unchecked except for being
    JSON (ChatOpenAI's name). Per call: `llm.invoke(..., extra_body={...})`."""
    stop: list[str] | None = Field(default=None, alias="stop_sequences")
    """Stop sequences, enforced client-side (the Responses API has none)."""
    streaming: bool = False
    """Stream under the hood when `invoke` is called."""
    timeout: float | HttpTimeout | None = None
    """Seconds or an `httpx.Timeout`. Default: 600 s read (also the longest
    silence allowed between two stream events), 10 s connect."""
    total_timeout: float | None = DEFAULT_TOTAL_TIMEOUT
    """Deadline of a whole call in seconds: every attempt, retry wait and the
    stream to its last event (default 1800; None: no bound). Exceeded:
    `APITimeoutError` with `code="total_timeout"`, not retried."""
    max_response_bytes: int = Field(default=DEFAULT_MAX_RESPONSE_BYTES, gt=0)
    """Cap on a response body after decompression (default 64 MiB); over it:
    `ResponseTooLargeError`."""
    max_sse_line_bytes: int = Field(default=DEFAULT_MAX_SSE_LINE_BYTES, gt=0)
    """Cap on one line of a stream (default 16 MiB); over it:
    `ResponseTooLargeError`."""
    max_retries: int = Field(default=2, ge=0)
    """Retries after the first attempt (429, 408, 409, 5xx, connection errors)."""
    default_headers: dict[str, str] | None = None
    """Extra headers for every request."""
    http_client: HttpClient | None = Field(default=None, exclude=True)
    """Your own sync client (proxies, TLS, pool); never closed by us."""
    http_async_client: HttpAsyncClient | None = Field(default=None, exclude=True)
    """Your own async client; never closed by us."""

    # hide_input_in_errors: a validation error would otherwise print the
    # constructor's arguments, the API key among them.
    model_config = ConfigDict(
        populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True
    )

    _transport: Transport | None = PrivateAttr(default=None)

    @field_validator("fallback_models", mode="before")
    @classmethod
    def _check_fallback_models(cls, value: Any) -> Any:
        return validate_fallback_models(value)

    @field_validator("fallback_rules", mode="before")
    @classmethod
    def _check_fallback_rules(cls, value: Any) -> Any:
        return validate_fallback_rules(value)

    @field_validator("provider", mode="before")
    @classmethod
    def _check_provider(cls, value: Any) -> Any:
        return validate_provider(value)

    @model_validator(mode="before")
    @classmethod
    def _build_extra(cls, values: Any) -> Any:
        """`model_name=` → `model`; unknown keywords → `model_kwargs`."""
        if not isinstance(values, dict):
            return values
        known = set(cls.model_fields) | {
            f.alias for f in cls.model_fields.values() if f.alias
        }
        return move_unknown_fields(values, known, cls.__name__)

    @model_validator(mode="after")
    def _validate(self) -> Self:
        self.api_key = require_api_key(self.api_key)
        check_timeout("timeout", self.timeout)
        check_timeout("total_timeout", self.total_timeout)
        call_params(self._default_params(), {})  # model_kwargs, extra_body too
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
        response_format = kwargs.pop("response_format", None)
        params = call_params(self._default_params(), kwargs, type(self).model_fields)
        if response_format is not None:  # ChatOpenAI's keyword → `text.format`
            from langchain_onerouter._mapping.structured import response_format_text

            params["text"] = response_format_text(response_format, params.get("text"))
        body = build_request_body(messages, params)
        self._check_media(body, kwargs.get("strict_capabilities"))
        if stream:
            body["stream"] = True
        return body

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

    # -- reasoning across a fallback -------------------------------------------
    def _retry_or_raise(
        self,
        err: errors.OneRouterError,
        body: dict[str, Any],
        kwargs: dict[str, Any],
        *,
        first: bool = True,
        stacklevel: int = 3,
    ) -> tuple[dict[str, Any], dict[str, Any]]:
        """(body to retry with once, metadata flag) when `err` rejected foreign
        reasoning on a first attempt that produced no output; else raise `err`.

        `stacklevel` is `warnings.warn`'s, counted from here."""
        enabled = kwargs.get(_RETRY_FLAG)
        if not first or not (
            self.reasoning_fallback_retry if enabled is None else enabled
        ):
            raise err
        param = None
        if isinstance(err.body, dict) and isinstance(err.body.get("error"), dict):
            param = err.body["error"].get("param")
        if not is_foreign_reasoning_error(
            err.status_code, err.code, err.message, param
        ):
            raise err
        retry_body, dropped = without_reasoning(body)
        if not dropped:
            raise err
        warnings.warn(
            f"OneRouter rejected {dropped} replayed reasoning item(s) "
            f"({err.code or err.status_code}: {err.message}); the serving "
            "provider cannot read reasoning another provider issued (a "
            "fallback?). Retrying once without them; the new response has "
            f'response_metadata["{REASONING_RETRY_KEY}"].',
            UserWarning,
            stacklevel=stacklevel,
        )
        info = {
            "dropped_items": dropped,
            "error": str(err.code or err.status_code or "rejected"),
        }
        return retry_body, info

    def _limits(self) -> Limits:
        return Limits(
            total_timeout=self.total_timeout,
            max_response_bytes=self.max_response_bytes,
            max_sse_line_bytes=self.max_sse_line_bytes,
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
        from langchain_onerouter.catalog import _fetch_models

        models = _fetch_models(self._get_transport(), refresh=refresh)
        self._adopt_profile(models)
        return models

    async def alist_models(self, *, refresh: bool = False) -> list[ModelInfo]:
        """Async counterpart of `list_models`."""
        from langchain_onerouter.catalog import _afetch_models

        models = await _afetch_models(self._get_transport(), refresh=refresh)
        self._adopt_profile(models)
        return models

    def _adopt_profile(self, models: list[ModelInfo]) -> None:
        from langchain_onerouter.catalog import find_model

        if self.profile is None and (info := find_model(models, self.model)):
            self.profile = info.profile()

    def _stop(self, stop: list[str] | None) -> list[str] | None:
        return stop if stop is not None else self.stop

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
        body = self._request_body(messages, stream=False, **kwargs)
        retry = None
        try:
            data = self._get_transport().post(
                "responses", body, run_manager=run_manager
            )
        except errors.OneRouterError as err:
            retry = self._retry_or_raise(err, body, kwargs)
            body = retry[0]
            data = self._get_transport().post(
                "responses", body, run_manager=run_manager
            )
        return self._chat_result(data, body, stop, retry, kwargs.get("response_format"))

    async def _agenerate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: AsyncCallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        body = self._request_body(messages, stream=False, **kwargs)
        retry = None
        try:
            data = await self._get_transport().apost(
                "responses", body, run_manager=run_manager
            )
        except errors.OneRouterError as err:
            retry = self._retry_or_raise(err, body, kwargs)
            body = retry[0]
            data = await self._get_transport().apost(
                "responses", body, run_manager=run_manager
            )
        return self._chat_result(data, body, stop, retry, kwargs.get("response_format"))

    def _chat_result(
        self,
        data: dict[str, Any],
        body: dict[str, Any],
        stop: list[str] | None,
        retry: tuple[dict[str, Any], dict[str, Any]] | None,
        response_format: Any = None,
    ) -> ChatResult:
        message = response_to_message(data, RequestedRoute.of(body))
        if retry is not None:
            message.response_metadata[REASONING_RETRY_KEY] = retry[1]
        message = StopFilter(self._stop(stop)).message(message)
        if response_format is not None:
            from langchain_onerouter._mapping.structured import parse_response_format

            parsed = parse_response_format(response_format, message)
            if parsed is not None:  # where ChatOpenAI puts it
                message.additional_kwargs["parsed"] = parsed
        metadata = message.response_metadata
        llm_output = {
            key: metadata[key]
            for key in ("model_name", "requested_model", "fallback_used", "cost")
            if metadata.get(key) is not None
        }
        return ChatResult(
            generations=[ChatGeneration(message=message)], llm_output=llm_output
        )

    # -- stream ------------------------------------------------------------
    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        run = _StreamRun(self, messages, stop, kwargs)
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
        run = _StreamRun(self, messages, stop, kwargs)
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
            from langchain_onerouter.tools import tool_payload

            body["tools"] = tool_payload(tools)["tools"]
        return estimate_body_tokens(body, count_text=self._count_text())

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
        from langchain_onerouter.catalog import CATALOG
        from langchain_onerouter.tools import tool_payload

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


_RETRY_FLAG = "reasoning_fallback_retry"


class _StreamRun:
    """The state `_stream` and `_astream` share, so only their I/O differs.

    Per attempt: `feed` each event's chunks until `over`, then `finish`;
    every chunk passes `out` before it is emitted. On a `OneRouterError`,
    `retry_or_raise` raises it or, for foreign reasoning rejected before any
    output, starts the one retry (a new `body`, parser and stop filter).
    """

    def __init__(
        self,
        model: ChatOneRouterResponses,
        messages: list[BaseMessage],
        stop: list[str] | None,
        kwargs: dict[str, Any],
    ) -> None:
        from langchain_onerouter._mapping.structured import ParsedOnLastChunk

        self._model, self._kwargs, self._stop = model, kwargs, model._stop(stop)
        self.body = model._request_body(messages, stream=True, **kwargs)
        self._retry: tuple[dict[str, Any], dict[str, Any]] | None = None
        self._parsed = ParsedOnLastChunk(kwargs.get("response_format"))
        self._attempt()

    def _attempt(self) -> None:
        self._parser = ResponseStreamParser(requested=RequestedRoute.of(self.body))
        self._stops = StopFilter(self._stop)
        self._sent = False

    def feed(self, event: dict[str, Any]) -> list[AIMessageChunk]:
        return self._stops.feed(self._parser.feed(event), self._parser.end_early)

    @property
    def over(self) -> bool:
        """The response ended, or a stop sequence was hit."""
        return self._parser.done or self._stops.hit is not None

    def finish(self) -> list[AIMessageChunk]:
        return [] if self._stops.hit is not None else self._parser.finish()

    def out(self, chunk: AIMessageChunk) -> AIMessageChunk:
        """`chunk` as emitted: the retry flagged and the parsed object put on
        the final chunk."""
        self._sent = True
        if self._retry is not None and chunk.chunk_position == "last":
            chunk.response_metadata[REASONING_RETRY_KEY] = self._retry[1]
        return self._parsed(chunk)

    def retry_or_raise(self, err: errors.OneRouterError) -> None:
        first = not (self._sent or self._retry)
        self._retry = self._model._retry_or_raise(  # warns where the stream is read
            err, self.body, self._kwargs, first=first, stacklevel=4
        )
        self.body = self._retry[0]
        self._attempt()


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
