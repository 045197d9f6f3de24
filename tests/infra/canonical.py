"""One comparable model of the fabric, read from template.yaml (expanded by aws-sam-translator)
or from terraform/modules/durable_fabric (evaluated by tfparse), for one choice of the
parameters / variables (their defaults unless given).

Resources are named by their SAM logical ids on both sides; references become those ids
(``"RouterLogGroup:*"`` for ``<log group ARN>:*``, ``"Router:live"`` for the alias). An ARN or
URL assembled from account, region or partition (``${AWS::AccountId}`` in SAM, data sources in
Terraform; a queue URL) cannot be evaluated statically on either side and becomes
``UNRESOLVED`` on both: the deploy rehearsal compares those values for real.
"""
from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Optional


ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yaml"
FABRIC_MODULE = ROOT / "terraform" / "modules" / "durable_fabric"
UNRESOLVED = "<unresolved>"

FUNCTIONS = {"router": "Router", "timer_forwarder": "TimerForwarder",
             "signal_forwarder": "SignalForwarder", "dlq_redriver": "DlqRedriver"}
TABLES = {"actor_state": "ActorStateTable", "locks": "LocksTable", "workflow": "WorkflowTable"}
QUEUES = {"work": "WorkQueue", "dead_letter": "DeadLetterQueue", "parked": "ParkedQueue",
          "failed_events": "FailedEventsQueue"}
RULES = {"signals": "SignalRule", "redrive": "RedriveRule"}

#: Terraform address -> SAM logical id
TF_LOGICAL: dict[str, str] = {
    **{f"aws_dynamodb_table.{k}": v for k, v in TABLES.items()},
    **{f"aws_sqs_queue.{k}": v for k, v in QUEUES.items()},
    **{f"aws_cloudwatch_event_rule.{k}": v for k, v in RULES.items()},
    **{f'aws_lambda_function.platform["{k}"]': v for k, v in FUNCTIONS.items()},
    **{f'aws_cloudwatch_log_group.function["{k}"]': f"{v}LogGroup" for k, v in FUNCTIONS.items()},
    **{f'aws_iam_role.function["{k}"]': f"{v}Role" for k, v in FUNCTIONS.items()},
    "aws_cloudwatch_event_bus.signals": "EventBus",
    "aws_scheduler_schedule_group.timers": "TimerScheduleGroup",
    "aws_iam_role.scheduler": "SchedulerRole",
    "aws_iam_policy.user_function": "UserFunctionPolicy",
    "aws_lambda_layer_version.runtime": "DurableLayer",
    **{f'aws_lambda_alias.live["{k}"]': f"{v}:live" for k, v in FUNCTIONS.items()},
    "aws_sns_topic.alarms[0]": "AlarmTopic",  # the SSM parameter alarm-topic-arn names it
}
#: SAM parameter -> Terraform variable of durable_fabric (same meaning, same default)
PARAMETERS = {
    "StageName": "stage_name", "UserFunctionPrefix": "user_function_prefix",
    "RouterTimeoutSeconds": "router_timeout_seconds", "RouterBatchSize": "router_batch_size",
    "RouterMaxConcurrency": "router_max_concurrency", "MaxReceiveCount": "max_receive_count",
    "MaxRedrives": "max_redrives", "RedriveSchedule": "redrive_schedule",
    "LogRetentionDays": "log_retention_days", "TableDeletionProtection": "table_deletion_protection",
    "PythonRuntime": "python_runtime", "Architecture": "architecture",
    "TracingMode": "tracing_mode", "LogFormat": "log_format", "SnapStart": "snap_start",
    "ExecutionRetentionDays": "execution_retention_days",
    "CreateSsmParameters": "create_ssm_parameters",
    # alarms and dashboard (monitoring_model.py)
    "CreateAlarms": "create_alarms", "CreateAlarmTopic": "create_alarm_topic",
    "AlarmTopicArn": "alarm_topic_arn", "AlarmPeriodSeconds": "alarm_period_seconds",
    "AlarmEvaluationPeriods": "alarm_evaluation_periods",
    "QueueDepthAlarmThreshold": "queue_depth_alarm_threshold",
    "WorkQueueAgeAlarmSeconds": "work_queue_age_alarm_seconds",
    "FunctionErrorsAlarmThreshold": "function_errors_alarm_threshold",
    "CreateDashboard": "create_dashboard", "MetricsNamespace": "metrics_namespace",
}
#: Terraform-only inputs: where the zips come from, tags (SAM: `sam deploy --tags`)
TF_ONLY_VARIABLES = {"layer_zip_path", "functions_zip_dir", "build_dir", "build_python", "tags"}
#: Terraform policy document -> the SAM role / managed policy whose permissions it holds
TF_POLICY_DOCS = {
    **{f'data.aws_iam_policy_document.function["{k}"]': f"{v}Role" for k, v in FUNCTIONS.items()},
    "data.aws_iam_policy_document.scheduler": "SchedulerRole",
    "data.aws_iam_policy_document.user_function": "UserFunctionPolicy",
}
TF_TRUST_DOCS = {**{f"{v}Role": "data.aws_iam_policy_document.lambda_trust"
                    for v in FUNCTIONS.values()},
                 "SchedulerRole": "data.aws_iam_policy_document.scheduler_trust"}


