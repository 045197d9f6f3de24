"""Actor state items in DynamoDB: lease + load in one call, save + release in one call.

Item (docs/contracts.md): ``pk = "{actor_type}#{actor_id}"``, ``state`` (JSON string),
``version`` (N), ``lease_holder``/``lease_expires_ms``/``lease_at_ms`` while a writer holds the
actor, ``processed``/``processed_at`` — the ids (and sentAt) of the most recent messages
applied, ``archived``/``forgotten_ms`` — the index of older ids (``actors.applied``),
``outbox`` — committed effects not yet delivered (``actors.outbox``), and the wait-line hints
``tickets``/``serving``/``turn_ms``/``released_ms`` (``actors.waiting``). All saved atomically with the state.

Fencing: every save is conditioned on ``lease_holder = me AND version = the version I read``,
so a writer whose lease expired (and was taken over) can never overwrite newer state.
"""
from __future__ import annotations

import json
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Union

from durable_lambda.core import aws, metrics
from durable_lambda.core.errors import FencedError, SerializationError, StateTooLargeError

#: DynamoDB's item limit is 400 KB including attribute names; keep room for the other attributes.
MAX_ITEM_BYTES = 400 * 1024
ITEM_OVERHEAD_BYTES = 1024


@dataclass
class ActorRecord:
    """What a writer loaded when it took the lease."""

    key: str
    state: dict[str, Any]
    version: int
    processed: list[str] = field(default_factory=list)
    processed_at: list[int] = field(default_factory=list)
    archived: list[str] = field(default_factory=list)
    forgotten_ms: int = 0
    outbox: list[str] = field(default_factory=list)
    turn_ms: float = 0.0
    ticket: int = 0
    #: when the previous holder released (epoch ms): a waiter's hand-over gap is measured from it
    released_ms: int = 0


@dataclass(frozen=True)
class LeaseBusy:
    """Another writer holds the lease: what the failed attempt saw (costs nothing extra)."""

    expires_ms: int
    held_since_ms: int
    turn_ms: float
    serving: int
    tickets: int


@dataclass
class Commit:
    """Everything one save writes besides the state (all in the same conditional write)."""

    state_json: str
    processed: list[str]
    processed_at: list[int]
    archived: list[str]
    forgotten_ms: int
    outbox: list[str]
    turn_ms: float
    release: bool
    extra_writes: list[dict[str, Any]] = field(default_factory=list)


def _now_ms() -> int:
    return int(time.time() * 1000)


def _conditional_failed(exc: Exception) -> bool:
    return aws.error_code(exc) in ("ConditionalCheckFailedException", "TransactionCanceledException")


