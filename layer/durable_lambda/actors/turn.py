"""``Turn``: one writer's hold on one actor and the effects it has not committed yet."""
from __future__ import annotations

import json
from typing import Any, Optional

from durable_lambda.actors.promises import WorkflowService
from durable_lambda.actors.store import ActorRecord, ActorStore, encode_state
from durable_lambda.core import envelope as envelope_module


class Turn:
    """One writer's hold on one actor: the loaded record and the effects not yet committed."""

    def __init__(self, store: ActorStore, record: ActorRecord, holder: str, function_name: str,
                 keep_ids: int) -> None:
        self.store = store
        self.record = record
        self.holder = holder
        self.function_name = function_name
        self.keep_ids = keep_ids
        self.processed = list(record.processed)
        self.saved_json = json.dumps(record.state, separators=(",", ":"))
        #: state a failing message rolls back to: the last commit or the last applied message
        self.rollback_json = self.saved_json
        #: messages (fire_at None) and timers (fire_at epoch seconds) committed before the save
        self.outbox: list[tuple[envelope_module.Envelope, Optional[float]]] = []
        self.pending_resolves: list[tuple[str, Any]] = []
        #: the handler's view of the state (``ActorContext.state`` reads and writes it)
        self.state: dict[str, Any] = record.state
        self.released = False

    def commit(self, release: bool) -> int:
        """Send queued messages, then save state+processed ids (+resolves) in one write."""
        state_json = encode_state(self.record.key, self.state, self.processed)
        for message, fire_at in self.outbox:
            if fire_at is None:
                envelope_module.send(message)
            else:
                from durable_lambda.core.timers import schedule_envelope
                schedule_envelope(message, fire_at)
        self.outbox.clear()
        unchanged = (state_json == self.saved_json and not self.pending_resolves
                     and self.processed == self.record.processed)
        if unchanged:
            if release:
                self.release()
            return self.record.version
        extra = []
        if self.pending_resolves:
            service = WorkflowService()
            extra = [{"Update": service.resolve_write(wid, result)}
                     for wid, result in self.pending_resolves]
        version = self.store.save(self.record, self.holder, state_json, self.processed,
                                  release=release, extra_writes=extra)
        self.pending_resolves.clear()
        self.saved_json = self.rollback_json = state_json
        self.released = release
        return version

    def save_now(self) -> int:
        """``ctx.save()``: commit without releasing the lease."""
        return self.commit(release=False)

    def release(self) -> None:
        if not self.released:
            self.store.release(self.record.key, self.holder)
            self.released = True

    def mark_processed(self, message_id: str) -> None:
        self.processed.append(message_id)
        del self.processed[:-self.keep_ids]