def as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def statements(document: dict[str, Any], resolve: Any) -> dict[str, tuple[tuple[str, ...], tuple[str, ...]]]:
    """{Sid: (sorted actions, sorted resources)} of an IAM policy document."""
    found = {}
    for statement in as_list(document.get("Statement")):
        conditions = tuple(sorted((test, key, tuple(as_list(value)))
                                  for test, body in statement.get("Condition", {}).items()
                                  for key, value in body.items()))
        found[statement.get("Sid", "")] = (
            tuple(sorted(as_list(statement.get("Action")))),
            tuple(sorted(resolve(r) for r in as_list(statement.get("Resource")))),
            tuple((t, k, tuple(resolve(x) for x in vs)) for t, k, vs in conditions))
    return found


# ---------------------------------------------------------------- SAM


def load_template(path: Path = TEMPLATE) -> dict[str, Any]:
    """template.yaml as a dict, short-form intrinsics turned into their long form."""
    return load_template_text(path.read_text())


def load_template_text(text: str) -> dict[str, Any]:
    from samtranslator.yaml_helper import yaml_parse

    return dict(yaml_parse(text))


def expand_template(template: dict[str, Any], code_location: Optional[dict[str, str]] = None,
                    parameters: Optional[dict[str, str]] = None) -> dict[str, Any]:
    """Run the SAM transform locally (aws-sam-translator); code URIs point at ``code_location``."""
    import copy

    from samtranslator.translator.transform import transform

    template = copy.deepcopy(template)
    location = code_location or {"Bucket": "artifacts", "Key": "code.zip"}
    for resource in template["Resources"].values():
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::Serverless::Function":
            props["CodeUri"] = dict(location)
        elif resource["Type"] == "AWS::Serverless::LayerVersion":
            props["ContentUri"] = dict(location)

    class NoManagedPolicies:
        def load(self) -> dict[str, str]:
            return {}

    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    return transform(template, parameters or {}, NoManagedPolicies())


