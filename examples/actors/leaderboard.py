"""Leaderboard: async score submissions, coalesced; a sync top-N query.

Shows: fire-and-forget writes (``ActorClient.send``) that the router delivers in order and
the actor applies many per turn (one load, one save per batch), plus sync reads. Each
submission carries its own id as ``message_id``, so a client that retries a submission —
or SQS delivering it twice — never counts its points twice.

    board = ActorClient("examples-leaderboard")
    board.send("season-1", {"op": "score", "player": "ann", "points": 30},
               message_id="match-981:ann")
    board.call("season-1", {"op": "top", "limit": 3})
    # -> [{"rank": 1, "player": "ann", "points": 30}, ...]

One actor holds one board's totals in one DynamoDB item (400 KB: some thousands of
players); shard bigger boards by region or league.

Deploy: a function with the durable-lambda layer, handler ``leaderboard.handler``, the
fabric's ``DURABLE_*`` variables, and permission to send to the work queue; the router
function consumes the queue and invokes this one.
"""
from __future__ import annotations

from typing import Any

from durable_lambda import actor
from durable_lambda.core.errors import InvalidRequestError

MAX_LIMIT = 100


def add_score(totals: dict[str, int], player: Any, points: Any) -> None:
    """Add ``points`` to ``player``'s total."""
    if not isinstance(player, str) or not player:
        raise InvalidRequestError("player must be a non-empty string")
    if not isinstance(points, int) or isinstance(points, bool):
        raise InvalidRequestError(f"points must be an integer, got {points!r}")
    totals[player] = totals.get(player, 0) + points


def top(totals: dict[str, int], limit: int) -> list[dict[str, Any]]:
    """The ``limit`` best totals, highest first (ties by player name)."""
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:limit]
    return [{"rank": i + 1, "player": p, "points": n} for i, (p, n) in enumerate(ranked)]


@actor(actor_type="leaderboard")
def handler(ctx: Any, payload: Any) -> Any:
    """``{"op": "score", "player", "points"}`` | ``{"op": "top", "limit"}``."""
    payload = payload or {}
    op = payload.get("op")
    if op == "score":
        add_score(ctx.state.setdefault("totals", {}), payload.get("player"),
                  payload.get("points"))
        return None
    if op == "top":
        limit = payload.get("limit", 10)
        if not isinstance(limit, int) or not 0 < limit <= MAX_LIMIT:
            raise InvalidRequestError(f"limit must be an integer in 1..{MAX_LIMIT}")
        return top(ctx.state.get("totals", {}), limit)
    raise InvalidRequestError(f"unknown leaderboard op {op!r}: use 'score' or 'top'")
