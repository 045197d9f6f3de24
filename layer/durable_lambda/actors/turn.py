"""``Turn``: one writer's hold on one actor and the effects it has not committed yet."""
from __future__ import annotations

import json
import time
from typing import Any

from durable_lambda.actors import outbox
from durable_lambda.actors.applied import Applied
from durable_lambda.actors.promises import WorkflowService
from durable_lambda.actors.store import ActorRecord, ActorStore, Commit, encode_state, ids_bytes
from durable_lambda.actors.waiting import averaged


class Turn:
    """One writer's hold on one actor: the loaded record and the effects not yet committed.

    Effects (``ctx.send``, ``ctx.set_timer``) are encoded at the call into ``effects`` and
    written with the state by ``commit`` — the transactional outbox (``actors.outbox``):
    delivered only after the conditional save succeeded, so a fenced turn has none.
    """

    def __init__(self, store: ActorStore, record: ActorRecord, holder: str, function_name: str,
                 keep_ids: int) -> None:
        self.store = store
        self.record = record
        self.holder = holder
        self.function_name = function_name
        self.keep_ids = keep_ids
        #: when the lease was taken: the turn's length is averaged into ``turn_ms`` (waiters'
        #: hint, ``actors.waiting``)
        self.started = time.monotonic()
        self.taken_ms = time.time() * 1000
        #: the version this turn read: names a sync turn's effects (deterministic per commit)
        self.read_version = record.version
        self.applied = Applied(list(record.processed), list(record.processed_at),
                               list(record.archived), record.forgotten_ms)
        self.saved_json = json.dumps(record.state, separators=(",", ":"))
        #: state a failing message rolls back to: the last commit or the last applied message
        self.rollback_json = self.saved_json
        #: encoded effects of this turn, not yet committed (``outbox.encode``)
        self.effects: list[str] = []
        #: committed effects still to deliver (left by a crashed writer, or a failed delivery)
        self.undelivered: list[str] = list(record.outbox)
        self.pending_resolves: list[tuple[str, Any]] = []
        #: the handler's view of the state (``ActorContext.state`` reads and writes it)
        self.state: dict[str, Any] = record.state
        self.released = False

    @property
    def processed(self) -> list[str]:
        """Ids of the recent messages applied (the newest last)."""
        return self.applied.ids

    def deliver_left_over(self) -> None:
        """Deliver what an earlier writer committed but did not deliver (before any handler)."""
        if self.undelivered:
            self.undelivered = self.undelivered[outbox.deliver(self.undelivered):]

    def commit(self, release: bool) -> int:
        """Save state + processed ids + effects (+ resolves) in one conditional write, then
        deliver the effects and clear them (with the release when the turn ends)."""
        entries = self.undelivered + self.effects
        outbox.check_size(self.record.key, entries)
        state_json = encode_state(self.record.key, self.state, ids_bytes(self.applied.ids),
                                  outbox.outbox_bytes(entries), ids_bytes(self.applied.archived))
        unchanged = (state_json == self.saved_json and not self.pending_resolves
                     and not self.effects and self.applied.ids == self.record.processed)
        if unchanged:
            if release:
                self.release()
            return self.record.version
        extra = [{"Update": WorkflowService().resolve_write(wid, result)}
                 for wid, result in self.pending_resolves]
        archive = self.applied.spill(self.store.table, self.record.key,
                                     self.record.version + 1, self.keep_ids)
        if archive:
            extra.append(archive)
        elapsed_ms = (time.monotonic() - self.started) * 1000
        version = self.store.save(self.record, self.holder, Commit(
            state_json=state_json, processed=self.applied.ids,
            processed_at=self.applied.sent, archived=self.applied.archived,
            forgotten_ms=self.applied.forgotten_ms, outbox=entries,
            turn_ms=averaged(self.record, elapsed_ms, self.taken_ms),
            release=release and not entries, extra_writes=extra))
        self.pending_resolves.clear()
        self.effects = []
        self.saved_json = self.rollback_json = state_json
        self.undelivered = entries[outbox.deliver(entries):] if entries else []
        if release and entries:
            self.store.release(self.record, self.holder, outbox=self.undelivered)
        self.released = release
        return version

    def save_now(self) -> int:
        """``ctx.save()``: commit without releasing the lease."""
        return self.commit(release=False)

    def release(self) -> None:
        """Drop the lease; clears the outbox entries delivered since the last write."""
        if not self.released:
            cleared = self.undelivered if self.undelivered != self.record.outbox else None
            self.store.release(self.record, self.holder, outbox=cleared)
            self.released = True

    def mark_processed(self, message_id: str, sent_at: int = 0) -> None:
        self.applied.add(message_id, sent_at)