class SamResolver:
    """Evaluates intrinsics of an expanded template with the parameters' defaults, or the
    values given (conditions and ``Fn::If`` included)."""

    def __init__(self, template: dict[str, Any], parameters: Optional[dict[str, Any]] = None) -> None:
        self.template = template
        self.params = {k: str(v.get("Default")) for k, v in template.get("Parameters", {}).items()}
        self.params.update({k: str(v) for k, v in (parameters or {}).items()})
        self.conditions: dict[str, bool] = {}
        for name in template.get("Conditions", {}):
            self.condition(name)
        self.resources = {k: self.prune(v) for k, v in template["Resources"].items()
                          if "Condition" not in v or self.condition(v["Condition"])}

    def condition(self, name: str) -> bool:
        if name not in self.conditions:
            self.conditions[name] = bool(self._evaluate(self.template["Conditions"][name]))
        return self.conditions[name]

    def _evaluate(self, node: Any) -> Any:
        if isinstance(node, dict) and len(node) == 1:
            (key, args), = node.items()
            if key == "Fn::Equals":
                return str(self._evaluate(args[0])) == str(self._evaluate(args[1]))
            if key == "Fn::Not":
                return not self._evaluate(args[0])
            if key == "Fn::And":
                return all(self._evaluate(a) for a in args)
            if key == "Fn::Or":
                return any(self._evaluate(a) for a in args)
            if key == "Condition":
                return self.condition(args)
            if key == "Ref":
                return self.params.get(args, args)
        return node

    def prune(self, node: Any) -> Any:
        """``Fn::If`` replaced by its chosen branch, ``AWS::NoValue`` removed."""
        novalue = {"Ref": "AWS::NoValue"}
        if isinstance(node, list):
            return [self.prune(v) for v in node if self.prune(v) != novalue]
        if isinstance(node, dict):
            if set(node) == {"Fn::If"}:
                name, when_true, when_false = node["Fn::If"]
                return self.prune(when_true if self.condition(name) else when_false)
            pruned = {k: self.prune(v) for k, v in node.items()}
            return {k: v for k, v in pruned.items() if v != novalue}
        return node

    def logical(self, name: str) -> str:
        if name.startswith("DurableLayer"):
            return "DurableLayer"
        alias = re.fullmatch(r"(\w+?)Alias(\w+)", name)
        if alias and self.resources.get(name, {}).get("Type") == "AWS::Lambda::Alias":
            return f"{alias.group(1)}:{alias.group(2)}"
        return name

    def value(self, node: Any) -> Any:
        """Scalars as they are; references as logical ids; parameters as their values; a
        queue's Ref (its URL, made of account and region) as UNRESOLVED."""
        node = self.prune(node)
        if isinstance(node, list):
            return [self.value(v) for v in node]
        if not isinstance(node, dict):
            return node
        if "Ref" in node:
            name = node["Ref"]
            if name in self.params:
                return self.params[name]
            if name.startswith("AWS::") or self.resources.get(name, {}).get("Type") == "AWS::SQS::Queue":
                return UNRESOLVED
            return self.logical(name)
        if "Fn::GetAtt" in node:
            name, attribute = node["Fn::GetAtt"]
            is_log_group = self.resources.get(name, {}).get("Type") == "AWS::Logs::LogGroup"
            # a log group's Arn attribute ends with ":*" (Terraform writes "${arn}:*")
            return self.logical(name) + (":*" if is_log_group and attribute == "Arn" else "")
        if "Fn::FindInMap" in node:
            mapping, first, second = (self.value(v) for v in node["Fn::FindInMap"])
            return self.template["Mappings"][mapping][str(first)][second]
        if "Fn::Sub" in node:
            return self._sub(node["Fn::Sub"])
        return {k: self.value(v) for k, v in node.items()}

    def _sub(self, spec: Any) -> str:
        text, variables = (spec, {}) if isinstance(spec, str) else spec
        if "${AWS::" in text:
            return UNRESOLVED

        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(self.value(variables[name]))
            if name in self.params:
                return self.params[name]
            base, _, attribute = name.partition(".")
            return str(self.value({"Fn::GetAtt": [base, attribute]} if attribute else {"Ref": base}))

        return re.sub(r"\$\{([^}]+)\}", replace, text)

    def of_type(self, kind: str) -> dict[str, dict[str, Any]]:
        return {self.logical(k): v.get("Properties", {}) for k, v in self.resources.items()
                if v["Type"] == kind}


