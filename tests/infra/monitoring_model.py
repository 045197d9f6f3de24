"""The alarms, their notification topic and key, and the dashboard of the fabric as one
comparable model, from template.yaml (expanded) or from terraform/modules/durable_fabric
(tfparse) -- the monitoring counterpart of canonical.py, with its conventions: resources by
their SAM logical ids, references as logical ids, what needs account/region/partition as
UNRESOLVED on both sides (the Terraform plan test compares those for real)."""
from __future__ import annotations

import json
import re
from typing import Any, Optional

from . import canonical
from .canonical import UNRESOLVED, as_list

DASHBOARD_TEMPLATE = canonical.FABRIC_MODULE / "dashboard.json.tftpl"

#: Terraform key of aws_cloudwatch_metric_alarm.fabric -> SAM logical id
ALARMS: dict[str, str] = {
    "dead_letter_depth": "DeadLetterQueueDepthAlarm",
    "parked_depth": "ParkedQueueDepthAlarm",
    "failed_events_depth": "FailedEventsQueueDepthAlarm",
    "work_queue_age": "WorkQueueAgeAlarm",
    **{f"{k}_errors": f"{v}ErrorsAlarm" for k, v in canonical.FUNCTIONS.items()},
}
#: Terraform address -> SAM logical id, besides canonical.TF_LOGICAL
TF_LOGICAL = {
    "aws_kms_key.alarm_topic[0]": "AlarmTopicKey",
    "aws_cloudwatch_dashboard.fabric[0]": "Dashboard",
    "data.aws_region.current": UNRESOLVED,
}


