"""Operation ids, exactly as the official SDK derives them.

The n-th operation (1-based counter) of a context gets
``blake2b(key).hexdigest()[:64]`` where ``key`` is ``str(n)`` in the root context and
``f"{parent_operation_id}-{n}"`` inside a child context. Map/parallel branches use the same
formula with the 0-based branch index as ``n`` under the map/parallel operation's id.
"""
from __future__ import annotations

import hashlib


def operation_id(counter: int, parent_id: str | None = None) -> str:
    """The id of operation ``counter`` of the context whose own operation id is ``parent_id``."""
    key = f"{parent_id}-{counter}" if parent_id else str(counter)
    return hashlib.blake2b(key.encode()).hexdigest()[:64]
