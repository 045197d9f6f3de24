"""Serialization of checkpointed values (the official SDK's ``serdes`` module, same wire format).

The default for step, child-context, wait_for_condition and map/parallel results is
``ExtendedTypeSerDes``: plain compact JSON for primitives and lists of primitives, otherwise an
envelope ``{"t": <tag>, "v": <value>}`` applied recursively, so ``datetime``, ``date``,
``Decimal``, ``UUID``, ``bytes``, tuples and dicts of them come back as they went in. Callback
results default to the raw string (``PassThroughSerDes``) and invoke payloads/results to plain
``json.dumps`` (``JsonSerDes``), as in the SDK. A checkpoint written by either implementation
reads the same in the other.
"""
from __future__ import annotations

import base64
import importlib
import json
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Generic, Optional, Protocol, TypeVar

from durable_lambda.workflows.errors import PayloadTooLargeError
from durable_lambda.workflows.exceptions import RetryableSerDesError, SerDesError

T = TypeVar("T")

#: Default cap on one serialized checkpoint payload. DynamoDB items are limited to 400 KB;
#: 256 KiB leaves room for the rest of the item (and equals the SDK's large-result threshold).
DEFAULT_MAX_PAYLOAD_BYTES = 256 * 1024

TYPE_TOKEN = "t"
VALUE_TOKEN = "v"


class TypeTag(StrEnum):
    NONE = "n"
    STR = "s"
    INT = "i"
    FLOAT = "f"
    BOOL = "b"
    BYTES = "B"
    UUID = "u"
    DECIMAL = "d"
    DATETIME = "dt"
    DATE = "D"
    TUPLE = "t"
    LIST = "l"
    DICT = "m"
    BATCH_RESULT = "br"


@dataclass(frozen=True)
class EncodedValue:
    tag: TypeTag
    value: Any


class Codec(Protocol):
    def encode(self, obj: Any) -> EncodedValue: ...

    def decode(self, tag: TypeTag, value: Any) -> Any: ...


_BATCH_RESULT_TYPES: list[type] = []
#: the module defining ``BatchResult``: imported (it registers itself) when a ``br`` value is
#: decoded before anything loaded it — map/parallel load it themselves, a workflow without
#: them need not (scripts/bench_cold_start.py)
BATCH_RESULT_MODULE = "durable_lambda.workflows.batch_result"


def register_batch_result_type(cls: type) -> None:
    """Let the extended serdes encode ``cls`` (with ``to_dict()``) under tag ``br`` and decode
    it with ``cls.from_dict``; called by the module that defines ``BatchResult``."""
    if cls not in _BATCH_RESULT_TYPES:
        _BATCH_RESULT_TYPES.insert(0, cls)


def _batch_result_type() -> type:
    if not _BATCH_RESULT_TYPES:
        importlib.import_module(BATCH_RESULT_MODULE)
    if not _BATCH_RESULT_TYPES:
        raise SerDesError("no BatchResult type registered to decode tag 'br'")
    return _BATCH_RESULT_TYPES[0]


def _datetime(value: str) -> datetime:
    return datetime.fromisoformat(value[:-1] + "+00:00" if value.endswith("Z") else value)


