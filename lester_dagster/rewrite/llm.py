"""The chat client: any OpenAI-compatible endpoint through the `openai` package, with per-request
timeouts and our own retries with exponential back-off on rate limits (429), server errors (5xx),
timeouts and dropped connections. `openai` is imported only when a client is built: no network or heavy
import happens when this module is imported."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from lester_dagster.errors import LLMConfigError, LLMError, MissingExtraError

Message = Mapping[str, str]  # {"role": "system" | "user" | "assistant", "content": ...}

BASE_URL_VARS = ("LESTER_LLM_BASE_URL", "OPENAI_BASE_URL")
API_KEY_VARS = ("LESTER_LLM_API_KEY", "OPENAI_API_KEY")
MODEL_VARS = ("LESTER_LLM_MODEL",)
# Local servers (llama.cpp, vLLM, Ollama) accept any key, but the openai client insists on one.
_NO_KEY = "not-needed"


@dataclass(frozen=True)
class LLMConfig:
    """Where and how to ask: endpoint, key, model, per-request timeout and retry policy."""

    base_url: str | None
    api_key: str | None
    model: str
    timeout: float = 120.0
    retries: int = 4  # further attempts after the first, on 429, 5xx, timeouts and dropped connections
    backoff: float = 1.0  # seconds before the first retry; doubled each time
    max_backoff: float = 30.0
    temperature: float | None = None  # None: not sent (some models accept only their default)

    @classmethod
    def resolve(
        cls,
        base_url: str | None = None,
        api_key: str | None = None,
        model: str | None = None,
        environ: Mapping[str, str] | None = None,
        **policy: Any,
    ) -> LLMConfig:
        """Options first, then LESTER_LLM_* variables, then OPENAI_BASE_URL / OPENAI_API_KEY."""
        environ = os.environ if environ is None else environ

        def first(value: str | None, names: Sequence[str]) -> str | None:
            return value or next((environ[n] for n in names if environ.get(n)), None)

        base_url, api_key = first(base_url, BASE_URL_VARS), first(api_key, API_KEY_VARS)
        model = first(model, MODEL_VARS)
        if not base_url and not api_key:
            raise LLMConfigError(
                "no LLM endpoint is configured: pass --base-url (and --api-key if the endpoint needs one), or set "
                "LESTER_LLM_BASE_URL / LESTER_LLM_API_KEY (OPENAI_BASE_URL / OPENAI_API_KEY are used as fallbacks; "
                "a key alone means the OpenAI API itself)."
            )
        if not model:
            raise LLMConfigError(
                f"no LLM model is configured for {base_url or 'the OpenAI API'}: pass --model or set LESTER_LLM_MODEL."
            )
        return cls(base_url or None, api_key or None, model, **policy)

    def describe(self) -> dict[str, Any]:
        """For the report: everything but the key."""
        return {"base_url": self.base_url or "(OpenAI API)", "model": self.model, "timeout": self.timeout,
                "retries": self.retries, "temperature": self.temperature}


@dataclass(frozen=True)
class Completion:
    """One answer: its text, the token usage the endpoint reported, and what it took to get it."""

    content: str
    model: str
    usage: dict[str, int] = field(default_factory=dict)
    attempts: int = 1
    seconds: float = 0.0
    finish_reason: str | None = None
    retried_on: tuple[str, ...] = ()  # why earlier attempts failed, e.g. ("HTTP 429", "timeout")


class ChatClient(Protocol):
    def complete(self, messages: Sequence[Message], task: str) -> Completion: ...


class OpenAIChat:
    """A ChatClient over the `openai` package; the package's own retries are off so ours are the only ones."""

    def __init__(self, config: LLMConfig, sleep: Callable[[float], None] = time.sleep) -> None:
        try:
            import openai  # here, not at import time
        except ModuleNotFoundError as error:
            raise MissingExtraError(error.name or "openai", "rewrite", "the LLM rewrite's chat client") from error

        self.config, self._openai, self._sleep = config, openai, sleep
        self._client = openai.OpenAI(
            base_url=config.base_url, api_key=config.api_key or _NO_KEY, timeout=config.timeout, max_retries=0
        )

    def describe(self) -> dict[str, Any]:
        return self.config.describe()

    def complete(self, messages: Sequence[Message], task: str = "") -> Completion:
        """Asks once, retrying transient failures; raises LLMError with the reason when it cannot get an answer."""
        openai, config = self._openai, self.config
        started, retried_on = time.monotonic(), []
        arguments: dict[str, Any] = {"model": config.model, "messages": [dict(m) for m in messages]}
        if config.temperature is not None:
            arguments["temperature"] = config.temperature
        for attempt in range(config.retries + 1):
            try:
                # The task header only helps logs and proxies tell the conversations apart.
                response = self._client.chat.completions.create(**arguments, extra_headers={"X-Lester-Task": task})
            except (openai.RateLimitError, openai.InternalServerError, openai.APITimeoutError,
                    openai.APIConnectionError) as error:
                retried_on.append(_reason(error, config.timeout))
                if attempt == config.retries:
                    raise LLMError(
                        f"the LLM endpoint {config.base_url or '(OpenAI API)'} failed {attempt + 1} time(s) for "
                        f"{task or 'a request'}: {', '.join(retried_on)}. Try again later, raise --llm-retries or "
                        "--llm-timeout, or use another endpoint."
                    ) from error
                self._sleep(self._delay(attempt, error))
                continue
            except openai.APIStatusError as error:
                raise LLMError(_refusal(error, config)) from error
            except openai.APIError as error:  # a malformed response body and the like
                raise LLMError(
                    f"the LLM endpoint gave an unusable response for {task or 'a request'}: {error}"
                ) from error
            return _completion(response, config, attempt + 1, time.monotonic() - started, tuple(retried_on), task)
        raise AssertionError("unreachable")

    def _delay(self, attempt: int, error: Exception) -> float:
        delay = self.config.backoff * 2**attempt
        response = getattr(error, "response", None)
        retry_after = response.headers.get("retry-after") if response is not None else None
        if retry_after is not None:
            with contextlib.suppress(ValueError):  # an HTTP date: the exponential delay is close enough
                delay = max(delay, float(retry_after))
        return min(delay, self.config.max_backoff)


