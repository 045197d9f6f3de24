"""How a plugin's failure is contained: logged and ignored, except the thread-control
exceptions (``KeyboardInterrupt``, ``SystemExit``, ``GeneratorExit``, also inside an exception
group), which propagate (see ``plugin``)."""
from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional

LOG = logging.getLogger("durable_lambda.workflows.plugin")
_CONTROL = (KeyboardInterrupt, SystemExit, GeneratorExit)


def contain(error: BaseException, what: str) -> Optional[BaseException]:
    """Log the part of ``error`` a plugin may not stop the thread with; return the rest (the
    thread-control exceptions, also out of an exception group), which the caller re-raises."""
    control: Optional[BaseException]
    contained: Optional[BaseException]
    if isinstance(error, BaseExceptionGroup):
        control, contained = error.split(_CONTROL)
    elif isinstance(error, _CONTROL):
        control, contained = error, None
    else:
        control, contained = None, error
    if contained is not None:
        LOG.error("%s exception ignored", what, exc_info=contained)
    return control


def contained(what: str, call: Callable[[], Any]) -> Any:
    """``call()``; a failure is logged and ignored (thread-control exceptions propagate)."""
    try:
        return call()
    except BaseException as error:  # noqa: BLE001 - a plugin must not fail the execution
        control = contain(error, what)
        if control is not None:
            raise control from None
        return None


__all__ = ["LOG", "contain", "contained"]
