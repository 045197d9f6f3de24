"""Pluggable serialization of checkpointed values (JSON by default) with a size limit."""
from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from durable_lambda.core.errors import SerializationError
from durable_lambda.workflows.errors import PayloadTooLargeError

#: Default cap on one serialized checkpoint payload. DynamoDB items are limited to 400 KB;
#: 256 KiB leaves room for the rest of the item (and equals the SDK's large-result threshold).
DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024


@dataclass(frozen=True)
class SerDesContext:
    operation_id: str
    execution_id: str


@runtime_checkable
class SerDes(Protocol):
    def serialize(self, value: Any, context: SerDesContext) -> str: ...

    def deserialize(self, data: str, context: SerDesContext) -> Any: ...


class JsonSerDes:
    """Compact JSON; non-JSON values raise ``SerializationError`` naming the operation."""

    def serialize(self, value: Any, context: SerDesContext) -> str:
        try:
            return json.dumps(value, separators=(",", ":"), allow_nan=False)
        except (TypeError, ValueError) as exc:
            raise SerializationError(
                f"operation {context.operation_id}: value is not JSON-serializable: {exc}") from exc

    def deserialize(self, data: str, context: SerDesContext) -> Any:
        return json.loads(data)


DEFAULT_SERDES = JsonSerDes()


def serialize(serdes: SerDes | None, value: Any, context: SerDesContext,
              max_bytes: int | None = None, what: str = "result") -> str:
    """Serialize and enforce ``max_bytes`` (``PayloadTooLargeError`` naming the operation)."""
    data = (serdes or DEFAULT_SERDES).serialize(value, context)
    if max_bytes is not None and len(data.encode()) > max_bytes:
        raise PayloadTooLargeError(
            f"operation {context.operation_id}: {what} is {len(data.encode())} bytes, over the "
            f"{max_bytes}-byte checkpoint limit; store large data elsewhere (e.g. S3) and "
            f"return a reference")
    return data


def deserialize(serdes: SerDes | None, data: str | None, context: SerDesContext) -> Any:
    return None if data is None else (serdes or DEFAULT_SERDES).deserialize(data, context)
