"""Read a deployed fabric back from the (local) AWS APIs into one comparable model.

``prefix`` is the name prefix of one deployment (``durable-<stage>`` for template.yaml and
Terraform, ``durable`` for the local fabric); names in the model have it replaced by
``durable-STAGE`` so two deployments compare equal when their shapes are.
"""
from __future__ import annotations

import ast
import json
import re
from typing import Any

import boto3

from .canonical import as_list

TABLE_SUFFIXES = {"ActorStateTable": "actors", "LocksTable": "locks", "WorkflowTable": "workflows"}
QUEUE_SUFFIXES = {"WorkQueue": "work.fifo", "DeadLetterQueue": "dlq.fifo",
                  "ParkedQueue": "parked.fifo", "FailedEventsQueue": "failed-events"}
FUNCTION_SUFFIXES = {"Router": "router", "TimerForwarder": "timer-forwarder",
                     "SignalForwarder": "signal-forwarder", "DlqRedriver": "dlq-redriver"}
ROLE_SUFFIXES = {**{f"{k}Role": v for k, v in FUNCTION_SUFFIXES.items()},
                 "SchedulerRole": "scheduler"}
QUEUE_ATTRIBUTES = ("FifoQueue", "ContentBasedDeduplication", "DeduplicationScope",
                    "FifoThroughputLimit", "VisibilityTimeout", "MessageRetentionPeriod",
                    "SqsManagedSseEnabled")


class Reader:
    """boto3 clients for one endpoint and the name normalisation of one deployment."""

    def __init__(self, endpoint_url: str, prefix: str) -> None:
        self.endpoint_url = endpoint_url
        self.prefix = prefix

    def client(self, service: str) -> Any:
        return boto3.client(service, endpoint_url=self.endpoint_url, region_name="us-east-1")

    def name(self, suffix: str) -> str:
        return f"{self.prefix}-{suffix}"

    def norm(self, value: Any) -> Any:
        """Stage-independent form: prefix -> durable-STAGE, queue URLs -> sqs://account/name."""
        if isinstance(value, dict):
            return {k: self.norm(v) for k, v in value.items()}
        if isinstance(value, (list, tuple)):
            return type(value)(self.norm(v) for v in value)
        if not isinstance(value, str):
            return value
        value = re.sub(r"^https?://[^/]+/(\d{12})/", r"sqs://\1/", value)
        return value.replace(f"{self.prefix}-", "durable-STAGE-")


def tables(reader: Reader) -> dict[str, Any]:
    ddb = reader.client("dynamodb")
    found = {}
    for logical, suffix in TABLE_SUFFIXES.items():
        name = reader.name(suffix)
        table = ddb.describe_table(TableName=name)["Table"]
        types = {a["AttributeName"]: a["AttributeType"] for a in table["AttributeDefinitions"]}
        ttl = ddb.describe_time_to_live(TableName=name)["TimeToLiveDescription"]
        found[logical] = {
            "keys": [(k["AttributeName"], types[k["AttributeName"]], k["KeyType"])
                     for k in table["KeySchema"]],
            "billing": table.get("BillingModeSummary", {}).get("BillingMode"),
            "ttl": ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None,
            "sse": table.get("SSEDescription", {}).get("Status") == "ENABLED",
        }
    return found


