"""Typed errors raised by durable-lambda. Every error names what is wrong."""
from __future__ import annotations


class DurableError(Exception):
    """Base class of every durable-lambda error."""


class ConfigurationError(DurableError):
    """A required environment setting is missing or invalid."""


class InvalidRequestError(DurableError, ValueError):
    """An incoming event or message is malformed (missing actorId, non-JSON payload...)."""


class StateTooLargeError(DurableError):
    """The serialized actor state does not fit in one DynamoDB item."""


class ActorBusyError(DurableError):
    """The actor's lease stayed held by another writer for the whole bounded wait."""


class FencedError(DurableError):
    """This writer's lease expired and another writer took over; its save was rejected."""


class RemoteActorError(DurableError):
    """A sync call to an actor failed inside the actor; carries the remote error type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type
        self.error_message = message


class WorkflowAlreadyResolvedError(DurableError):
    """resolve() was called on a workflow that is already resolved."""


class WorkflowNotFoundError(DurableError):
    """No workflow exists with that id."""


class WorkflowTimeoutError(DurableError, TimeoutError):
    """Waiting for a workflow result exceeded the timeout."""


class SerializationError(DurableError, TypeError):
    """A payload, state or result is not JSON-serializable."""