def encode_state(key: str, state: Any, *sizes: int) -> str:
    """Serialize state; raise SerializationError / StateTooLargeError naming the actor.

    ``sizes`` are the bytes of the item's other attributes (processed ids, outbox…)."""
    try:
        encoded = json.dumps(state, separators=(",", ":"), allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise SerializationError(f"state of actor {key!r} is not JSON-serializable: {exc}") from None
    size = len(encoded.encode()) + sum(sizes) + ITEM_OVERHEAD_BYTES
    if size > MAX_ITEM_BYTES:
        raise StateTooLargeError(
            f"state of actor {key!r} is {size} bytes serialized with its bookkeeping; the limit "
            f"is 400 KB ({MAX_ITEM_BYTES} bytes, the DynamoDB item size) — keep large data "
            "elsewhere (S3) and store a reference")
    return encoded


def ids_bytes(ids: list[str]) -> int:
    """What a list of ids adds to the item."""
    return sum(len(i.encode()) + 12 for i in ids)


class ActorStore:
    """Lease, load and save actor items in the actor state table."""

    def __init__(self, table: str) -> None:
        self.table = table

    def enter(self, key: str, holder: str, lease_ms: int) -> Union[ActorRecord, LeaseBusy]:
        """First attempt: take a free lease, else join the wait line — one UpdateItem either way.

        Unconditional: the lease is set only where none is held (``if_not_exists``) and a
        ticket is always drawn, so a waiter learns its place in line from the same call.
        A lease left behind by a crashed writer is taken over once it has expired."""
        now = _now_ms()
        item = aws.client("dynamodb").update_item(
            TableName=self.table, Key={"pk": {"S": key}},
            UpdateExpression="SET lease_holder = if_not_exists(lease_holder, :h), "
                             "lease_expires_ms = if_not_exists(lease_expires_ms, :exp), "
                             "lease_at_ms = if_not_exists(lease_at_ms, :now) ADD tickets :one",
            ExpressionAttributeValues={
                ":h": {"S": holder}, ":exp": {"N": str(now + lease_ms)},
                ":now": {"N": str(now)}, ":one": {"N": "1"}},
            ReturnValues="ALL_NEW")["Attributes"]
        ticket = int(item["tickets"]["N"])
        if item["lease_holder"]["S"] == holder:
            return _record_from_item(key, item, ticket)
        if int(item["lease_expires_ms"]["N"]) < now:
            got = self.try_acquire(key, holder, lease_ms, ticket)
            return got
        return _busy(item)

    def try_acquire(self, key: str, holder: str, lease_ms: int,
                    ticket: int = 0) -> Union[ActorRecord, LeaseBusy]:
        """Take a free or expired lease and load the item in one conditional UpdateItem.

        On failure the item as it was comes back with the error
        (ReturnValuesOnConditionCheckFailure), so waiting on it costs no extra call."""
        now = _now_ms()
        try:
            item = aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": key}},
                UpdateExpression="SET lease_holder = :h, lease_expires_ms = :exp, "
                                 "lease_at_ms = :now, serving = :t",
                ConditionExpression=(
                    "attribute_not_exists(lease_holder) OR lease_expires_ms < :now"),
                ExpressionAttributeValues={
                    ":h": {"S": holder}, ":exp": {"N": str(now + lease_ms)},
                    ":now": {"N": str(now)}, ":t": {"N": str(ticket)}},
                ReturnValues="ALL_NEW",
                ReturnValuesOnConditionCheckFailure="ALL_OLD")["Attributes"]
        except Exception as exc:
            if _conditional_failed(exc):
                return _busy(getattr(exc, "response", {}).get("Item") or {})
            raise
        return _record_from_item(key, item, ticket)

    def save(self, record: ActorRecord, holder: str, commit: Commit) -> int:
        """Write state at version+1 (fenced) with its bookkeeping; returns the new version.

        ``commit.extra_writes`` are TransactWriteItems entries committed atomically with the
        state (``ctx.resolve``, archived ids); without them this is a single UpdateItem."""
        names = {"#s": "state", "#v": "version", "#p": "processed", "#pa": "processed_at"}
        values: dict[str, Any] = {
            ":s": {"S": commit.state_json}, ":nv": {"N": str(record.version + 1)},
            ":v": {"N": str(record.version)}, ":h": {"S": holder},
            ":p": {"L": [{"S": i} for i in commit.processed]},
            ":pa": {"L": [{"N": str(t)} for t in commit.processed_at]},
            ":tm": {"N": str(round(commit.turn_ms, 1))}, ":t": {"N": str(record.ticket)}}
        sets = ["#s = :s", "#v = :nv", "#p = :p", "#pa = :pa", "turn_ms = :tm", "serving = :t"]
        if commit.release:
            sets.append("released_ms = :rel")
            values[":rel"] = {"N": str(_now_ms())}
        removes = ["lease_holder", "lease_expires_ms", "lease_at_ms"] if commit.release else []
        for name, value in (("outbox", commit.outbox), ("archived", commit.archived)):
            if value:
                sets.append(f"{name} = :{name}")
                values[f":{name}"] = {"L": [{"S": v} for v in value]}
            else:
                removes.append(name)
        if commit.forgotten_ms:
            sets.append("forgotten_ms = :fm")
            values[":fm"] = {"N": str(commit.forgotten_ms)}
        update = {
            "TableName": self.table, "Key": {"pk": {"S": record.key}},
            "UpdateExpression": "SET " + ", ".join(sets)
                                + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": "lease_holder = :h AND "
                                   "(attribute_not_exists(#v) OR #v = :v)",
            "ExpressionAttributeNames": names, "ExpressionAttributeValues": values,
        }
        try:
            if commit.extra_writes:
                aws.client("dynamodb").transact_write_items(
                    TransactItems=[{"Update": update}, *commit.extra_writes])
            else:
                aws.client("dynamodb").update_item(**update)
        except Exception as exc:
            if aws.error_code(exc) == "TransactionCanceledException":
                reasons = exc.response.get("CancellationReasons", [])  # type: ignore[attr-defined]
                if reasons and reasons[0].get("Code") != "ConditionalCheckFailed":
                    raise _extra_write_failed(exc, reasons) from None
            if _conditional_failed(exc):
                metrics.emit(FencedSaves=1)
                raise FencedError(
                    f"actor {record.key!r}: lease lost or state changed since version "
                    f"{record.version}; this writer's save was rejected") from None
            raise
        record.version += 1
        record.processed = list(commit.processed)
        record.processed_at = list(commit.processed_at)
        record.archived = list(commit.archived)
        record.forgotten_ms = commit.forgotten_ms
        record.outbox = list(commit.outbox)
        return record.version

    def release(self, record: ActorRecord, holder: str,
                outbox: Optional[list[str]] = None) -> None:
        """Drop the lease if this holder still has it; with ``outbox``, also rewrite the
        undelivered effects (delivered ones cleared) — in the same call, fenced by version."""
        values: dict[str, Any] = {":h": {"S": holder}, ":t": {"N": str(record.ticket)},
                                  ":rel": {"N": str(_now_ms())}}
        expression = "REMOVE lease_holder, lease_expires_ms, lease_at_ms"
        condition = "lease_holder = :h"
        if outbox is not None:
            condition += " AND (attribute_not_exists(version) OR version = :v)"
            values[":v"] = {"N": str(record.version)}
            if outbox:
                values[":o"] = {"L": [{"S": v} for v in outbox]}
                expression = "SET outbox = :o, serving = :t, released_ms = :rel " + expression
            else:
                expression = "SET serving = :t, released_ms = :rel " + expression + ", outbox"
        else:
            expression = "SET serving = :t, released_ms = :rel " + expression
        try:
            aws.client("dynamodb").update_item(
                TableName=self.table, Key={"pk": {"S": record.key}},
                UpdateExpression=expression, ConditionExpression=condition,
                ExpressionAttributeValues=values)
        except Exception as exc:
            if not _conditional_failed(exc):
                raise
            return
        if outbox is not None:
            record.outbox = list(outbox)

    def read(self, key: str) -> ActorRecord:
        """Read the committed state without taking the lease (strongly consistent)."""
        item = aws.client("dynamodb").get_item(
            TableName=self.table, Key={"pk": {"S": key}}, ConsistentRead=True).get("Item", {})
        return _record_from_item(key, item)