def point_in_time_recovery(reader: Reader) -> dict[str, str]:
    ddb = reader.client("dynamodb")
    return {logical: ddb.describe_continuous_backups(TableName=reader.name(suffix))[
        "ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]["PointInTimeRecoveryStatus"]
        for logical, suffix in TABLE_SUFFIXES.items()}


def queues(reader: Reader, logical_ids: tuple[str, ...] = tuple(QUEUE_SUFFIXES)) -> dict[str, Any]:
    sqs = reader.client("sqs")
    found = {}
    for logical in logical_ids:
        url = sqs.get_queue_url(QueueName=reader.name(QUEUE_SUFFIXES[logical]))["QueueUrl"]
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        shape = {k: attributes.get(k) for k in QUEUE_ATTRIBUTES}
        if "RedrivePolicy" in attributes:
            policy = json.loads(attributes["RedrivePolicy"])
            shape["RedrivePolicy"] = (reader.norm(policy["deadLetterTargetArn"]),
                                      int(policy["maxReceiveCount"]))
        found[logical] = shape
    return found


def functions(reader: Reader) -> dict[str, Any]:
    lam = reader.client("lambda")
    found = {}
    for logical, suffix in FUNCTION_SUFFIXES.items():
        config = lam.get_function_configuration(FunctionName=reader.name(suffix))
        variables = config.get("Environment", {}).get("Variables", {})
        found[logical] = {
            "runtime": config["Runtime"], "handler": config["Handler"],
            "timeout": config["Timeout"], "memory": config["MemorySize"],
            "role": reader.norm(config["Role"]), "layers": len(config.get("Layers", [])),
            "environment": {k: reader.norm(str(v)) for k, v in variables.items()},
        }
    return found


def _document(document: Any) -> dict[str, Any]:
    """A policy document as a dict (moto's CloudFormation stores some as a Python repr)."""
    if not isinstance(document, str):
        return dict(document)
    try:
        return dict(json.loads(document))
    except json.JSONDecodeError:
        return dict(ast.literal_eval(document))


def _statements(reader: Reader, document: Any) -> dict[str, Any]:
    document = _document(document)
    # moto's CloudFormation leaves an Fn::If whose branch is AWS::NoValue as a null statement
    # (the X-Ray statement without Active tracing); CloudFormation removes it
    return {s.get("Sid", ""): (tuple(sorted(as_list(s.get("Action")))),
                               tuple(sorted(reader.norm(r) for r in as_list(s.get("Resource")))))
            for s in as_list(document.get("Statement")) if s is not None}


def role_policies(reader: Reader) -> dict[str, Any]:
    iam = reader.client("iam")
    found: dict[str, Any] = {}
    for logical, suffix in ROLE_SUFFIXES.items():
        role = reader.name(suffix)
        found[logical] = {}
        for policy in iam.list_role_policies(RoleName=role)["PolicyNames"]:
            document = iam.get_role_policy(RoleName=role, PolicyName=policy)["PolicyDocument"]
            found[logical].update(_statements(reader, document))
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
        trust = _document(trust)
        found[f"{logical}.trust"] = sorted(
            (tuple(as_list(s["Principal"]["Service"])), sorted(s.get("Condition", {})))
            for s in as_list(trust["Statement"]))
    arn = next(p["Arn"] for p in iam.list_policies(Scope="Local")["Policies"]
               if p["PolicyName"] == reader.name("user-function"))
    version = iam.get_policy(PolicyArn=arn)["Policy"]["DefaultVersionId"]
    document = iam.get_policy_version(PolicyArn=arn, VersionId=version)["PolicyVersion"]["Document"]
    found["UserFunctionPolicy"] = _statements(reader, document)
    return found


def rules(reader: Reader) -> dict[str, Any]:
    events = reader.client("events")
    found = {}
    for bus in (reader.name("bus"), "default"):
        for rule in events.list_rules(EventBusName=bus, NamePrefix=reader.prefix)["Rules"]:
            targets = events.list_targets_by_rule(Rule=rule["Name"], EventBusName=bus)["Targets"]
            found[reader.norm(rule["Name"])] = {
                "bus": reader.norm(bus), "state": rule.get("State"),
                "pattern": json.loads(rule["EventPattern"]) if rule.get("EventPattern") else None,
                "schedule": rule.get("ScheduleExpression"),
                "targets": sorted((t["Id"], reader.norm(t["Arn"]),
                                   reader.norm(t.get("DeadLetterConfig", {}).get("Arn")),
                                   json.dumps(t.get("RetryPolicy"), sort_keys=True))
                                  for t in targets)}
    return found


def event_sources(reader: Reader) -> list[Any]:
    lam = reader.client("lambda")
    router = f":function:{reader.name('router')}"
    mappings = [m for m in lam.list_event_source_mappings()["EventSourceMappings"]
                if m["FunctionArn"].endswith(router)]
    return sorted((reader.norm(m["EventSourceArn"]), m["BatchSize"], m.get("FunctionResponseTypes"),
                   m.get("ScalingConfig", {}).get("MaximumConcurrency")) for m in mappings)


def permissions(reader: Reader) -> dict[str, Any]:
    lam = reader.client("lambda")
    found = {}
    for logical in ("SignalForwarder", "DlqRedriver"):
        policy = json.loads(lam.get_policy(FunctionName=reader.name(FUNCTION_SUFFIXES[logical]))["Policy"])
        found[logical] = sorted(
            (s["Principal"]["Service"], reader.norm(s["Condition"]["ArnLike"]["AWS:SourceArn"]))
            for s in policy["Statement"])
    return found


def ssm_parameters(endpoint_url: str, stage: str) -> dict[str, str]:
    """/durable-lambda/<stage>/... as {name under the prefix: value}."""
    ssm = boto3.client("ssm", endpoint_url=endpoint_url, region_name="us-east-1")
    prefix = f"/durable-lambda/{stage}/"
    found: dict[str, str] = {}
    for page in ssm.get_paginator("get_parameters_by_path").paginate(Path=prefix, Recursive=True):
        found.update({p["Name"].removeprefix(prefix): p["Value"] for p in page["Parameters"]})
    return found


def describe(endpoint_url: str, prefix: str) -> dict[str, Any]:
    """Everything above, for one deployment."""
    reader = Reader(endpoint_url, prefix)
    return {"tables": tables(reader), "queues": queues(reader), "functions": functions(reader),
            "iam": role_policies(reader), "rules": rules(reader),
            "event_sources": event_sources(reader), "permissions": permissions(reader)}