def unresolved_interpolations(node: Any) -> Any:
    """Strings tfparse could not finish (``arn:${local.partition}:...``) -> UNRESOLVED."""
    if isinstance(node, dict):
        return {k: unresolved_interpolations(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return type(node)(unresolved_interpolations(v) for v in node)
    return UNRESOLVED if isinstance(node, str) and "${" in node else node


def render(template_text: str, variables: dict[str, Any]) -> Any:
    """``${name}`` replaced as Fn::Sub and templatefile do (the body has no other syntax),
    parsed as JSON."""
    unknown = set(re.findall(r"\$\{([^}]*)\}", template_text)) - set(variables)
    assert not unknown, f"dashboard template variables without a value: {sorted(unknown)}"
    return json.loads(re.sub(r"\$\{(\w+)\}", lambda m: str(variables[m.group(1)]), template_text))


def _new() -> dict[str, Any]:
    return {"alarms": {}, "topics": {}, "keys": {}, "dashboards": {}}


def _alarm(name: Any, description: Any, namespace: Any, metric: Any, dimensions: list[tuple[str, Any]],
           statistic: Any, period: Any, evaluation_periods: Any, threshold: Any, comparison: Any,
           treat_missing_data: Any, alarm_actions: list[Any], ok_actions: list[Any]) -> dict[str, Any]:
    return {"name": name, "description": description, "namespace": namespace, "metric": metric,
            "dimensions": sorted(dimensions), "statistic": statistic, "period": int(period),
            "evaluation_periods": int(evaluation_periods), "threshold": float(threshold),
            "comparison": comparison, "treat_missing_data": treat_missing_data,
            "alarm_actions": alarm_actions, "ok_actions": ok_actions}


# ---------------------------------------------------------------- SAM


def sam_monitoring(expanded: dict[str, Any], parameters: Optional[dict[str, Any]] = None) -> dict[str, Any]:
    r = canonical.SamResolver(expanded, parameters)
    v = r.value
    model = _new()
    for logical, p in r.of_type("AWS::CloudWatch::Alarm").items():
        model["alarms"][logical] = _alarm(
            v(p["AlarmName"]), p.get("AlarmDescription"), p["Namespace"], p["MetricName"],
            [(d["Name"], v(d["Value"])) for d in p.get("Dimensions", [])], p["Statistic"],
            v(p["Period"]), v(p["EvaluationPeriods"]), v(p["Threshold"]), p["ComparisonOperator"],
            p.get("TreatMissingData"), [v(a) for a in as_list(p.get("AlarmActions"))],
            [v(a) for a in as_list(p.get("OKActions"))])
    for logical, p in r.of_type("AWS::SNS::Topic").items():
        model["topics"][logical] = {"name": v(p["TopicName"]), "display_name": v(p.get("DisplayName")),
                                    "kms_key": v(p.get("KmsMasterKeyId"))}
    for logical, p in r.of_type("AWS::KMS::Key").items():
        model["keys"][logical] = {
            "rotation": canonical._bool(p.get("EnableKeyRotation")),
            "deletion_days": canonical._int(p.get("PendingWindowInDays")),
            "policy": _sam_key_policy(p["KeyPolicy"], v)}
    model = unresolved_interpolations(model)  # not the dashboard's text, which has ${...}
    for logical, p in r.of_type("AWS::CloudWatch::Dashboard").items():
        text, variables = p["DashboardBody"]["Fn::Sub"]
        resolved = {k: v(x) for k, x in variables.items()}
        model["dashboards"][logical] = {"name": v(p["DashboardName"]), "text": text,
                                        "variables": resolved, "body": render(text, resolved)}
    return model


def _sam_key_policy(document: dict[str, Any], resolve: Any) -> dict[str, Any]:
    found = canonical.statements(document, resolve)
    for statement in as_list(document.get("Statement")):
        principal = statement.get("Principal", {})
        found[statement["Sid"]] += (tuple(sorted((kind, tuple(sorted(resolve(x) for x in as_list(ids))))
                                                 for kind, ids in principal.items())),)
    return {sid: (actions, resources, tuple(sorted(conditions)), principals)
            for sid, (actions, resources, conditions, principals) in found.items()}


# ---------------------------------------------------------------- Terraform


class MonitoringTfResolver(canonical.TfResolver):
    """canonical's resolver that also knows the monitoring resources and the region."""

    def __init__(self, parsed: dict[str, list[dict[str, Any]]]) -> None:
        super().__init__(parsed)
        for path, logical in TF_LOGICAL.items():
            block = self.blocks.get(path)
            if block:
                self.by_id[block["id"]] = logical


def tf_monitoring(parsed: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    r = MonitoringTfResolver(parsed)
    v = r.value
    model = _new()
    for b in parsed.get("aws_cloudwatch_metric_alarm", []):
        key = re.fullmatch(r'aws_cloudwatch_metric_alarm\.fabric\["(\w+)"\]', b["__tfmeta"]["path"]).group(1)
        model["alarms"][ALARMS[key]] = _alarm(
            b["alarm_name"], b.get("alarm_description"), b["namespace"], b["metric_name"],
            [(k, v(x)) for k, x in (b.get("dimensions") or {}).items()], b["statistic"],
            b["period"], b["evaluation_periods"], b["threshold"], b["comparison_operator"],
            b.get("treat_missing_data"), [v(a) for a in as_list(b.get("alarm_actions"))],
            [v(a) for a in as_list(b.get("ok_actions"))])
    for b in parsed.get("aws_sns_topic", []):
        logical = canonical.TF_LOGICAL[b["__tfmeta"]["path"]]
        model["topics"][logical] = {"name": b["name"], "display_name": b.get("display_name"),
                                    "kms_key": v(b.get("kms_master_key_id"))}
    for b in parsed.get("aws_kms_key", []):
        logical = TF_LOGICAL[b["__tfmeta"]["path"]]
        document = r.block("data.aws_iam_policy_document.alarm_topic_key[0]")
        model["keys"][logical] = {"rotation": b.get("enable_key_rotation"),
                                  "deletion_days": canonical._int(b.get("deletion_window_in_days")),
                                  "policy": _tf_key_policy(document, v)}
    model = unresolved_interpolations(model)  # not the dashboard's text, which has ${...}
    for b in parsed.get("aws_cloudwatch_dashboard", []):
        logical = TF_LOGICAL[b["__tfmeta"]["path"]]
        text = DASHBOARD_TEMPLATE.read_text()
        variables = {k: v(x) for k, x in r.locals()["dashboard_variables"].items()}
        model["dashboards"][logical] = {"name": b["dashboard_name"], "text": text,
                                        "variables": variables, "body": render(text, variables)}
    return model


def _tf_key_policy(document: dict[str, Any], resolve: Any) -> dict[str, Any]:
    found = canonical.tf_document_statements(document, resolve)
    for statement in as_list(document.get("statement")):
        principals = tuple(sorted((p["type"],
                                   tuple(sorted(resolve(x) for x in as_list(p["identifiers"]))))
                                  for p in as_list(statement.get("principals"))))
        found[statement["sid"]] += (principals,)
    return {sid: (actions, resources, tuple(sorted(conditions)), principals)
            for sid, (actions, resources, conditions, principals) in found.items()}


# ---------------------------------------------------------------- deployed (local AWS)


def deployed_alarms(reader: Any) -> dict[str, Any]:
    """The alarms of one deployment (a deployed.Reader), by stage-independent name."""
    found = {}
    pages = reader.client("cloudwatch").get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=f"{reader.prefix}-")
    for alarm in (a for page in pages for a in page["MetricAlarms"]):
        found[reader.norm(alarm["AlarmName"])] = {
            "description": alarm.get("AlarmDescription"), "namespace": alarm["Namespace"],
            "metric": alarm["MetricName"],
            "dimensions": sorted((d["Name"], reader.norm(d["Value"])) for d in alarm["Dimensions"]),
            "statistic": alarm["Statistic"], "period": alarm["Period"],
            "evaluation_periods": alarm["EvaluationPeriods"], "threshold": float(alarm["Threshold"]),
            "comparison": alarm["ComparisonOperator"], "treat_missing_data": alarm.get("TreatMissingData"),
            "alarm_actions": alarm.get("AlarmActions", []), "ok_actions": alarm.get("OKActions", [])}
    return found


def deployed_dashboard(reader: Any) -> Any:
    """The body of the dashboard ``<prefix>`` as JSON, names stage-independent."""
    body = reader.client("cloudwatch").get_dashboard(DashboardName=reader.prefix)["DashboardBody"]
    return reader.norm(json.loads(body))


def expected_alarms(sam: dict[str, Any], stage: str = "dev") -> dict[str, Any]:
    """The static SAM model's alarms (of ``stage``) as deployed_alarms reads them back:
    physical names of the queues and functions (suffixes of deployed.py) for logical ids."""
    from .deployed import FUNCTION_SUFFIXES, QUEUE_SUFFIXES

    suffixes = {**QUEUE_SUFFIXES, **FUNCTION_SUFFIXES}
    physical = {logical: f"durable-STAGE-{suffix}" for logical, suffix in suffixes.items()}
    found = {}
    for alarm in sam["alarms"].values():
        shape = {k: v for k, v in alarm.items() if k != "name"}
        shape["dimensions"] = sorted((name, physical[value]) for name, value in alarm["dimensions"])
        found[alarm["name"].replace(f"durable-{stage}-", "durable-STAGE-", 1)] = shape
    return found
