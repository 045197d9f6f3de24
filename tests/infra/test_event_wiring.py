"""modules/durable_function's event wiring (and its SAM mirror in docs/deploy.md): a raw
EventBridge event, passed through the rule target's input transformer, reaches an @actor
handler in its direct-invoke shape {"actorId", "payload", "sync": false}, which enqueues it
as an ordinary actor message."""
from __future__ import annotations

import json
import re
from types import SimpleNamespace
from typing import Any

import boto3
import pytest

from . import canonical
from .conftest import ROOT

FUNCTION_MODULE = ROOT / "terraform" / "modules" / "durable_function"
EVENT = {
    "version": "0", "id": "6a7e8feb-b491-4cf7-a9f1-bf3703467718", "detail-type": "CounterReset",
    "source": "durable-lambda.example", "account": "123456789012", "time": "2026-01-01T00:00:00Z",
    "region": "us-east-1", "resources": [],
    "detail": {"actorId": "counter \"7\"", "by": 3, "reason": ["a", {"b": None}]},
}


def _path(event: Any, path: str) -> Any:
    value = event
    for key in path.removeprefix("$.").split("."):
        value = value[key]
    return value


def transform(event: dict[str, Any], input_paths: dict[str, str], template: str) -> Any:
    """EventBridge's input transformer: a placeholder inside quotes takes the string's
    (escaped) characters, a bare one the JSON value."""
    values = {name: _path(event, path) for name, path in input_paths.items()}

    def quoted(match: re.Match[str]) -> str:
        value = values[match.group(1)]
        return json.dumps(value if isinstance(value, str) else json.dumps(value))

    text = re.sub(r'"<(\w+)>"', quoted, template)
    text = re.sub(r"<(\w+)>", lambda m: json.dumps(values[m.group(1)]), text)
    return json.loads(text)


@pytest.fixture(scope="module")
def terraform_transformer(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, str], str]:
    parsed = canonical.load_terraform(FUNCTION_MODULE, {
        "fabric": {"layer_arn": "l", "user_function_policy_arn": "p", "user_function_prefix": "durable-",
                   "user_function_environment": {}, "event_bus_name": "b",
                   "failed_events_queue_arn": "arn:aws:sqs:us-east-1:123456789012:f"},
        "function_name": "durable-counter", "timeout": 30,
        "event_patterns": {"reset": json.dumps({"source": ["durable-lambda.example"]})},
    }, tmp_path_factory.mktemp("tfparse-function"))
    target = parsed["aws_cloudwatch_event_target"][0]
    transformer = target["input_transformer"]
    transformer = transformer[0] if isinstance(transformer, list) else transformer
    return transformer["input_paths"], transformer["input_template"]


def test_the_transformer_gives_the_direct_invoke_shape(terraform_transformer: tuple[dict[str, str], str]) -> None:
    paths, template = terraform_transformer
    assert paths == {"actorId": "$.detail.actorId", "payload": "$.detail"}
    assert transform(EVENT, paths, template) == {
        "actorId": 'counter "7"', "payload": EVENT["detail"], "sync": False}


def test_the_sam_snippet_wires_events_the_same_way(terraform_transformer: tuple[dict[str, str], str]) -> None:
    """docs/deploy.md's SAM function: an EventBridgeRule event with the same transformer."""
    function = _sam_snippet_function()
    rules = [e["Properties"] for e in function["Events"].values() if e["Type"] == "EventBridgeRule"]
    assert len(rules) == 1
    transformer = rules[0]["InputTransformer"]
    assert (transformer["InputPathsMap"], transformer["InputTemplate"]) == terraform_transformer


def _sam_snippet_function() -> dict[str, Any]:
    import textwrap

    text = (ROOT / "docs" / "deploy.md").read_text()
    snippet = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert snippet, "no yaml snippet in docs/deploy.md"
    template = canonical.load_template_text(textwrap.dedent(snippet.group(1)))
    return template["Resources"]["Counter"]["Properties"]


def test_a_transformed_event_is_an_actor_message(
        fabric: Any, terraform_transformer: tuple[dict[str, str], str]) -> None:
    """Delivered to an @actor handler (as Lambda would, asynchronously), the event becomes a
    message of that actor on the work queue -- where the router takes it to a turn."""
    from durable_lambda import actor

    @actor
    def counter(ctx: Any, payload: Any) -> Any:  # never runs here: sync is false
        raise AssertionError("an async call only enqueues")

    event = transform(EVENT, *terraform_transformer)
    reply = counter(event, SimpleNamespace(function_name="durable-counter", aws_request_id="r-1",
                                           get_remaining_time_in_millis=lambda: 30_000))
    assert reply["messageId"]
    sqs = boto3.client("sqs", endpoint_url=fabric.endpoint_url, region_name="us-east-1")
    messages = sqs.receive_message(QueueUrl=fabric.queue, MaxNumberOfMessages=10,
                                   AttributeNames=["MessageGroupId"])["Messages"]
    bodies = [json.loads(m["Body"]) for m in messages]
    assert [(b["kind"], b["target"], b["actorId"], b["payload"]) for b in bodies] == [
        ("actor", "durable-counter", 'counter "7"', EVENT["detail"])]


def test_module_readme_documents_the_wiring() -> None:
    readme = (FUNCTION_MODULE / "README.md").read_text()
    assert "actor_id_path" in readme and '"sync": false' in readme

