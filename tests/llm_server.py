"""A scripted stand-in for an LLM endpoint: a real HTTP server on 127.0.0.1 that speaks the OpenAI
chat-completions API (`POST /v1/chat/completions`) and plays back prepared replies, HTTP errors and
slow responses, so the rewrite harness is tested through the real `openai` client. It tests our
harness (client, checks, sandbox, loop), never a model: every answer here was written by hand."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self


@dataclass(frozen=True)
class Reply:
    """One scripted response: an answer (`content`), or an HTTP error (`status`), optionally `delay`ed (a
    delay ends early when the server stops: make it far longer than the client's timeout)."""

    content: str | None = None
    status: int = 200
    delay: float = 0.0
    headers: Mapping[str, str] = field(default_factory=dict)
    finish_reason: str = "stop"


def answer(code: str, before: str = "Here is the rewrite.", after: str = "It keeps the original's semantics.") -> Reply:
    """A reply the way chat models write them: prose, a fenced code block, more prose."""
    return Reply(f"{before}\n\n```python\n{code.strip()}\n```\n\n{after}")


def http_error(status: int, retry_after: str | None = "0") -> Reply:
    return Reply(status=status, headers={"Retry-After": retry_after} if retry_after is not None else {})


class ScriptedLLM:
    """Serves replies per task (the `X-Lester-Task` header the client sends: prepare, label, encoder),
    in order; records every request. Use as a context manager; `base_url` is what the client needs."""

    def __init__(self, script: Mapping[str, Iterable[Reply | str]]) -> None:
        self._queues = {
            task: [r if isinstance(r, Reply) else Reply(r) for r in replies] for task, replies in script.items()
        }
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        # a short poll interval: shutdown() waits for the loop to notice
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def tasks(self) -> list[str]:
        return [r["task"] for r in self.requests]

    def left(self) -> dict[str, int]:
        return {task: len(q) for task, q in self._queues.items() if q}

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stopping.set()  # delayed replies end now
        self._server.shutdown()
        self._server.server_close()

    def _next(self, task: str) -> Reply | None:
        with self._lock:
            queue = self._queues.get(task) or self._queues.get("*")
            return queue.pop(0) if queue else None

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        llm = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                if self.path.rstrip("/") != "/v1/chat/completions":
                    return self._json(404, {"error": {"message": f"no route {self.path}", "type": "not_found"}})
                task = self.headers.get("X-Lester-Task", "")
                with llm._lock:
                    llm.requests.append({"task": task, "model": body.get("model"), "messages": body.get("messages", []),
                                         "authorization": self.headers.get("Authorization", "")})
                reply = llm._next(task)
                if reply is None:
                    return self._json(400, {"error": {"message": f"the script has no reply left for task {task!r}",
                                                      "type": "invalid_request_error"}})
                if reply.delay:
                    llm._stopping.wait(reply.delay)
                if reply.status != 200:
                    return self._json(reply.status, {"error": {"message": f"scripted HTTP {reply.status}",
                                                               "type": "server_error"}}, reply.headers)
                prompt_tokens = sum(len(str(m.get("content", "")).split()) for m in body.get("messages", []))
                completion_tokens = len((reply.content or "").split())
                return self._json(200, {
                    "id": f"chatcmpl-{len(llm.requests)}", "object": "chat.completion", "created": int(time.time()),
                    "model": body.get("model", "scripted"),
                    "choices": [{"index": 0, "finish_reason": reply.finish_reason,
                                 "message": {"role": "assistant", "content": reply.content}}],
                    "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                              "total_tokens": prompt_tokens + completion_tokens},
                }, reply.headers)

            def _json(self, status: int, payload: dict[str, Any], headers: Mapping[str, str] | None = None) -> None:
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for name, value in (headers or {}).items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (a timeout test)
                    pass

        return Handler
