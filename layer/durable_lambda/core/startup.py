"""Checks made once per process, at a user function's first invocation.

The first invocation is where the function's timeout can be known
(``context.get_remaining_time_in_millis()``). A synchronous actor call waits up to
``DURABLE_SYNC_WAIT_SECONDS`` (default 10) for the actor's lease and keeps 5 s of the
invocation for its turn, so the function's timeout must exceed that wait by 5 s; with the
3 s default timeout of SAM and Terraform, the wait budget is zero and a call that meets a busy
actor fails at once with ActorBusyError. ``check_timeout`` logs one warning that names the
setting and the timeout to set (the ``durable_function`` Terraform module refuses such a
timeout outright; a function attached by hand only gets this warning).
"""
from __future__ import annotations

import logging
import math
from typing import Any, Optional

#: what a synchronous turn keeps of the invocation after waiting for the lease
SYNC_WAIT_MARGIN_SECONDS = 5.0

log = logging.getLogger("durable_lambda")
_checked = False


def check_timeout(lambda_context: Any) -> Optional[str]:
    """On the first call of the process only: warn when the invocation's time is shorter than
    ``DURABLE_SYNC_WAIT_SECONDS`` + 5 s. Returns the warning (None when there is none).

    Nothing is checked without a Lambda context, with a sync wait of 0 (synchronous calls do
    not wait), or when the settings are invalid (the call itself reports them)."""
    global _checked
    if _checked:
        return None
    _checked = True
    remaining = getattr(lambda_context, "get_remaining_time_in_millis", None)
    if not callable(remaining):
        return None
    from durable_lambda.core.errors import ConfigurationError
    from durable_lambda.core.settings import get_settings

    try:
        wait = get_settings().sync_wait_seconds
        seconds = float(remaining()) / 1000
    except (ConfigurationError, TypeError, ValueError):
        return None
    needed = wait + SYNC_WAIT_MARGIN_SECONDS
    if wait <= 0 or seconds >= needed:
        return None
    message = (
        f"function timeout too short for the sync wait budget: {seconds:.1f} s left at the "
        f"first invocation, but DURABLE_SYNC_WAIT_SECONDS={wait:g} needs more than {needed:g} s "
        f"(the wait + {SYNC_WAIT_MARGIN_SECONDS:g} s for the turn). Set the function timeout to "
        f"at least {math.floor(needed) + 1} s, or lower DURABLE_SYNC_WAIT_SECONDS; until then "
        f"a synchronous call waits at most {max(0.0, seconds - SYNC_WAIT_MARGIN_SECONDS):.1f} s "
        "for a busy actor")
    log.warning(message)
    return message


__all__ = ["SYNC_WAIT_MARGIN_SECONDS", "check_timeout"]
