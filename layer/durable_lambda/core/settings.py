"""Environment settings (pydantic-settings). See docs/contracts.md for every variable."""
from __future__ import annotations

from functools import lru_cache
from typing import Optional

from pydantic import AliasChoices, Field, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from durable_lambda.core.errors import ConfigurationError


class DurableSettings(BaseSettings):
    """All durable-lambda settings, read from ``DURABLE_*`` environment variables."""

    model_config = SettingsConfigDict(env_prefix="DURABLE_", extra="ignore", populate_by_name=True)

    table: Optional[str] = Field(None, description="actor state table")
    locks_table: Optional[str] = Field(
        None, validation_alias=AliasChoices("DURABLE_LOCKS_TABLE", "LOCKS_TABLE"))
    workflow_table: Optional[str] = Field(
        None, validation_alias=AliasChoices("DURABLE_WORKFLOW_TABLE", "WORKFLOW_TABLE"))
    queue: Optional[str] = Field(None, description="SQS FIFO work queue URL")
    dlq: Optional[str] = Field(None, description="FIFO dead-letter queue URL")
    parked_queue: Optional[str] = Field(None, description="FIFO parking queue URL")
    bus_name: Optional[str] = None
    schedule_group: Optional[str] = None
    scheduler_role_arn: Optional[str] = None
    timer_target_arn: Optional[str] = None
    endpoint_url: Optional[str] = Field(None, pattern=r"^https?://")
    region: str = Field("us-east-1", validation_alias=AliasChoices(
        "DURABLE_REGION", "AWS_REGION", "AWS_DEFAULT_REGION"))
    actor_type: Optional[str] = Field(None, validation_alias=AliasChoices(
        "DURABLE_ACTOR_TYPE", "AWS_LAMBDA_FUNCTION_NAME"))
    lease_seconds: float = Field(30.0, gt=0, le=900)
    sync_wait_seconds: float = Field(10.0, ge=0, le=900)
    processed_ids_kept: int = Field(128, ge=1, le=4096)
    max_redrives: int = Field(3, ge=0, le=100)
    #: must equal the work queue's redrive maxReceiveCount: on that attempt a failing
    #: message is dead-lettered by the handler itself, so the rest of its group goes on
    max_receive_count: int = Field(5, ge=1, le=1000)
    #: attempts Lambda makes of an asynchronous invocation of this function (its
    #: EventInvokeConfig MaximumRetryAttempts + 1): a direct start failing that many times in a
    #: row (retryable InvocationError) fails the execution instead of leaving it RUNNING
    max_invocation_attempts: int = Field(3, ge=1, le=3)
    #: level of the durable_lambda loggers (core.logging); TRACE means DEBUG, WARN WARNING
    log_level: str = Field("INFO", pattern=r"(?i)^(trace|debug|info|warn|warning|error|critical)$")
    #: CloudWatch EMF metric lines (core.metrics); unset: on inside Lambda, off elsewhere
    metrics: Optional[bool] = None
    metrics_namespace: str = Field("DurableLambda", pattern=r"^[A-Za-z0-9 ._/#:-]{1,255}$")
    #: comma-separated dimensions: ``function`` (the function name) and/or ``name=value`` pairs
    metrics_dimensions: str = Field("function", max_length=1000)
    #: days a finished durable execution (every item of it) is kept before DynamoDB TTL deletes
    #: it; 0 keeps it forever (the template's ExecutionRetentionDays)
    execution_retention_days: int = Field(14, ge=0, le=3650)

    def require(self, name: str) -> str:
        """Return setting ``name`` or raise ConfigurationError naming its variable."""
        value = getattr(self, name)
        if value in (None, ""):
            raise ConfigurationError(
                f"setting {name!r} is missing: set environment variable DURABLE_{name.upper()}")
        return str(value)


@lru_cache(maxsize=1)
def _cached() -> DurableSettings:
    return load_settings()


def load_settings() -> DurableSettings:
    """Read settings from the environment now; invalid values raise ConfigurationError."""
    try:
        return DurableSettings()
    except ValidationError as exc:
        problems = "; ".join(f"{_variable(err['loc'])}: {err['msg']}" for err in exc.errors())
        raise ConfigurationError(f"invalid durable-lambda settings: {problems}") from None


def _variable(loc: tuple[object, ...]) -> str:
    name = str(loc[0]).upper() if loc else "?"
    return name if name.startswith(("DURABLE_", "AWS_")) else f"DURABLE_{name}"


def get_settings() -> DurableSettings:
    """Settings of this process (read once, cached for warm invocations)."""
    return _cached()


def reset_settings() -> None:
    """Forget cached settings (tests, local fabric); AWS clients follow the new settings."""
    _cached.cache_clear()


__all__ = ["DurableSettings", "get_settings", "load_settings", "reset_settings"]
