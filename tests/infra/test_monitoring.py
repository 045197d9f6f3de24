"""Alarms, their notification topic and the dashboard: template.yaml and
terraform/modules/durable_fabric declare the same ones (issue 11, item 5), for the defaults and
for every choice of the monitoring parameters; Terraform really renders the dashboard and the
key policy as the template does."""
from __future__ import annotations

import json
import re
from typing import Any

import pytest

from durable_lambda.core import metrics
from durable_lambda.core.settings import DurableSettings
from durable_lambda.testing.local_aws import LocalAws

from . import canonical, deployed
from . import monitoring_model as mm
from .conftest import Stack, Terraform, fresh_checkout, terraform_missing

TOPIC = "arn:aws:sns:eu-west-1:123456789012:ops-alarms"
#: name -> (SAM parameters, Terraform variables): the same choice on both sides
CONFIGURATIONS: dict[str, tuple[dict[str, str], dict[str, Any]]] = {
    "defaults": ({}, {}),
    "new-topic": (
        {"StageName": "prod", "CreateAlarmTopic": "true", "AlarmPeriodSeconds": "60",
         "AlarmEvaluationPeriods": "3", "QueueDepthAlarmThreshold": "5",
         "WorkQueueAgeAlarmSeconds": "1800", "FunctionErrorsAlarmThreshold": "2",
         "MetricsNamespace": "My App/orders"},
        {"stage_name": "prod", "create_alarm_topic": True, "alarm_period_seconds": 60,
         "alarm_evaluation_periods": 3, "queue_depth_alarm_threshold": 5,
         "work_queue_age_alarm_seconds": 1800, "function_errors_alarm_threshold": 2,
         "metrics_namespace": "My App/orders"}),
    "existing-topic": ({"AlarmTopicArn": TOPIC}, {"alarm_topic_arn": TOPIC}),
    "off": ({"CreateAlarms": "false", "CreateDashboard": "false", "CreateAlarmTopic": "true"},
            {"create_alarms": False, "create_dashboard": False, "create_alarm_topic": True}),
}
SECTIONS = ("alarms", "topics", "keys", "dashboards")
#: dashboard variable -> name of the queue / function after durable-<stage>-
PHYSICAL_SUFFIXES = {"work_queue": "work.fifo", "dead_letter_queue": "dlq.fifo",
                     "parked_queue": "parked.fifo", "failed_events_queue": "failed-events",
                     "router": "router", "timer_forwarder": "timer-forwarder",
                     "signal_forwarder": "signal-forwarder", "dlq_redriver": "dlq-redriver"}


