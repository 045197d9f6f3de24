"""Lambda entry point of the router (consumes the work queue, dispatches records to target functions).

The code ships in the durable-lambda layer; this file only names the handler.
"""
from durable_lambda.platform.router import handler

__all__ = ["handler"]
