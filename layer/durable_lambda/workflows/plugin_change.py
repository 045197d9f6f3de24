"""The plugin change thread: where ``on_operation_change`` runs (as the official SDK).

One per invocation, started by the first change notification and joined before
``on_invocation_end``. The thread that wrote a checkpoint only submits the notification; the
thread (named ``plugin-change``) delivers notifications in order. One that arrives while another
is being delivered merges into the single pending one, so a call may cover several
checkpoints: ``updated_operations`` holds the newest state of every operation reported since
the previous call, ``operations`` the newest full map. When no thread can be started, the one
merged notification is delivered on the handler thread before ``on_invocation_end``.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Optional

from durable_lambda.workflows.plugin_info import OperationChangeInfo

LOG = logging.getLogger("durable_lambda.workflows.plugin")
THREAD_NAME = "plugin-change"


def merge_change_infos(pending: OperationChangeInfo,
                       latest: OperationChangeInfo) -> OperationChangeInfo:
    """Both notifications as one: every operation either reported, in the newest state."""
    updated = {op_id: latest.operations.get(op_id, info)
               for reported in (pending.updated_operations, latest.updated_operations)
               for op_id, info in reported.items()}
    return OperationChangeInfo(latest.execution_arn, updated, latest.operations)


class ChangeDispatcher:
    """One pending slot and the thread that empties it into ``deliver``."""

    def __init__(self, deliver: Callable[[OperationChangeInfo], None]) -> None:
        self._deliver = deliver
        self._pending: Optional[OperationChangeInfo] = None
        self._stopping = False
        self._condition = threading.Condition()
        self._thread = threading.Thread(target=self._run, name=THREAD_NAME, daemon=True)
        self._started = False

    @classmethod
    def start(cls, deliver: Callable[[OperationChangeInfo], None]) -> "ChangeDispatcher":
        """A dispatcher with its thread running (``RuntimeError`` when none can start)."""
        dispatcher = cls(deliver)
        dispatcher._thread.start()
        dispatcher._started = True
        return dispatcher

    def submit(self, info: OperationChangeInfo) -> None:
        """Queue ``info``, merged into the pending notification if there is one."""
        with self._condition:
            self._pending = info if self._pending is None else merge_change_infos(
                self._pending, info)
            self._condition.notify()

    def join(self) -> None:
        """Deliver what is pending and stop; without a thread, deliver here (a thread-control
        exception a hook raises then propagates to the caller)."""
        with self._condition:
            self._stopping = True
            self._condition.notify()
        if self._started:
            self._thread.join()
        info = self._take()
        if info is not None:
            self._deliver(info)

    def _take(self) -> Optional[OperationChangeInfo]:
        with self._condition:
            info, self._pending = self._pending, None
            return info

    def _run(self) -> None:
        while True:
            with self._condition:
                while self._pending is None and not self._stopping:
                    self._condition.wait()
                info, self._pending = self._pending, None
            if info is None:
                return
            try:
                self._deliver(info)
            except BaseException:  # noqa: BLE001 - only thread control gets here; no caller
                LOG.exception("Plugin on_operation_change hook raised on the plugin change "
                              "thread; ignored")


__all__ = ["ChangeDispatcher", "THREAD_NAME", "merge_change_infos"]
