"""Lambda entry point of the DLQ redriver (scheduled, or on demand with {"maxMessages": n}).

The code ships in the durable-lambda layer; this file only names the handler.
"""
from durable_lambda.platform.redriver import handler

__all__ = ["handler"]