def _reason(error: Exception, timeout: float) -> str:
    status = getattr(error, "status_code", None)
    if status is not None:
        return f"HTTP {status}"
    if "Timeout" in type(error).__name__:
        return f"no answer within {timeout:g} s"
    return f"connection failed ({error})"


def _refusal(error: Any, config: LLMConfig) -> str:
    status = error.status_code
    fix = {
        401: "check --api-key / LESTER_LLM_API_KEY",
        403: "check that the key may use this model",
        404: f"check --base-url (it should end in /v1 for most servers) and that model {config.model!r} exists",
    }.get(status, "check the request options")
    return (f"the LLM endpoint {config.base_url or '(OpenAI API)'} refused the request with HTTP {status}: "
            f"{error.message}. Fix: {fix}.")


def _completion(response: Any, config: LLMConfig, attempts: int, seconds: float, retried_on: tuple[str, ...],
                task: str) -> Completion:
    choices = getattr(response, "choices", None) or []
    if not choices:
        raise LLMError(f"the LLM endpoint answered {task or 'a request'} with no choices; nothing to use.")
    choice = choices[0]
    usage = getattr(response, "usage", None)
    tokens = {}
    if usage is not None:
        tokens = {k: int(v) for k in ("prompt_tokens", "completion_tokens", "total_tokens")
                  if isinstance(v := getattr(usage, k, None), int)}
    return Completion(
        content=(choice.message.content or "") if choice.message is not None else "",
        model=getattr(response, "model", None) or config.model,
        usage=tokens,
        attempts=attempts,
        seconds=round(seconds, 3),
        finish_reason=getattr(choice, "finish_reason", None),
        retried_on=retried_on,
    )
