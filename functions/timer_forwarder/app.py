"""Lambda entry point of the timer forwarder (EventBridge Scheduler target).

The code ships in the durable-lambda layer; this file only names the handler.
"""
from durable_lambda.platform.timer_forwarder import handler

__all__ = ["handler"]