class _SimpleCodec:
    """A codec of one kind of scalar: ``(tag, type, to wire, from wire)`` rows."""

    ROWS: tuple[tuple[TypeTag, Any, Any, Any], ...] = ()

    def encode(self, obj: Any) -> EncodedValue:
        for tag, kind, to_wire, _ in self.ROWS:
            if isinstance(obj, kind):
                return EncodedValue(tag, to_wire(obj))
        raise SerDesError(f"Unsupported type for {type(self).__name__}: {type(obj)!r}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        for row_tag, _, _, from_wire in self.ROWS:
            if row_tag is tag:
                return from_wire(value)
        raise SerDesError(f"Unknown tag for {type(self).__name__}: {tag}")


def _same(value: Any) -> Any:
    return value


class PrimitiveCodec(_SimpleCodec):
    ROWS = ((TypeTag.NONE, type(None), _same, lambda v: None), (TypeTag.STR, str, _same, str),
            (TypeTag.BOOL, bool, _same, bool), (TypeTag.INT, int, _same, int),
            (TypeTag.FLOAT, float, _same, float))


class BytesCodec(_SimpleCodec):
    ROWS = ((TypeTag.BYTES, (bytes, bytearray, memoryview),
             lambda b: base64.b64encode(bytes(b)).decode("utf-8"),
             lambda v: base64.b64decode(v.encode("utf-8"))),)


class UuidCodec(_SimpleCodec):
    ROWS = ((TypeTag.UUID, uuid.UUID, str, uuid.UUID),)


class DecimalCodec(_SimpleCodec):
    ROWS = ((TypeTag.DECIMAL, Decimal, str, Decimal),)


class DateTimeCodec(_SimpleCodec):
    ROWS = ((TypeTag.DATETIME, datetime, datetime.isoformat, _datetime),
            (TypeTag.DATE, date, date.isoformat, date.fromisoformat))


class ContainerCodec:
    """Lists, tuples, dicts and registered BatchResult types, elements through a dispatcher."""

    def __init__(self) -> None:
        self._dispatcher: Optional["TypeCodec"] = None

    def set_dispatcher(self, dispatcher: "TypeCodec") -> None:
        self._dispatcher = dispatcher

    @property
    def dispatcher(self) -> "TypeCodec":
        if self._dispatcher is None:
            raise SerDesError("ContainerCodec not linked to a TypeCodec dispatcher.")
        return self._dispatcher

    def encode(self, obj: Any) -> EncodedValue:
        enc = self.dispatcher.encode
        if isinstance(obj, tuple(_BATCH_RESULT_TYPES)):
            return EncodedValue(TypeTag.BATCH_RESULT, enc(obj.to_dict()).value)
        if isinstance(obj, list):
            return EncodedValue(TypeTag.LIST, [enc(v) for v in obj])
        if isinstance(obj, tuple):
            return EncodedValue(TypeTag.TUPLE, [enc(v) for v in obj])
        if isinstance(obj, dict):
            if any(isinstance(k, tuple) for k in obj):
                raise SerDesError("Tuple keys not supported")
            return EncodedValue(TypeTag.DICT, {k: enc(v) for k, v in obj.items()})
        raise SerDesError(f"Unsupported container type: {type(obj)!r}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        if tag in (TypeTag.LIST, TypeTag.TUPLE):
            if not isinstance(value, list):
                raise SerDesError(f"Expected list, got {type(value)}")
            items = [self._unwrap(v) for v in value]
            return items if tag is TypeTag.LIST else tuple(items)
        if tag not in (TypeTag.DICT, TypeTag.BATCH_RESULT):
            raise SerDesError(f"Unknown container tag: {tag}")
        if not isinstance(value, dict):
            raise SerDesError(f"Expected dict, got {type(value)}")
        decoded = {k: self._unwrap(v) for k, v in value.items()}
        if tag is TypeTag.DICT:
            return decoded
        return _batch_result_type().from_dict(decoded)  # type: ignore[attr-defined]

    def _unwrap(self, obj: Any) -> Any:
        if isinstance(obj, EncodedValue):
            return self.dispatcher.decode(obj.tag, obj.value)
        if isinstance(obj, dict) and TYPE_TOKEN in obj and VALUE_TOKEN in obj:
            return self.dispatcher.decode(TypeTag(obj[TYPE_TOKEN]), obj[VALUE_TOKEN])
        return obj


class TypeCodec:
    """The dispatcher: picks the codec of a value (encode) or of a tag (decode)."""

    def __init__(self) -> None:
        self.primitive_codec = PrimitiveCodec()
        self.bytes_codec = BytesCodec()
        self.uuid_codec = UuidCodec()
        self.decimal_codec = DecimalCodec()
        self.datetime_codec = DateTimeCodec()
        self.container_codec = ContainerCodec()
        self.container_codec.set_dispatcher(self)
        self._scalars: tuple[_SimpleCodec, ...] = (
            self.primitive_codec, self.bytes_codec, self.uuid_codec, self.decimal_codec,
            self.datetime_codec)
        self._by_tag = {row[0]: codec for codec in self._scalars for row in codec.ROWS}

    def encode(self, obj: Any) -> EncodedValue:
        for codec in self._scalars:
            if any(isinstance(obj, row[1]) for row in codec.ROWS):
                return codec.encode(obj)
        if isinstance(obj, (list, tuple, dict, *_BATCH_RESULT_TYPES)):
            return self.container_codec.encode(obj)
        raise SerDesError(f"Unsupported type: {type(obj)}")

    def decode(self, tag: TypeTag, value: Any) -> Any:
        codec = self._by_tag.get(tag)
        if codec is not None:
            return codec.decode(tag, value)
        return self.container_codec.decode(tag, value)


TYPE_CODEC = TypeCodec()


@dataclass(frozen=True)
class SerDesContext:
    """Which operation (and execution) a value belongs to."""

    operation_id: str = ""
    durable_execution_arn: str = ""

    @property
    def execution_id(self) -> str:
        """The execution id (durable-lambda's older name of ``durable_execution_arn``)."""
        return self.durable_execution_arn


class SerDes(ABC, Generic[T]):
    """Base class of serializers: ``serialize(value, ctx) -> str``, ``deserialize(data, ctx)``."""

    @abstractmethod
    def serialize(self, value: T, serdes_context: SerDesContext) -> str: ...

    @abstractmethod
    def deserialize(self, data: str, serdes_context: SerDesContext) -> T: ...

    @staticmethod
    def is_primitive(obj: Any) -> bool:
        """None, str, int, float, bool, or a list of those (nested lists included)."""
        if obj is None or isinstance(obj, (str, int, float, bool)):
            return True
        return isinstance(obj, list) and all(SerDes.is_primitive(item) for item in obj)


class PassThroughSerDes(SerDes[T]):
    """The value is the string (callback results by default)."""

    def serialize(self, value: T, _: SerDesContext) -> str:
        return value  # type: ignore[return-value]

    def deserialize(self, data: str, _: SerDesContext) -> T:
        return data  # type: ignore[return-value]


class JsonSerDes(SerDes[T]):
    """Plain ``json.dumps`` / ``json.loads`` (invoke payloads and results by default)."""

    def serialize(self, value: T, _: SerDesContext) -> str:
        return json.dumps(value)

    def deserialize(self, data: str, _: SerDesContext) -> T:
        return json.loads(data)


class ExtendedTypeSerDes(SerDes[T]):
    """The default serdes (see the module docstring for the wire format)."""

    def __init__(self) -> None:
        self._codec = TYPE_CODEC

    def serialize(self, value: Any, context: Optional[SerDesContext] = None) -> str:
        if SerDes.is_primitive(value):
            return json.dumps(value, separators=(",", ":"))
        return json.dumps(_plain(self._codec.encode(value)), separators=(",", ":"))

    def deserialize(self, data: str, context: Optional[SerDesContext] = None) -> Any:
        obj = json.loads(data)
        if SerDes.is_primitive(obj):
            return obj
        if not (isinstance(obj, dict) and TYPE_TOKEN in obj and VALUE_TOKEN in obj):
            raise SerDesError('Malformed envelope: missing "t" or "v" at root.')
        try:
            tag = TypeTag(obj[TYPE_TOKEN])
        except ValueError:
            raise SerDesError(f'Unknown type tag: "{obj[TYPE_TOKEN]}"') from None
        return self._codec.decode(tag, obj[VALUE_TOKEN])


def _plain(obj: Any) -> Any:
    """``EncodedValue`` trees as JSON-ready dicts."""
    if isinstance(obj, EncodedValue):
        return {TYPE_TOKEN: obj.tag, VALUE_TOKEN: _plain(obj.value)}
    if isinstance(obj, list):
        return [_plain(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _plain(v) for k, v in obj.items()}
    return obj


DEFAULT_JSON_SERDES: SerDes[Any] = JsonSerDes()
EXTENDED_TYPES_SERDES: SerDes[Any] = ExtendedTypeSerDes()
PASS_THROUGH_SERDES: SerDes[Any] = PassThroughSerDes()
DEFAULT_SERDES = EXTENDED_TYPES_SERDES


def to_payload(serdes: Optional[SerDes[Any]], value: Any, context: SerDesContext,
               max_bytes: Optional[int] = None, what: str = "result") -> str:
    """Serialize with ``serdes`` (default: extended types). Failures other than SerDes errors
    become ``SerDesError`` naming the operation; a payload over ``max_bytes`` raises
    ``PayloadTooLargeError`` naming it."""
    try:
        data = (serdes or DEFAULT_SERDES).serialize(value, context)
    except (RetryableSerDesError, SerDesError):
        raise
    except Exception as exc:  # noqa: BLE001 - classified as a serdes failure, as the SDK does
        raise SerDesError(
            f"Serialization failed for id: {context.operation_id}, error: {exc}.") from exc
    if max_bytes is not None and data is not None and len(data.encode()) > max_bytes:
        raise PayloadTooLargeError(
            f"operation {context.operation_id}: {what} is {len(data.encode())} bytes, over the "
            f"{max_bytes}-byte checkpoint limit; store large data elsewhere (e.g. S3) and "
            f"return a reference")
    return data


def from_payload(serdes: Optional[SerDes[Any]], data: Optional[str],
                 context: SerDesContext) -> Any:
    """Deserialize with ``serdes`` (default: extended types); a missing payload is None."""
    return None if data is None else _deserialize(serdes, data, context)


def _deserialize(serdes: Optional[SerDes[Any]], data: Any, context: SerDesContext) -> Any:
    try:
        return (serdes or DEFAULT_SERDES).deserialize(data, context)
    except (RetryableSerDesError, SerDesError):
        raise
    except Exception as exc:  # noqa: BLE001 - classified as a serdes failure, as the SDK does
        raise SerDesError(
            f"Deserialization failed for id: {context.operation_id}, error: {exc}.") from exc


def serialize(serdes: Optional[SerDes[Any]], value: Any, operation_id: str,
              durable_execution_arn: str) -> str:
    """The SDK's ``serialize``: ``serdes`` or the extended-type default, failures as
    ``SerDesError``."""
    return to_payload(serdes, value, SerDesContext(operation_id, durable_execution_arn))


def deserialize(serdes: Optional[SerDes[Any]], data: str, operation_id: str,
                durable_execution_arn: str) -> Any:
    """The SDK's ``deserialize``: ``serdes`` or the extended-type default, failures as
    ``SerDesError``."""
    return _deserialize(serdes, data, SerDesContext(operation_id, durable_execution_arn))


def round_trip(serdes: Optional[SerDes[Any]], value: Any, context: SerDesContext,
               max_bytes: Optional[int] = None, what: str = "result") -> tuple[Optional[str], Any]:
    """``(payload, deserialize(payload))``: what the SDK returns on a first run, so that the
    first run and a replay see the same value."""
    data = to_payload(serdes, value, context, max_bytes, what)
    return data, from_payload(serdes, data, context)


def load_execution_input(serdes: Optional[SerDes[Any]], data: Optional[str],
                         context: SerDesContext) -> Any:
    """The handler's event: ``serdes`` if given, else ``json.loads`` as the Lambda runtime does
    (``{}`` for an empty payload)."""
    if serdes is not None:
        return from_payload(serdes, data, context)
    return json.loads(data) if data and data.strip() else {}


def dump_execution_result(serdes: Optional[SerDes[Any]], value: Any, context: SerDesContext,
                          max_bytes: Optional[int] = None) -> str:
    """The handler's result: ``serdes`` if given, else plain ``json.dumps`` (a value JSON cannot
    encode fails the execution with the ``TypeError``, as in the SDK); ``max_bytes`` enforced."""
    if serdes is not None:
        return to_payload(serdes, value, context, max_bytes, "execution result")
    return to_payload(PASS_THROUGH_SERDES, json.dumps(value), context, max_bytes,
                      "execution result")