def _int(value: Any) -> Optional[int]:
    return None if value is None else int(value)


def _bool(value: Any) -> Optional[bool]:
    return None if value is None else str(value).lower() == "true"


def _new_model() -> dict[str, Any]:
    return {"tables": {}, "queues": {}, "rules": {}, "targets": {}, "functions": {},
            "policies": {}, "trust": {}, "permissions": set(), "event_sources": [], "layer": {},
            "schedule_groups": set(), "aliases": set(), "ssm": {}}


def _ssm_value(name: str, value: Any) -> Any:
    """The JSON ``environment`` parameter as its sorted keys (its values hold queue URLs and
    ARNs the rehearsal compares); other values as strings."""
    if name.endswith("/environment"):
        return tuple(sorted(json.loads(value))) if isinstance(value, str) and value.startswith("{") else value
    return value if value == UNRESOLVED else str(value)


def sam_model(expanded: dict[str, Any], parameters: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    """The comparable model of an expanded SAM template (parameters at their defaults, or
    the ``parameters`` given)."""
    r = SamResolver(expanded, parameters)
    v = r.value
    model = _new_model()
    for name, p in r.of_type("AWS::DynamoDB::Table").items():
        types = {a["AttributeName"]: a["AttributeType"] for a in p["AttributeDefinitions"]}
        ttl = p.get("TimeToLiveSpecification", {})
        model["tables"][name] = {
            "name": v(p["TableName"]),
            "keys": [(k["AttributeName"], types[k["AttributeName"]], k["KeyType"]) for k in p["KeySchema"]],
            "billing": p.get("BillingMode"),
            "ttl": ttl.get("AttributeName") if _bool(ttl.get("Enabled")) else None,
            "sse": _bool(p.get("SSESpecification", {}).get("SSEEnabled")),
            "pitr": _bool(p.get("PointInTimeRecoverySpecification", {}).get("PointInTimeRecoveryEnabled")),
            "deletion_protection": _bool(v(p.get("DeletionProtectionEnabled"))),
        }
    for name, p in r.of_type("AWS::SQS::Queue").items():
        redrive = p.get("RedrivePolicy")
        model["queues"][name] = {
            "name": v(p["QueueName"]), "fifo": _bool(p.get("FifoQueue")),
            "content_based_deduplication": _bool(p.get("ContentBasedDeduplication")),
            "deduplication_scope": p.get("DeduplicationScope"),
            "throughput_limit": p.get("FifoThroughputLimit"),
            "visibility_timeout": _int(v(p.get("VisibilityTimeout"))),
            "retention": _int(p.get("MessageRetentionPeriod")),
            "sse": _bool(p.get("SqsManagedSseEnabled")),
            "redrive": redrive and (v(redrive["deadLetterTargetArn"]), int(v(redrive["maxReceiveCount"]))),
        }
    for name, p in r.of_type("AWS::Events::Rule").items():
        model["rules"][name] = {
            "name": v(p["Name"]), "bus": v(p.get("EventBusName")), "state": p.get("State"),
            "pattern": p.get("EventPattern"), "schedule": v(p.get("ScheduleExpression"))}
        for t in p["Targets"]:
            retry = t.get("RetryPolicy")
            model["targets"][(name, t["Id"])] = {
                "arn": v(t["Arn"]), "dlq": v(t.get("DeadLetterConfig", {}).get("Arn")),
                "retry": retry and (retry["MaximumRetryAttempts"], retry["MaximumEventAgeInSeconds"])}
    for name, p in r.of_type("AWS::Lambda::Function").items():
        logging = p.get("LoggingConfig", {})
        model["functions"][name] = {
            "name": v(p["FunctionName"]), "handler": p["Handler"], "runtime": v(p["Runtime"]),
            "architectures": v(p.get("Architectures")), "timeout": _int(v(p["Timeout"])),
            "memory": _int(p["MemorySize"]), "role": v(p["Role"]),
            "layers": [v(x) for x in p.get("Layers", [])],
            "environment": sorted(p["Environment"]["Variables"]),
            "async_dlq": v(p.get("DeadLetterConfig", {}).get("TargetArn")),
            "log_group": v(logging.get("LogGroup")), "log_format": v(logging.get("LogFormat")),
            "tracing": v(p.get("TracingConfig", {}).get("Mode")),
            "snap_start": v(p.get("SnapStart", {}).get("ApplyOn")),
        }
    for p in r.of_type("AWS::Lambda::Alias").values():
        model["aliases"].add((v(p["FunctionName"]), p["Name"]))
    for p in r.of_type("AWS::SSM::Parameter").values():
        name = v(p["Name"])
        model["ssm"][name] = _ssm_value(name, v(p["Value"]))
    for name, p in r.of_type("AWS::IAM::Role").items():
        model["policies"][name] = {}
        for policy in p.get("Policies", []):
            model["policies"][name].update(statements(policy["PolicyDocument"], v))
        model["trust"][name] = _trust(p["AssumeRolePolicyDocument"], v)
    for name, p in r.of_type("AWS::IAM::Policy").items():
        for role in p["Roles"]:
            model["policies"].setdefault(v(role), {}).update(statements(p["PolicyDocument"], v))
    for name, p in r.of_type("AWS::IAM::ManagedPolicy").items():
        model["policies"][name] = statements(p["PolicyDocument"], v)
    for p in r.of_type("AWS::Lambda::Permission").values():
        model["permissions"].add((v(p["FunctionName"]), p["Principal"], v(p["SourceArn"])))
    for p in r.of_type("AWS::Lambda::EventSourceMapping").values():
        model["event_sources"].append({
            "queue": v(p["EventSourceArn"]), "function": v(p["FunctionName"]),
            "batch_size": _int(v(p.get("BatchSize"))),
            "response_types": p.get("FunctionResponseTypes"),
            "max_concurrency": _int(v(p.get("ScalingConfig", {}).get("MaximumConcurrency")))})
    for p in r.of_type("AWS::Lambda::LayerVersion").values():
        model["layer"] = {"runtimes": v(p["CompatibleRuntimes"]),
                          "architectures": v(p["CompatibleArchitectures"])}
    for p in r.of_type("AWS::Scheduler::ScheduleGroup").values():
        model["schedule_groups"].add(v(p["Name"]))
    return model


def _trust(document: dict[str, Any], resolve: Any) -> tuple[Any, ...]:
    found = []
    for statement in as_list(document.get("Statement")):
        services = tuple(sorted(as_list(statement["Principal"]["Service"])))
        conditions = tuple(sorted((test, key) for test, body in statement.get("Condition", {}).items()
                                  for key in body))
        found.append((tuple(as_list(statement["Action"])), services, conditions))
    return tuple(sorted(found))


# ---------------------------------------------------------------- Terraform


def load_terraform(module: Path, variables: dict[str, Any], work_dir: Path) -> dict[str, list[dict[str, Any]]]:
    """Evaluate ``module`` with tfparse, ``variables`` given as a tfvars file in ``work_dir``."""
    import tfparse

    tfvars = work_dir / "parity.tfvars"
    tfvars.write_text("".join(f"{k} = {json.dumps(v)}\n" for k, v in variables.items()))
    return tfparse.load_from_path(str(module), vars_paths=[os.path.relpath(tfvars, module)])


class TfResolver:
    """Maps tfparse block ids and evaluated names back to SAM logical ids."""

    def __init__(self, parsed: dict[str, list[dict[str, Any]]]) -> None:
        self.parsed = parsed
        self.blocks: dict[str, dict[str, Any]] = {}
        self.by_id: dict[str, str] = {}
        self.by_name: dict[str, str] = {}
        for kind, blocks in parsed.items():
            for block in blocks:
                path = block.get("__tfmeta", {}).get("path", "")
                self.blocks[path] = block
                logical = TF_LOGICAL.get(path)
                if logical:
                    self.by_id[block["id"]] = logical
                    for attribute in ("name", "function_name", "layer_name"):
                        if isinstance(block.get(attribute), str):
                            self.by_name[block[attribute]] = logical

    def value(self, node: Any) -> Any:
        """Block ids and names -> logical ids, ``<id>:*`` -> ``Logical:*``, unknown -> UNRESOLVED."""
        if node is None or isinstance(node, dict):
            return UNRESOLVED
        if isinstance(node, list):
            return [self.value(x) for x in node]
        if isinstance(node, str):
            base, colon, rest = node.partition(":")
            if base in self.by_id:
                return self.by_id[base] + colon + rest
            return self.by_name.get(node, node)
        return node

    def block(self, path: str) -> dict[str, Any]:
        return self.blocks[path]

    def locals(self) -> dict[str, Any]:
        merged: dict[str, Any] = {}
        for block in self.parsed.get("locals", []):
            merged.update({k: v for k, v in block.items() if k not in ("id", "__tfmeta")})
        return merged


def _first(value: Any) -> dict[str, Any]:
    items = as_list(value)
    return items[0] if items else {}


def tf_document_statements(document: dict[str, Any], resolve: Any) -> dict[str, Any]:
    found = {}
    for statement in as_list(document.get("statement")):
        resources = statement.get("resources")
        resources = [UNRESOLVED] if isinstance(resources, dict) else resources
        conditions = tuple(sorted((c["test"], c["variable"], tuple(resolve(x) for x in as_list(c["values"])))
                                  for c in as_list(statement.get("condition"))))
        found[statement.get("sid", "")] = (tuple(sorted(as_list(statement.get("actions")))),
                                           tuple(sorted(resolve(x) for x in as_list(resources))),
                                           conditions)
    return found


def tf_model(parsed: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    """The comparable model of the evaluated durable_fabric module."""
    r = TfResolver(parsed)
    v = r.value
    model = _new_model()
    for key, logical in TABLES.items():
        b = r.block(f"aws_dynamodb_table.{key}")
        types = {a["name"]: a["type"] for a in as_list(b["attribute"])}
        keys = [(b["hash_key"], types[b["hash_key"]], "HASH")]
        if b.get("range_key"):
            keys.append((b["range_key"], types[b["range_key"]], "RANGE"))
        ttl = _first(b.get("ttl"))
        model["tables"][logical] = {
            "name": b["name"], "keys": keys, "billing": b.get("billing_mode"),
            "ttl": ttl.get("attribute_name") if ttl.get("enabled") else None,
            "sse": _first(b.get("server_side_encryption")).get("enabled"),
            "pitr": _first(b.get("point_in_time_recovery")).get("enabled"),
            "deletion_protection": b.get("deletion_protection_enabled"),
        }
    for key, logical in QUEUES.items():
        b = r.block(f"aws_sqs_queue.{key}")
        redrive = json.loads(b["redrive_policy"]) if b.get("redrive_policy") else None
        model["queues"][logical] = {
            "name": b["name"], "fifo": b.get("fifo_queue"),
            "content_based_deduplication": b.get("content_based_deduplication"),
            "deduplication_scope": b.get("deduplication_scope"),
            "throughput_limit": b.get("fifo_throughput_limit"),
            "visibility_timeout": _int(b.get("visibility_timeout_seconds")),
            "retention": _int(b.get("message_retention_seconds")),
            "sse": b.get("sqs_managed_sse_enabled"),
            "redrive": redrive and (v(redrive["deadLetterTargetArn"]), int(redrive["maxReceiveCount"])),
        }
    for key, logical in RULES.items():
        b = r.block(f"aws_cloudwatch_event_rule.{key}")
        model["rules"][logical] = {
            "name": b["name"], "bus": v(b["event_bus_name"]) if b.get("event_bus_name") else None,
            "state": b.get("state"),
            "pattern": json.loads(b["event_pattern"]) if b.get("event_pattern") else None,
            "schedule": b.get("schedule_expression")}
    for b in parsed.get("aws_cloudwatch_event_target", []):
        retry = _first(b.get("retry_policy"))
        model["targets"][(v(b["rule"]), b["target_id"])] = {
            "arn": v(b["arn"]), "dlq": v(_first(b.get("dead_letter_config")).get("arn"))
            if b.get("dead_letter_config") else None,
            "retry": (retry["maximum_retry_attempts"], retry["maximum_event_age_in_seconds"])
            if retry else None}
    environment = sorted(r.locals()["environment"])
    for key, logical in FUNCTIONS.items():
        b = r.block(f'aws_lambda_function.platform["{key}"]')
        model["functions"][logical] = {
            "name": b["function_name"], "handler": b["handler"], "runtime": b["runtime"],
            "architectures": b.get("architectures"), "timeout": _int(b["timeout"]),
            "memory": _int(b["memory_size"]), "role": v(b["role"]),
            "layers": v(b.get("layers", [])), "environment": environment,
            "async_dlq": v(_first(b["dead_letter_config"]).get("target_arn"))
            if b.get("dead_letter_config") else None,
            "log_group": v(_first(b.get("logging_config")).get("log_group")),
            "log_format": _first(b.get("logging_config")).get("log_format"),
            "tracing": _first(b.get("tracing_config")).get("mode"),
            "snap_start": _first(b.get("snap_start")).get("apply_on"),
        }
    for b in parsed.get("aws_lambda_alias", []):
        model["aliases"].add((v(b["function_name"]), b["name"]))
    for b in parsed.get("aws_ssm_parameter", []):
        name = b["name"]
        value = v(b.get("value"))
        if name.endswith("/environment"):  # jsonencode(local.environment): see _ssm_value
            value = tuple(sorted(r.locals()["environment"]))
        model["ssm"][name] = _ssm_value(name, value)
    for path, logical in TF_POLICY_DOCS.items():
        model["policies"][logical] = tf_document_statements(r.block(path), v)
    for logical, path in TF_TRUST_DOCS.items():
        model["trust"][logical] = _tf_trust(r.block(path))
    for b in parsed.get("aws_lambda_permission", []):
        qualifier = b.get("qualifier")
        function = v(b["function_name"]) + (f":{qualifier}" if isinstance(qualifier, str) else "")
        model["permissions"].add((function, b["principal"], v(b["source_arn"])))
    for b in parsed.get("aws_lambda_event_source_mapping", []):
        model["event_sources"].append({
            "queue": v(b["event_source_arn"]), "function": v(b["function_name"]),
            "batch_size": _int(b.get("batch_size")),
            "response_types": b.get("function_response_types"),
            "max_concurrency": _int(_first(b.get("scaling_config")).get("maximum_concurrency"))})
    layer = r.block("aws_lambda_layer_version.runtime")
    model["layer"] = {"runtimes": layer["compatible_runtimes"],
                      "architectures": layer["compatible_architectures"]}
    for b in parsed.get("aws_scheduler_schedule_group", []):
        model["schedule_groups"].add(b["name"])
    return model


def _tf_trust(document: dict[str, Any]) -> tuple[Any, ...]:
    found = []
    for statement in as_list(document.get("statement")):
        principals = _first(statement.get("principals"))
        conditions = tuple(sorted((c["test"], c["variable"]) for c in as_list(statement.get("condition"))))
        found.append((tuple(as_list(statement["actions"])),
                      tuple(sorted(as_list(principals.get("identifiers")))), conditions))
    return tuple(sorted(found))


def tf_outputs(parsed: dict[str, list[dict[str, Any]]]) -> set[str]:
    return {b["__tfmeta"]["label"] for b in parsed.get("output", [])}


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()
