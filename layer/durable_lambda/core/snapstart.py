"""Lambda SnapStart (Python 3.12+): the hooks that keep a restored snapshot correct and fast.

With SnapStart, Lambda runs a published version's init once, snapshots the execution
environment and resumes every new environment of that version from the snapshot. durable-lambda
creates nothing unique or connected at import or decoration time — no AWS client, connection,
id, clock reading, random seed or thread (``tests/test_snapstart.py`` holds it to that) — so a
snapshot of it is safe as it is. The hooks cover what init code *may* have done through it:

* before the snapshot: import botocore's client code (code only: no session, credentials or
  connection), so that the first AWS call after a restore does not import it;
* after a restore: drop the cached AWS clients (``core.aws.reset_clients``: a client made
  during init carries that environment's connection pool and credentials) and reseed
  ``random`` (all environments restored from one snapshot would otherwise draw the same
  backoff jitter).

``install(reset)`` adds ``reset`` to what a restore runs and registers the hooks (once), when
``snapshot_restore_py`` (shipped in the Lambda Python managed runtimes) is importable; anywhere
else it does nothing. ``core.aws`` installs ``reset_clients`` on import.
"""
from __future__ import annotations

import sys
from typing import Any, Callable, Optional

#: the module of the Lambda runtime that takes the hooks (pypi: snapshot-restore-py)
HOOKS_MODULE = "snapshot_restore_py"
#: botocore modules the first client creation imports (what ``before_snapshot`` imports)
CLIENT_MODULES = ("botocore.session", "botocore.client", "botocore.config",
                  "botocore.httpsession", "botocore.endpoint", "botocore.parsers")

_installed = False
_resets: list[Callable[[], None]] = []


def install(reset: Optional[Callable[[], None]] = None) -> bool:
    """Run ``reset`` after every restore and register the hooks (once per process); True
    when the runtime has SnapStart hooks."""
    global _installed
    if reset is not None and reset not in _resets:
        _resets.append(reset)
    if _installed:
        return True
    hooks = _hooks_module()
    if hooks is None:
        return False
    hooks.register_before_snapshot(before_snapshot)
    hooks.register_after_restore(after_restore)
    _installed = True
    return True


def before_snapshot() -> None:
    """Import the client code into the snapshot (no client is created)."""
    import importlib

    for name in CLIENT_MODULES:
        importlib.import_module(name)


def after_restore() -> None:
    """Forget what belongs to the environment that took the snapshot."""
    for reset in list(_resets):
        reset()
    random = sys.modules.get("random")  # reseed only if something uses it
    if random is not None:
        random.seed()


def _hooks_module() -> Optional[Any]:
    try:
        import snapshot_restore_py
    except ImportError:
        return None
    return snapshot_restore_py


__all__ = ["CLIENT_MODULES", "HOOKS_MODULE", "after_restore", "before_snapshot", "install"]
