"""Our chat client through the real `openai` package against a scripted local HTTP server: answers and
usage, retries with back-off on HTTP 429 and 5xx and on slow answers, and clear errors when retries run
out or the endpoint refuses. These test the harness, not a model."""

from __future__ import annotations

import socket

import pytest

from lester_dagster.errors import LLMError
from lester_dagster.rewrite.llm import LLMConfig, OpenAIChat
from tests.llm_server import Reply, ScriptedLLM, http_error

HELLO = [{"role": "user", "content": "rewrite this"}]


def client(server: ScriptedLLM, **policy: float) -> OpenAIChat:
    config = LLMConfig(server.base_url, "secret-key", "scripted-model", **{"backoff": 0.01, "retries": 2, **policy})
    return OpenAIChat(config)


def test_an_answer_comes_back_with_its_usage_and_the_task_header() -> None:
    with ScriptedLLM({"prepare": ["```python\nx = 1\n```"]}) as server:
        completion = client(server).complete(HELLO, task="prepare")
    assert completion.content == "```python\nx = 1\n```"
    assert completion.attempts == 1 and completion.finish_reason == "stop"
    assert completion.usage == {"prompt_tokens": 2, "completion_tokens": 5, "total_tokens": 7}
    request = server.requests[0]
    assert (request["task"], request["model"], request["messages"]) == ("prepare", "scripted-model", HELLO)
    assert request["authorization"] == "Bearer secret-key"


def test_rate_limits_and_server_errors_are_retried_with_back_off() -> None:
    sleeps: list[float] = []
    with ScriptedLLM({"*": [http_error(429, retry_after="0"), http_error(503), Reply("done")]}) as server:
        chat = OpenAIChat(LLMConfig(server.base_url, None, "m", backoff=0.01, retries=3), sleep=sleeps.append)
        completion = chat.complete(HELLO, task="label")
    assert completion.content == "done" and completion.attempts == 3
    assert completion.retried_on == ("HTTP 429", "HTTP 503")
    assert sleeps == [0.01, 0.02]  # exponential: backoff * 2**attempt


def test_retry_after_is_honoured_up_to_the_cap() -> None:
    sleeps: list[float] = []
    with ScriptedLLM({"*": [http_error(429, retry_after="7"), Reply("ok")]}) as server:
        chat = OpenAIChat(LLMConfig(server.base_url, None, "m", backoff=0.01, max_backoff=5.0), sleep=sleeps.append)
        chat.complete(HELLO)
    assert sleeps == [5.0]


def test_when_retries_run_out_the_error_says_what_happened_and_what_to_do() -> None:
    with ScriptedLLM({"*": [http_error(429)] * 3}) as server, pytest.raises(LLMError) as error:
        client(server).complete(HELLO, task="encoder")
    message = str(error.value)
    assert "failed 3 time(s) for encoder: HTTP 429, HTTP 429, HTTP 429" in message
    assert "--llm-retries" in message


def test_a_slow_answer_times_out_and_is_retried() -> None:
    # the late answer would come only after the test; the one in time has a timeout far above its few ms
    with ScriptedLLM({"*": [Reply("late", delay=3600), Reply("in time")]}) as server:
        completion = client(server, timeout=5.0).complete(HELLO)
    assert completion.content == "in time"
    assert completion.retried_on == ("no answer within 5 s",)


def test_a_refusal_is_not_retried_and_names_the_fix() -> None:
    with ScriptedLLM({"*": [http_error(401, retry_after=None), Reply("never")]}) as server:
        with pytest.raises(LLMError, match="HTTP 401.*check --api-key"):
            client(server).complete(HELLO)
        assert len(server.requests) == 1


def test_a_wrong_base_url_is_explained() -> None:
    with ScriptedLLM({"*": [Reply("x")]}) as server:
        chat = OpenAIChat(LLMConfig(server.base_url.removesuffix("/v1") + "/wrong", None, "m", retries=0))
        with pytest.raises(LLMError, match="HTTP 404.*check --base-url"):
            chat.complete(HELLO)


def test_nobody_listening_is_a_connection_error_after_retries() -> None:
    with socket.socket() as s:  # a port that was free a moment ago
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chat = OpenAIChat(LLMConfig(f"http://127.0.0.1:{port}/v1", None, "m", backoff=0.01, retries=1, timeout=2))
    with pytest.raises(LLMError, match="failed 2 time\\(s\\).*connection failed"):
        chat.complete(HELLO)