def _strings(item: dict[str, Any], name: str) -> list[str]:
    return [v["S"] for v in item.get(name, {}).get("L", [])]


def _number(item: dict[str, Any], name: str) -> float:
    return float(item[name]["N"]) if name in item else 0.0


def _record_from_item(key: str, item: dict[str, Any], ticket: int = 0) -> ActorRecord:
    return ActorRecord(
        key=key, state=json.loads(item["state"]["S"]) if "state" in item else {},
        version=int(_number(item, "version")), processed=_strings(item, "processed"),
        processed_at=[int(v["N"]) for v in item.get("processed_at", {}).get("L", [])],
        archived=_strings(item, "archived"), forgotten_ms=int(_number(item, "forgotten_ms")),
        outbox=_strings(item, "outbox"), turn_ms=_number(item, "turn_ms"), ticket=ticket,
        released_ms=int(_number(item, "released_ms")))


def _busy(item: dict[str, Any]) -> LeaseBusy:
    return LeaseBusy(expires_ms=int(_number(item, "lease_expires_ms")),
                     held_since_ms=int(_number(item, "lease_at_ms")),
                     turn_ms=_number(item, "turn_ms"), serving=int(_number(item, "serving")),
                     tickets=int(_number(item, "tickets")))


def _extra_write_failed(exc: Exception, reasons: list[dict[str, Any]]) -> Exception:
    from durable_lambda.core.errors import WorkflowAlreadyResolvedError

    for reason in reasons[1:]:
        if reason.get("Code") == "ConditionalCheckFailed":
            return WorkflowAlreadyResolvedError(
                "a workflow resolved in this turn was already resolved or does not exist; "
                "the turn's state was not saved")
    return exc
