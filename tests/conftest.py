"""Shared fixtures: one moto server per test session on 127.0.0.1, a fresh fabric per test."""
from __future__ import annotations

from collections.abc import Iterator

import pytest

from durable_lambda.core import aws
from durable_lambda.testing.fabric import Fabric, deploy_fabric
from durable_lambda.testing.local_aws import LocalAws, configure_environment, start_local_aws
from durable_lambda.testing.local_lambda import LocalLambda
from tests.platform.records import SendAudit


@pytest.fixture(scope="session")
def local_aws() -> Iterator[LocalAws]:
    """A moto server started by the tests themselves (never real AWS)."""
    server = start_local_aws()
    configure_environment(server.endpoint_url)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def fabric(local_aws: LocalAws, monkeypatch: pytest.MonkeyPatch) -> Iterator[Fabric]:
    """An empty local AWS with the fabric deployed and its settings active."""
    local_aws.reset()
    deployed = deploy_fabric(local_aws.endpoint_url)
    for name, value in deployed.environment().items():
        monkeypatch.setenv(name, value)
    deployed.activate()
    aws.call_counter.clear()
    audit = SendAudit().install()  # real SQS's rules, which moto does not check
    yield deployed
    audit.uninstall()
    assert not audit.violations, f"SQS would refuse: {audit.violations[:5]}"
    from durable_lambda.core.settings import reset_settings
    reset_settings()


@pytest.fixture
def local_lambda() -> Iterator[LocalLambda]:
    """In-process Lambda functions; durable-lambda invokes them instead of AWS Lambda."""
    functions = LocalLambda().install()
    try:
        yield functions
    finally:
        functions.wait_background()
        functions.uninstall()
