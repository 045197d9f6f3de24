"""Named leases: exclusive while held, taken over after expiry with a larger fencing token."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from durable_lambda.platform.locks import Locks
from durable_lambda.testing.fabric import Fabric


def test_only_one_of_many_contenders_gets_the_lease(fabric: Fabric) -> None:
    locks = Locks()
    with ThreadPoolExecutor(8) as pool:
        leases = list(pool.map(lambda _: locks.acquire("job", 30), range(16)))
    held = [lease for lease in leases if lease]
    assert len(held) == 1 and held[0].token == 1


def test_expired_lease_is_taken_over_with_a_larger_token(fabric: Fabric) -> None:
    locks = Locks()
    held = locks.acquire("other", 30)
    assert held and locks.acquire("other", 30) is None, "held and unexpired: not taken"
    first = locks.acquire("job", 0.001)
    time.sleep(0.05)  # first's lease is now in the past
    second = locks.acquire("job", 30)
    assert second and second.token > first.token
    assert not locks.release(first), "the stale holder cannot release the new holder's lease"
    assert locks.release(second) and locks.acquire("job", 30)
