"""Lambda entry point of the signal forwarder (EventBridge rule target).

The code ships in the durable-lambda layer; this file only names the handler.
"""
from durable_lambda.platform.signal_forwarder import handler

__all__ = ["handler"]