@pytest.fixture(scope="module")
def models(template: dict[str, Any], tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """{configuration: (SAM model, Terraform model, SAM canonical model, Terraform canonical model)}"""
    found = {}
    for name, (parameters, variables) in CONFIGURATIONS.items():
        expanded = canonical.expand_template(template, parameters=parameters)
        parsed = canonical.load_terraform(canonical.FABRIC_MODULE, variables, tmp_path_factory.mktemp(name))
        found[name] = (mm.sam_monitoring(expanded, parameters), mm.tf_monitoring(parsed),
                       canonical.sam_model(expanded, parameters), canonical.tf_model(parsed))
    return found


@pytest.mark.parametrize("configuration", sorted(CONFIGURATIONS))
def test_template_and_terraform_declare_the_same_monitoring(configuration: str, models: dict[str, Any]) -> None:
    """Names, metrics, dimensions, statistics, periods, thresholds, comparisons, missing data,
    actions; the topic, its key and key policy; the dashboard; the topic's SSM parameter."""
    sam, tf, sam_fabric, tf_fabric = models[configuration]
    counts = {s: len(sam[s]) for s in SECTIONS}
    assert counts == {"defaults": {"alarms": 8, "topics": 0, "keys": 0, "dashboards": 1},
                      "new-topic": {"alarms": 8, "topics": 1, "keys": 1, "dashboards": 1},
                      "existing-topic": {"alarms": 8, "topics": 0, "keys": 0, "dashboards": 1},
                      "off": {"alarms": 0, "topics": 0, "keys": 0, "dashboards": 0}}[configuration]
    for section in SECTIONS:
        assert tf[section] == sam[section], section
    assert tf_fabric["ssm"] == sam_fabric["ssm"]


def test_the_alarms_watch_queues_and_functions(models: dict[str, Any]) -> None:
    """DLQ, parked and failed-events depth > 0, work-queue age > 900 s, each platform
    function's errors > 0; an idle queue or function (no data) is not breaching; no action
    without a topic."""
    alarms = models["defaults"][0]["alarms"]
    depth = {"DeadLetterQueueDepthAlarm": ("DeadLetterQueue", "durable-dev-dlq-depth"),
             "ParkedQueueDepthAlarm": ("ParkedQueue", "durable-dev-parked-depth"),
             "FailedEventsQueueDepthAlarm": ("FailedEventsQueue", "durable-dev-failed-events-depth")}
    for logical, (queue, name) in depth.items():
        alarm = alarms[logical]
        assert (alarm["name"], alarm["namespace"], alarm["metric"], alarm["dimensions"],
                alarm["statistic"], alarm["threshold"]) == (
            name, "AWS/SQS", "ApproximateNumberOfMessagesVisible", [("QueueName", queue)], "Maximum", 0)
    age = alarms["WorkQueueAgeAlarm"]
    assert (age["metric"], age["dimensions"], age["statistic"], age["threshold"]) == (
        "ApproximateAgeOfOldestMessage", [("QueueName", "WorkQueue")], "Maximum", 900)
    for function in canonical.FUNCTIONS.values():
        errors = alarms[f"{function}ErrorsAlarm"]
        assert (errors["namespace"], errors["metric"], errors["dimensions"], errors["statistic"],
                errors["threshold"]) == ("AWS/Lambda", "Errors", [("FunctionName", function)], "Sum", 0)
    for alarm in alarms.values():
        assert (alarm["comparison"], alarm["treat_missing_data"], alarm["period"],
                alarm["evaluation_periods"]) == ("GreaterThanThreshold", "notBreaching", 300, 1)
        assert alarm["alarm_actions"] == alarm["ok_actions"] == []
        assert alarm["name"].startswith("durable-dev-") and alarm["description"]


def test_parameters_reach_the_alarms(models: dict[str, Any]) -> None:
    """Period, evaluation periods and each threshold go to the alarms they name; ALARM and OK
    notify the created topic, or the topic given."""
    created = models["new-topic"][0]["alarms"]
    thresholds = {a: 5 for a in ("DeadLetterQueueDepthAlarm", "ParkedQueueDepthAlarm",
                                 "FailedEventsQueueDepthAlarm")}
    thresholds["WorkQueueAgeAlarm"] = 1800
    thresholds.update({f"{f}ErrorsAlarm": 2 for f in canonical.FUNCTIONS.values()})
    assert {a: alarm["threshold"] for a, alarm in created.items()} == thresholds
    for alarm in created.values():
        assert (alarm["period"], alarm["evaluation_periods"]) == (60, 3)
        assert alarm["alarm_actions"] == alarm["ok_actions"] == ["AlarmTopic"]
        assert alarm["name"].startswith("durable-prod-")
    for alarm in models["existing-topic"][0]["alarms"].values():
        assert alarm["alarm_actions"] == alarm["ok_actions"] == [TOPIC]
    assert models["new-topic"][2]["ssm"]["/durable-lambda/prod/alarm-topic-arn"] == "AlarmTopic"
    assert models["existing-topic"][2]["ssm"]["/durable-lambda/dev/alarm-topic-arn"] == TOPIC
    assert not [p for p in models["defaults"][2]["ssm"] if "alarm" in p]


def test_the_topic_is_encrypted_with_a_key_cloudwatch_may_use(models: dict[str, Any]) -> None:
    """Not alias/aws/sns: CloudWatch cannot use the AWS-managed key (its policy cannot grant
    cloudwatch.amazonaws.com), so every notification to a topic encrypted with it is dropped."""
    sam = models["new-topic"][0]
    assert sam["topics"] == {"AlarmTopic": {"name": "durable-prod-alarms", "display_name": "durable-lambda prod alarms",
                                            "kms_key": "AlarmTopicKey"}}
    key = sam["keys"]["AlarmTopicKey"]
    assert key["rotation"] is True and key["deletion_days"] == 7
    actions, resources, conditions, principals = key["policy"]["CloudWatchAlarmsPublish"]
    assert (actions, resources, principals) == (("kms:Decrypt", "kms:GenerateDataKey*"), ("*",),
                                                (("Service", ("cloudwatch.amazonaws.com",)),))
    assert [c[:2] for c in conditions] == [("ArnLike", "aws:SourceArn"), ("StringEquals", "aws:SourceAccount")]
    assert set(key["policy"]) == {"AccountAdministers", "CloudWatchAlarmsPublish"}


def test_the_template_refuses_a_created_and_a_given_topic(template: dict[str, Any]) -> None:
    """CloudFormation checks the rule before creating anything (Terraform: the precondition
    tested below)."""
    rule = template["Rules"]["OneAlarmTopic"]
    assert rule["RuleCondition"] == {"Fn::Equals": [{"Ref": "CreateAlarmTopic"}, "true"]}
    assert rule["Assertions"][0]["Assert"] == {"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]}


def test_the_dashboard_is_one_text_rendered_with_the_same_variables(models: dict[str, Any]) -> None:
    """template.yaml's DashboardBody is dashboard.json.tftpl byte for byte; Fn::Sub and
    templatefile get the same variables (same queues, functions, namespace)."""
    sam = models["defaults"][0]["dashboards"]["Dashboard"]
    assert sam["text"] == mm.DASHBOARD_TEMPLATE.read_text()
    assert sam["name"] == "durable-dev"
    assert sam["variables"] == {
        "region": canonical.UNRESOLVED, "namespace": "DurableLambda", "work_queue": "WorkQueue",
        "dead_letter_queue": "DeadLetterQueue", "parked_queue": "ParkedQueue",
        "failed_events_queue": "FailedEventsQueue", "router": "Router",
        "timer_forwarder": "TimerForwarder", "signal_forwarder": "SignalForwarder",
        "dlq_redriver": "DlqRedriver"}
    source = (canonical.FABRIC_MODULE / "monitoring.tf").read_text()
    assert 'templatefile("${path.module}/dashboard.json.tftpl", local.dashboard_variables)' in source


def _expressions(body: dict[str, Any]) -> list[str]:
    return [m[0]["expression"] for w in body["widgets"] for m in w["properties"]["metrics"]
            if isinstance(m[0], dict)]


def test_the_dashboard_graphs_queues_functions_and_every_runtime_metric(models: dict[str, Any]) -> None:
    """Every metric core.metrics emits, searched under the namespace parameter with the
    runtime's default dimension; depth and age of the four queues; errors, duration and
    throttles of the four platform functions."""
    body = models["defaults"][0]["dashboards"]["Dashboard"]["body"]
    assert DurableSettings.model_fields["metrics_namespace"].default == "DurableLambda"
    assert DurableSettings.model_fields["metrics_dimensions"].default == "function"
    searched = {re.search(r'MetricName="(\w+)"', e).group(1) for e in _expressions(body)}
    assert searched == set(metrics.METRICS)
    assert all(e.startswith("SEARCH('{\"DurableLambda\",function} ") for e in _expressions(body))
    renamed = models["new-topic"][0]["dashboards"]["Dashboard"]["body"]
    assert all(e.startswith("SEARCH('{\"My App/orders\",function} ") for e in _expressions(renamed))
    plain = [m for w in body["widgets"] for m in w["properties"]["metrics"] if isinstance(m[0], str)]
    queues = {"WorkQueue", "DeadLetterQueue", "ParkedQueue", "FailedEventsQueue"}
    for metric in ("ApproximateNumberOfMessagesVisible", "ApproximateAgeOfOldestMessage"):
        assert {m[3] for m in plain if m[1] == metric} == queues
    for metric in ("Errors", "Duration", "Throttles"):
        assert {m[3] for m in plain if m[:2] == ["AWS/Lambda", metric]} == set(canonical.FUNCTIONS.values())
    for widget in body["widgets"]:
        properties = widget["properties"]
        assert properties["region"] == canonical.UNRESOLVED and properties["title"]
        ids = [m[0]["id"] for m in properties["metrics"] if isinstance(m[0], dict)]
        assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z]\w*", i) for i in ids)
        assert widget["x"] + widget["width"] <= 24


def test_outputs_name_the_alarms_topic_and_dashboard(expanded: dict[str, Any], tf_parsed: dict[str, Any]) -> None:
    assert {"AlarmTopicArn", "AlarmArns", "DashboardName"} <= set(expanded["Outputs"])
    assert {"alarm_topic_arn", "alarm_arns", "dashboard_name"} <= canonical.tf_outputs(tf_parsed)


def test_the_stack_deploys_the_dashboard(cfn_stack: Stack) -> None:
    """CloudFormation (moto) renders Fn::Sub into the body the template text gives for the
    stack's names; the outputs name it and the alarms (moto skips the alarms themselves)."""
    text = mm.DASHBOARD_TEMPLATE.read_text()
    reader = deployed.Reader(cfn_stack.endpoint_url, cfn_stack.prefix)
    assert mm.deployed_dashboard(reader) == mm.render(text, {
        "region": "us-east-1", "namespace": "DurableLambda",
        **{k: f"durable-STAGE-{v}" for k, v in PHYSICAL_SUFFIXES.items()}})
    assert cfn_stack.outputs["DashboardName"] == "durable-cfn"
    assert cfn_stack.outputs["AlarmTopicArn"] == ""
    arns = cfn_stack.outputs["AlarmArns"].split(",")
    assert [a.rsplit(":", 1)[1] for a in arns] == [
        "durable-cfn-dlq-depth", "durable-cfn-parked-depth", "durable-cfn-failed-events-depth",
        "durable-cfn-work-queue-age", "durable-cfn-router-errors", "durable-cfn-timer-forwarder-errors",
        "durable-cfn-signal-forwarder-errors", "durable-cfn-dlq-redriver-errors"]


# ---------------------------------------------------------------- terraform plan (local AWS)


@pytest.fixture(scope="module")
def fabric_module(local_aws: LocalAws, tmp_path_factory: pytest.TempPathFactory) -> Terraform:
    """modules/durable_fabric of a fresh checkout as a root module, on the local AWS."""
    reason = terraform_missing()
    if reason:
        pytest.skip(reason)
    scratch = tmp_path_factory.mktemp("monitoring-plan")
    checkout = fresh_checkout(scratch / "checkout")
    return Terraform.local(checkout / "terraform" / "modules" / "durable_fabric", local_aws, scratch)


def _resolve_pseudo(node: Any, stage: str) -> Any:
    """The template's key policy with the local AWS's account, region and partition."""
    if isinstance(node, dict):
        if list(node) == ["Fn::Sub"]:
            return _resolve_pseudo(node["Fn::Sub"], stage)
        if node == {"Ref": "AWS::AccountId"}:
            return "123456789012"
        return {k: _resolve_pseudo(v, stage) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve_pseudo(v, stage) for v in node]
    if isinstance(node, str):
        values = {"AWS::Partition": "aws", "AWS::Region": "us-east-1", "AWS::AccountId": "123456789012",
                  "StageName": stage}
        return re.sub(r"\$\{([\w:]+)\}", lambda m: values[m.group(1)], node)
    return node


def _policy(document: dict[str, Any]) -> dict[str, Any]:
    return {s["Sid"]: {"Effect": s["Effect"], "Action": sorted(canonical.as_list(s["Action"])), "Resource": s["Resource"],
                       "Principal": {k: canonical.as_list(v) for k, v in s["Principal"].items()},
                       "Condition": s.get("Condition", {})} for s in document["Statement"]}


def test_terraform_renders_the_dashboard_and_key_policy_as_the_template(
        fabric_module: Terraform, template: dict[str, Any]) -> None:
    """templatefile() of dashboard.json.tftpl gives the body Fn::Sub gives for the same
    names; the planned key policy is the template's with this account and region."""
    stage = "mon"
    fabric_module.run("plan", "-input=false", "-out=monitoring.tfplan", f"-var=stage_name={stage}",
                      "-var=create_alarm_topic=true", "-var=metrics_namespace=My App/orders", timeout=300)
    plan = json.loads(fabric_module.run("show", "-json", "monitoring.tfplan").stdout)
    after = {c["address"]: c["change"]["after"] for c in plan["resource_changes"]}
    dashboard = after["aws_cloudwatch_dashboard.fabric[0]"]
    variables = {"region": "us-east-1", "namespace": "My App/orders",
                 **{k: f"durable-{stage}-{v}" for k, v in PHYSICAL_SUFFIXES.items()}}
    text = template["Resources"]["Dashboard"]["Properties"]["DashboardBody"]["Fn::Sub"][0]
    assert dashboard["dashboard_name"] == f"durable-{stage}"
    assert json.loads(dashboard["dashboard_body"]) == mm.render(text, variables)
    key = after["aws_kms_key.alarm_topic[0]"]
    expected = _resolve_pseudo(template["Resources"]["AlarmTopicKey"]["Properties"]["KeyPolicy"], stage)
    assert _policy(json.loads(key["policy"])) == _policy(expected)
    assert after["aws_sns_topic.alarms[0]"]["name"] == f"durable-{stage}-alarms"
    alarms = {a["alarm_name"] for k, a in after.items() if k.startswith("aws_cloudwatch_metric_alarm.")}
    assert len(alarms) == 8 and all(a.startswith(f"durable-{stage}-") for a in alarms)
    assert after["aws_ssm_parameter.alarm_topic_arn[0]"]["name"] == f"/durable-lambda/{stage}/alarm-topic-arn"


def test_terraform_refuses_a_created_and_a_given_topic(fabric_module: Terraform) -> None:
    result = fabric_module.run("plan", "-input=false", "-var=create_alarm_topic=true",
                               f"-var=alarm_topic_arn={TOPIC}", "-target=aws_sns_topic.alarms",
                               timeout=300, check=False)
    assert result.returncode != 0
    message = " ".join((result.stdout + result.stderr).replace("│", " ").split())
    assert "create_alarm_topic = true creates the alarm topic; leave alarm_topic_arn empty" in message
