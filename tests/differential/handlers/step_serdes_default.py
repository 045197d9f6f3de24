"""The default serdes of step results (the SDK's ExtendedTypeSerDes): values and wire format."""
import datetime
import decimal
import uuid

from aws_durable_execution_sdk_python import DurableContext, durable_execution


def describe(value):
    if isinstance(value, dict):
        return {k: describe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [type(value).__name__] + [describe(v) for v in value]
    return [type(value).__name__, str(value)]


@durable_execution
def handler(event, context: DurableContext):
    out = {}
    out["int"] = describe(context.step(lambda _: 7, name="int"))
    out["float"] = describe(context.step(lambda _: 2.5, name="float"))
    out["str"] = describe(context.step(lambda _: "text", name="str"))
    out["bool"] = describe(context.step(lambda _: True, name="bool"))
    out["list"] = describe(context.step(lambda _: [1, "a", None], name="list"))
    out["dict"] = describe(context.step(lambda _: {"a": 1, "b": [True, 2.0]}, name="dict"))
    out["tuple"] = describe(context.step(lambda _: (1, "x"), name="tuple"))
    out["nested"] = describe(context.step(lambda _: {"t": (1, 2), "l": [[1], {"k": "v"}]},
                                          name="nested"))
    out["datetime"] = describe(context.step(
        lambda _: datetime.datetime(2024, 5, 6, 7, 8, 9, tzinfo=datetime.timezone.utc),
        name="datetime"))
    out["date"] = describe(context.step(lambda _: datetime.date(2024, 5, 6), name="date"))
    out["decimal"] = describe(context.step(lambda _: decimal.Decimal("12.50"), name="decimal"))
    out["uuid"] = describe(context.step(
        lambda _: uuid.UUID("12345678-1234-5678-1234-567812345678"), name="uuid"))
    out["bytes"] = describe(context.step(lambda _: b"\x00\x01raw", name="bytes"))
    try:
        context.step(lambda _: {1, 2}, name="set")
        out["set"] = "serialized"
    except Exception as error:  # noqa: BLE001
        out["set"] = [type(error).__name__, getattr(error, "error_type", None)]
    return out
