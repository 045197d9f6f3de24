"""In-process stand-in for AWS Lambda: a registry of handlers invoked like real functions."""
from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

from durable_lambda.core import aws, invoke
from durable_lambda.core.errors import RemoteActorError

Handler = Callable[[Any, Any], Any]


@dataclass
class LambdaContext:
    """The parts of the Lambda context object durable-lambda uses."""

    function_name: str
    timeout_seconds: float = 60.0
    aws_request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.timeout_seconds - (time.monotonic() - self.started)) * 1000))


class LocalLambda:
    """Registry of local functions. ``install()`` makes durable-lambda invoke them in-process.

    Like Lambda, the event crosses a JSON boundary both ways, an exception comes back
    to a synchronous caller as ``RemoteActorError(errorType, errorMessage)``, and an
    asynchronous invocation that fails is retried ``async_retries`` times (the function's
    EventInvokeConfig ``MaximumRetryAttempts``, Lambda's default 2; at once, not after
    Lambda's 1 and 2 minutes).
    """

    def __init__(self, timeout_seconds: float = 60.0, async_retries: int = 2) -> None:
        self.functions: dict[str, Handler] = {}
        self.timeout_seconds = timeout_seconds
        self.async_retries = async_retries
        self._background: list[threading.Thread] = []

    def register(self, name: str, handler: Handler) -> None:
        self.functions[name] = handler

    def invoke(self, name: str, payload: Any, asynchronous: bool = False) -> Any:
        aws.call_counter["lambda.Invoke"] += 1  # what the same call costs in AWS
        if name not in self.functions:
            raise RemoteActorError("ResourceNotFoundException", f"Function not found: {name}")
        if asynchronous:
            thread = threading.Thread(target=self._run_quietly, args=(name, payload), daemon=True)
            thread.start()
            self._background.append(thread)
            return None
        return self._run(name, payload)

    def _run(self, name: str, payload: Any) -> Any:
        event = json.loads(json.dumps(payload))
        context = LambdaContext(name, self.timeout_seconds)
        try:
            result = self.functions[name](event, context)
        except Exception as exc:  # Lambda reports any exception as a FunctionError
            raise RemoteActorError(type(exc).__name__, str(exc)) from exc
        return json.loads(json.dumps(result))

    def _run_quietly(self, name: str, payload: Any) -> None:
        for _ in range(1 + self.async_retries):
            try:
                self._run(name, payload)
                return
            except RemoteActorError:
                continue

    def wait_background(self, timeout: float = 30.0) -> None:
        """Join asynchronous invocations started so far."""
        for thread in self._background:
            thread.join(timeout)
        self._background = [t for t in self._background if t.is_alive()]

    def install(self) -> "LocalLambda":
        invoke.set_invoker(self.invoke)
        return self

    def uninstall(self) -> None:
        invoke.set_invoker(None)
