"""The leaderboard example: async submissions coalesced, exact under duplicates."""
from __future__ import annotations

import pytest

from durable_lambda import ActorClient
from durable_lambda.core.errors import RemoteActorError
from durable_lambda.testing.local_cloud import LocalCloud
from examples.actors import leaderboard
from examples.actors.harness import stored
from examples.actors.scenarios import run_leaderboard_scenario

from .conftest import dead_letters, deploy, redeliver


@pytest.fixture
def board(env: LocalCloud) -> ActorClient:
    return deploy(env, "examples-leaderboard", leaderboard.handler)


def test_scenario_ranks_totals_with_retried_submissions_counted_once(env: LocalCloud) -> None:
    result = run_leaderboard_scenario(env)
    assert [(r["player"], r["points"]) for r in result["top"]] == [
        ("dee", 13 + 17 + 21 + 25 + 29), ("cy", 12 + 16 + 20 + 24 + 28),
        ("bob", 11 + 15 + 19 + 23 + 27)]
    assert result["state_writes"] < result["submissions"], "submissions were coalesced"


def test_totals_are_exact_under_client_retries_and_redelivery(
        env: LocalCloud, board: ActorClient) -> None:
    submissions = [(f"s{i}", f"p{i % 7}", i) for i in range(40)]
    expected: dict[str, int] = {}
    for sid, player, points in submissions:
        expected[player] = expected.get(player, 0) + points
        board.send("b", {"op": "score", "player": player, "points": points}, message_id=sid)
    for sid, player, points in submissions[::3]:  # the client retried every third send
        board.send("b", {"op": "score", "player": player, "points": points}, message_id=sid)
    env.run_until_idle()
    for sid, player, points in submissions[::4]:  # SQS delivered some again, much later
        redeliver(env, "examples-leaderboard", "b", sid,
                  {"op": "score", "player": player, "points": points})
    env.run_until_idle()
    ranked = board.call("b", {"op": "top", "limit": 7})
    assert {r["player"]: r["points"] for r in ranked} == expected
    assert [r["rank"] for r in ranked] == list(range(1, 8))
    assert [r["points"] for r in ranked] == sorted(expected.values(), reverse=True)
    assert stored(env, "leaderboard", "b").version < 40


def test_top_orders_ties_by_name_and_respects_the_limit(board: ActorClient,
                                                        env: LocalCloud) -> None:
    for player, points in [("zed", 5), ("amy", 5), ("bo", 9)]:
        board.send("t", {"op": "score", "player": player, "points": points})
    env.run_until_idle()
    assert board.call("t", {"op": "top", "limit": 2}) == [
        {"rank": 1, "player": "bo", "points": 9}, {"rank": 2, "player": "amy", "points": 5}]
    assert board.call("empty", {"op": "top"}) == []


def test_a_bad_submission_is_dead_lettered_without_blocking_the_board(
        board: ActorClient, env: LocalCloud) -> None:
    board.send("d", {"op": "score", "player": "ann", "points": 1})
    board.send("d", {"op": "score", "player": "ann", "points": "lots"})
    board.send("d", {"op": "score", "player": "ann", "points": 2})
    env.run_until_idle()
    assert board.call("d", {"op": "top"}) == [{"rank": 1, "player": "ann", "points": 3}]
    assert len(dead_letters(env)) == 1


@pytest.mark.parametrize("payload", [{"op": "top", "limit": 0}, {"op": "drop"},
                                     {"op": "score", "player": "", "points": 1}])
def test_bad_requests_are_typed_errors(board: ActorClient, payload: dict) -> None:
    with pytest.raises(RemoteActorError) as err:
        board.call("x", payload)
    assert err.value.error_type == "InvalidRequestError"
