"""template.yaml, terraform/modules/durable_fabric, the local fabric and docs/contracts.md
describe the same system."""
from __future__ import annotations

import re
from typing import Any

import pytest

from durable_lambda.core.settings import DurableSettings
from durable_lambda.testing import fabric as local_fabric
from durable_lambda.testing.fabric import Fabric

from . import canonical, deployed
from .conftest import ROOT, Stack

SECTIONS = ["tables", "queues", "rules", "targets", "functions", "policies", "trust",
            "permissions", "event_sources", "layer", "schedule_groups", "aliases", "ssm"]


@pytest.mark.parametrize("section", SECTIONS)
def test_template_and_terraform_describe_the_same_fabric(
        section: str, sam_model: dict[str, Any], tf_model: dict[str, Any]) -> None:
    assert sam_model[section], f"{section}: nothing found in template.yaml"
    assert tf_model[section] == sam_model[section]


@pytest.mark.parametrize("section", SECTIONS)
def test_every_toggle_flipped_keeps_them_the_same(
        section: str, sam_model_toggled: dict[str, Any], tf_model_toggled: dict[str, Any]) -> None:
    """python3.13, arm64, X-Ray Active, JSON logs, SnapStart, 30 days, no SSM parameters:
    the same choice of parameters and variables still gives the same fabric."""
    assert tf_model_toggled[section] == sam_model_toggled[section]


def test_toggles_change_what_they_say(sam_model: dict[str, Any], sam_model_toggled: dict[str, Any]) -> None:
    """The flipped toggles reach the resources (and the defaults are the documented ones)."""
    for model, runtime, arch, tracing, log_format, snap_start in (
            (sam_model, "python3.12", "x86_64", "PassThrough", "JSON", "None"),
            (sam_model_toggled, "python3.13", "arm64", "Active", "Text", "PublishedVersions")):
        assert model["layer"] == {"runtimes": [runtime], "architectures": [arch]}
        for function in model["functions"].values():
            assert (function["runtime"], function["architectures"], function["tracing"],
                    function["log_format"], function["snap_start"]) == (
                runtime, [arch], tracing, log_format, snap_start)
    # SnapStart: every invoker uses the alias (only published versions are snapshotted)
    assert {t["arn"] for t in sam_model["targets"].values()} == {"SignalForwarder", "DlqRedriver"}
    assert {t["arn"] for t in sam_model_toggled["targets"].values()} == {
        "SignalForwarder:live", "DlqRedriver:live"}
    assert [e["function"] for e in sam_model_toggled["event_sources"]] == ["Router:live"]
    assert {p[0] for p in sam_model_toggled["permissions"]} == {"SignalForwarder:live", "DlqRedriver:live"}
    # X-Ray: the only statement on every resource, granted only with Active tracing
    xray = {role: s["XRayTraces"] for role, s in sam_model_toggled["policies"].items() if "XRayTraces" in s}
    assert set(xray) == {f"{f}Role" for f in canonical.FUNCTIONS.values()}
    assert all(s[:2] == (("xray:PutTelemetryRecords", "xray:PutTraceSegments"), ("*",)) for s in xray.values())
    assert not any("XRayTraces" in s for s in sam_model["policies"].values())
    assert sam_model_toggled["ssm"] == {}


def _defaults_and_choices(expanded: dict[str, Any]) -> dict[str, tuple[str, Any]]:
    return {name: (str(p.get("Default")).lower(), sorted(str(v).lower() for v in p["AllowedValues"])
                   if "AllowedValues" in p else None)
            for name, p in expanded["Parameters"].items()}


def test_parameters_and_variables_are_the_same_toggles(
        expanded: dict[str, Any], tf_parsed: dict[str, Any]) -> None:
    """Every SAM parameter is a durable_fabric variable with the same default and choices."""
    sam = _defaults_and_choices(expanded)
    assert set(sam) == set(canonical.PARAMETERS)
    variables = {b["__tfmeta"]["label"]: b for b in tf_parsed["variable"]}
    assert set(variables) == set(canonical.PARAMETERS.values()) | canonical.TF_ONLY_VARIABLES
    source = (canonical.FABRIC_MODULE / "variables.tf").read_text()
    for parameter, variable in canonical.PARAMETERS.items():
        default, choices = sam[parameter]
        assert str(variables[variable].get("default")).lower() == default, parameter
        if choices:
            block = source[source.index(f'variable "{variable}"'):]
            block = block[:block.index("\n}\n")]
            listed = re.search(r"contains\(\[([^]]*)\], var\." + variable + r"\)", block)
            if listed:
                found = sorted(x.strip().strip('"').lower() for x in listed.group(1).split(","))
                assert found == choices, parameter
            else:  # a bool variable stands for a "true"/"false" parameter
                assert choices == ["false", "true"], parameter
                assert "type        = bool" in block, variable


def test_every_function_role_grants_exactly_the_same_actions(
        sam_model: dict[str, Any], tf_model: dict[str, Any]) -> None:
    roles = {f"{f}Role" for f in canonical.FUNCTIONS.values()} | {"SchedulerRole", "UserFunctionPolicy"}
    assert set(sam_model["policies"]) == roles
    for role in roles:
        sam_actions = {a for actions, *_ in sam_model["policies"][role].values() for a in actions}
        tf_actions = {a for actions, *_ in tf_model["policies"][role].values() for a in actions}
        assert sam_actions and tf_actions == sam_actions, role
        assert not any(a.endswith("*") for a in sam_actions), f"{role}: wildcard action"


def test_no_resource_wildcards_beyond_the_scoped_ones(
        sam_model: dict[str, Any], sam_model_toggled: dict[str, Any]) -> None:
    """Only X-Ray's two write actions (no resource-level permissions) with Active tracing."""
    for model in (sam_model, sam_model_toggled):
        for role, statements in model["policies"].items():
            for sid, (actions, resources, _) in statements.items():
                if sid == "XRayTraces":
                    assert actions == ("xray:PutTelemetryRecords", "xray:PutTraceSegments"), role
                    continue
                assert "*" not in resources, f"{role}/{sid} grants on every resource"


def test_contract_shapes(sam_model: dict[str, Any]) -> None:
    """docs/contracts.md: keys, TTL, SSE, PITR, FIFO attributes, visibility >= 6x router timeout."""
    tables = sam_model["tables"]
    assert tables["ActorStateTable"]["keys"] == [("pk", "S", "HASH")]
    assert tables["LocksTable"]["keys"] == [("pk", "S", "HASH")]
    assert tables["WorkflowTable"]["keys"] == [("pk", "S", "HASH"), ("sk", "S", "RANGE")]
    for table in tables.values():
        assert (table["billing"], table["ttl"], table["sse"], table["pitr"]) == (
            "PAY_PER_REQUEST", "ttl", True, True)
    work = sam_model["queues"]["WorkQueue"]
    assert (work["fifo"], work["content_based_deduplication"], work["deduplication_scope"],
            work["throughput_limit"], work["sse"]) == (True, False, "messageGroup",
                                                       "perMessageGroupId", True)
    router = sam_model["functions"]["Router"]
    assert work["visibility_timeout"] >= 6 * router["timeout"]
    assert work["redrive"] == ("DeadLetterQueue", 5)
    for name in ("DeadLetterQueue", "ParkedQueue"):
        queue = sam_model["queues"][name]
        assert (queue["fifo"], queue["retention"], queue["sse"]) == (True, 14 * 24 * 3600, True)
    assert sam_model["rules"]["SignalRule"]["pattern"] == {
        "source": ["durable-lambda"], "detail-type": ["ActorSignal", "WorkflowCallback"]}
    assert sam_model["targets"][("SignalRule", "signal-forwarder")]["arn"] == "SignalForwarder"
    assert sam_model["event_sources"] == [{
        "queue": "WorkQueue", "function": "Router", "batch_size": 10,
        "response_types": ["ReportBatchItemFailures"], "max_concurrency": 50}]


def test_visibility_timeout_follows_every_router_timeout(expanded: dict[str, Any]) -> None:
    allowed = expanded["Parameters"]["RouterTimeoutSeconds"]["AllowedValues"]
    mapping = expanded["Mappings"]["RouterTimeouts"]
    assert sorted(mapping) == sorted(allowed)
    assert all(mapping[t]["VisibilityTimeout"] == 6 * int(t) for t in allowed)


def _contract_variables() -> set[str]:
    text = (ROOT / "docs" / "contracts.md").read_text()
    return set(re.findall(r"^\| `(DURABLE_[A-Z_]+)` \|", text, flags=re.M))


#: contract settings the fabric does not set: local only, or per user function (logs and
#: metrics keep the runtime's defaults; the dashboard's MetricsNamespace is that default)
NOT_FROM_THE_FABRIC = {"DURABLE_ENDPOINT_URL", "DURABLE_ACTOR_TYPE", "DURABLE_SYNC_WAIT_SECONDS",
                       "DURABLE_MAX_INVOCATION_ATTEMPTS",
                       "DURABLE_LOG_LEVEL", "DURABLE_METRICS", "DURABLE_METRICS_DIMENSIONS"}


def test_function_environment_matches_contracts_and_settings(sam_model: dict[str, Any]) -> None:
    """Every platform function gets every fabric setting; each is a DurableSettings field."""
    names = set(sam_model["functions"]["Router"]["environment"])
    assert names == _contract_variables() - NOT_FROM_THE_FABRIC
    fields = {f"DURABLE_{n.upper()}" for n in DurableSettings.model_fields}
    assert names <= fields, names - fields
    assert NOT_FROM_THE_FABRIC - {"DURABLE_ACTOR_TYPE"} <= fields
    assert all(set(f["environment"]) == names for f in sam_model["functions"].values())


def test_retention_parameter_matches_the_runtime_setting(expanded: dict[str, Any]) -> None:
    """ExecutionRetentionDays: the default and range of DURABLE_EXECUTION_RETENTION_DAYS."""
    parameter = expanded["Parameters"]["ExecutionRetentionDays"]
    field = DurableSettings.model_fields["execution_retention_days"]
    bounds = {type(m).__name__: m for m in field.metadata}
    assert (parameter["Default"], parameter["MinValue"], parameter["MaxValue"]) == (
        field.default, bounds["Ge"].ge, bounds["Le"].le)


def test_ssm_parameters_publish_what_a_user_function_needs(sam_model: dict[str, Any]) -> None:
    """/durable-lambda/<stage>/: layer, policy, prefix, counts, the settings as JSON and one
    parameter per setting, each the value the functions get."""
    ssm = sam_model["ssm"]
    settings = set(sam_model["functions"]["Router"]["environment"])
    assert set(ssm) == {f"/durable-lambda/dev/{n}" for n in (
        "layer-arn", "user-function-policy-arn", "user-function-prefix", "failed-events-queue-arn",
        "max-receive-count", "max-redrives", "environment")} | {
        f"/durable-lambda/dev/env/{n}" for n in settings}
    assert ssm["/durable-lambda/dev/layer-arn"] == "DurableLayer"
    assert ssm["/durable-lambda/dev/failed-events-queue-arn"] == "FailedEventsQueue"
    assert ssm["/durable-lambda/dev/user-function-policy-arn"] == "UserFunctionPolicy"
    assert (ssm["/durable-lambda/dev/user-function-prefix"], ssm["/durable-lambda/dev/max-receive-count"],
            ssm["/durable-lambda/dev/max-redrives"]) == ("durable-", "5", "3")
    assert ssm["/durable-lambda/dev/environment"] == tuple(sorted(settings))
    assert ssm["/durable-lambda/dev/env/DURABLE_TABLE"] == "ActorStateTable"
    assert ssm["/durable-lambda/dev/env/DURABLE_EXECUTION_RETENTION_DAYS"] == "14"


def test_user_functions_may_send_their_async_failure_records_to_failed_events(
        sam_model: dict[str, Any], tf_model: dict[str, Any]) -> None:
    """Lambda sends an on-failure destination record with the function's execution role: the
    user-function policy of both grants sqs:SendMessage on the failed-events queue, on it
    alone; the queue is a standard one (Lambda refuses FIFO destinations) encrypted with
    SSE-SQS (no KMS key the role would need kms:GenerateDataKey on); both publish its ARN."""
    for model in (sam_model, tf_model):
        policy = model["policies"]["UserFunctionPolicy"]
        assert policy["AsyncFailureDestination"] == (("sqs:SendMessage",), ("FailedEventsQueue",), ())
        granted = {s for s, (actions, resources, _) in policy.items() if "FailedEventsQueue" in resources}
        assert granted == {"AsyncFailureDestination"}
        assert not any(a.startswith("kms:") for actions, *_ in policy.values() for a in actions)
        queue = model["queues"]["FailedEventsQueue"]
        assert (queue["fifo"], queue["sse"]) == (None, True), queue
        assert model["ssm"]["/durable-lambda/dev/failed-events-queue-arn"] == "FailedEventsQueue"


def test_stateful_resources_have_explicit_deletion_policies(template: dict[str, Any]) -> None:
    """Tables and queues are retained (data, undelivered messages); log groups deleted."""
    expected = {"AWS::DynamoDB::Table": "Retain", "AWS::SQS::Queue": "Retain", "AWS::Logs::LogGroup": "Delete"}
    for name, resource in template["Resources"].items():
        if resource["Type"] in expected:
            policy = expected[resource["Type"]]
            assert (resource.get("DeletionPolicy"), resource.get("UpdateReplacePolicy")) == (policy, policy), name


def test_outputs_cover_every_user_setting_in_both(expanded: dict[str, Any], tf_parsed: dict[str, Any]) -> None:
    sam_outputs = set(expanded["Outputs"])
    described = {o.get("Description") for o in expanded["Outputs"].values()}
    assert _contract_variables() - NOT_FROM_THE_FABRIC <= described
    assert {"LayerArn", "RouterArn", "SchedulerRoleArn", "TimerForwarderArn", "UserFunctionPrefix",
            "UserFunctionEnvironment", "UserFunctionPolicyArn", "SsmParameterPath",
            "FailedEventsQueueArn"} <= sam_outputs
    assert {canonical.snake(o) for o in sam_outputs} <= canonical.tf_outputs(tf_parsed)


def test_local_fabric_constants_match_the_template(sam_model: dict[str, Any]) -> None:
    assert local_fabric.TABLE_KEYS == {
        "table": [k[::2] for k in sam_model["tables"]["ActorStateTable"]["keys"]],
        "locks_table": [k[::2] for k in sam_model["tables"]["LocksTable"]["keys"]],
        "workflow_table": [k[::2] for k in sam_model["tables"]["WorkflowTable"]["keys"]]}
    assert local_fabric.ROUTER_TIMEOUT_SECONDS == sam_model["functions"]["Router"]["timeout"]
    assert local_fabric.MAX_RECEIVE_COUNT == sam_model["queues"]["WorkQueue"]["redrive"][1]
    assert DurableSettings.model_fields["max_receive_count"].default == local_fabric.MAX_RECEIVE_COUNT


def test_local_fabric_deploys_the_template_shapes(fabric: Fabric, sam_model: dict[str, Any]) -> None:
    """The tables and queues deploy_fabric creates have the template's keys and attributes."""
    reader = deployed.Reader(fabric.endpoint_url, fabric.prefix)
    tables = deployed.tables(reader)
    for logical, shape in tables.items():
        expected = sam_model["tables"][logical]
        assert shape == {k: expected[k] for k in ("keys", "billing", "ttl", "sse")}, logical
    contract_queues = ("WorkQueue", "DeadLetterQueue", "ParkedQueue")
    local = deployed.queues(reader, contract_queues)
    for logical in contract_queues:
        expected = sam_model["queues"][logical]
        got = local[logical]
        assert got["FifoQueue"] == "true" and got["SqsManagedSseEnabled"] == "true", logical
        assert got["ContentBasedDeduplication"] == "false", logical
        if expected["deduplication_scope"]:
            assert got["DeduplicationScope"] == expected["deduplication_scope"]
            assert got["FifoThroughputLimit"] == expected["throughput_limit"]
        if expected["visibility_timeout"]:
            assert int(got["VisibilityTimeout"]) == expected["visibility_timeout"]
        if expected["retention"]:
            assert int(got["MessageRetentionPeriod"]) == expected["retention"]
        if expected["redrive"]:
            assert got["RedrivePolicy"] == ("arn:aws:sqs:us-east-1:123456789012:durable-STAGE-dlq.fifo",
                                            expected["redrive"][1])
    assert set(fabric.environment()) >= set(sam_model["functions"]["Router"]["environment"]) - {
        "DURABLE_MAX_RECEIVE_COUNT", "DURABLE_MAX_REDRIVES", "DURABLE_EXECUTION_RETENTION_DAYS",
        "DURABLE_METRICS_NAMESPACE"}  # the runtime's defaults (metrics are off outside Lambda)


def test_local_fabric_queues_equal_the_deployed_template(cfn_stack: Stack) -> None:
    """Same queue attributes, attribute by attribute, as the template deployed on moto."""
    from durable_lambda.testing.fabric import deploy_fabric

    local = deploy_fabric(cfn_stack.endpoint_url, prefix="durable-local")
    names = ("WorkQueue", "DeadLetterQueue", "ParkedQueue")
    assert deployed.queues(deployed.Reader(local.endpoint_url, "durable-local"), names) == \
        deployed.queues(deployed.Reader(cfn_stack.endpoint_url, cfn_stack.prefix), names)


def test_the_sam_snippet_in_docs_deploy_md_reads_what_the_stack_publishes(
        template: dict[str, Any], sam_model: dict[str, Any]) -> None:
    """docs/deploy.md's user template expands; its layer, policy and every setting come from
    the fabric's SSM parameters (no !ImportValue); it meets the timeout rule."""
    import json as json_module

    user = _deploy_md_template()
    assert "ImportValue" not in json_module.dumps(user)
    published = set(sam_model["ssm"])
    function = user["Resources"]["Counter"]["Properties"]
    parameters = user["Parameters"]
    for reference in (function["Layers"][0], function["Policies"][0]):
        parameter = parameters[reference["Ref"]]
        assert parameter["Type"] == "AWS::SSM::Parameter::Value<String>"
        assert parameter["Default"] in published
    assert parameters["DurableLayerArn"]["Default"] == "/durable-lambda/dev/layer-arn"
    variables = function["Environment"]["Variables"]
    settings = set(sam_model["functions"]["Router"]["environment"])
    assert set(variables) == settings | {"DURABLE_ACTOR_TYPE"}
    for name in settings:
        assert variables[name] == f"{{{{resolve:ssm:/durable-lambda/dev/env/{name}}}}}", name
        assert f"/durable-lambda/dev/env/{name}" in published
    assert function["Runtime"] == template["Parameters"]["PythonRuntime"]["Default"]
    assert function["Architectures"] == [template["Parameters"]["Architecture"]["Default"]]
    assert function["Timeout"] > 10 + 5 and function["MemorySize"] >= 256
    expanded = canonical.expand_template(user)
    assert expanded["Resources"]["Counter"]["Type"] == "AWS::Lambda::Function"


def test_async_invocation_attempts_are_what_the_runtime_counts_on(tmp_path: Any) -> None:
    """DURABLE_MAX_INVOCATION_ATTEMPTS = MaximumRetryAttempts + 1 of a durable function: in
    modules/durable_function (default, and one variable setting both), docs/deploy.md's SAM
    function, and the local Lambda (LocalLambda's async retries)."""
    from durable_lambda.testing.local_lambda import LocalLambda

    attempts = DurableSettings.model_fields["max_invocation_attempts"]
    bounds = {type(m).__name__: m for m in attempts.metadata}
    assert (attempts.default, bounds["Ge"].ge, bounds["Le"].le) == (3, 1, 3)  # Lambda: 0-2 retries
    module = ROOT / "terraform" / "modules" / "durable_function"
    fabric = {"layer_arn": "l", "user_function_policy_arn": "p", "user_function_prefix": "durable-",
              "user_function_environment": {}, "event_bus_name": "b", "failed_events_queue_arn": "q"}
    for given, retries, environment in ((None, attempts.default - 1, {}),
                                        (1, 0, {"DURABLE_MAX_INVOCATION_ATTEMPTS": "1"})):
        variables = {"fabric": fabric, "function_name": "durable-counter", "timeout": 30,
                     **({"max_invocation_attempts": given} if given else {})}
        parsed = canonical.load_terraform(module, variables, tmp_path)
        [config] = parsed["aws_lambda_function_event_invoke_config"]
        assert (config["function_name"], config["maximum_retry_attempts"]) == (
            "durable-counter", retries)
        [output] = [o for o in parsed["output"] if o["__tfmeta"]["label"] == "environment"]
        assert output["value"] == environment
    user = _deploy_md_template()
    assert user["Resources"]["Counter"]["Properties"]["EventInvokeConfig"][
        "MaximumRetryAttempts"] == attempts.default - 1
    [config] = [r["Properties"] for r in canonical.expand_template(user)["Resources"].values()
                if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    assert config["MaximumRetryAttempts"] == attempts.default - 1
    assert LocalLambda().async_retries == attempts.default - 1
    attach = ROOT / "layer" / "durable_lambda" / "cli" / "templates" / "attach"  # the CLI's
    assert f"MaximumRetryAttempts: {attempts.default - 1} " in (attach / "sam.yaml.j2").read_text()
    assert f"maximum_retry_attempts = {attempts.default - 1}\n" in (
        attach / "terraform.tf.j2").read_text()


def _on_failure(config: dict[str, Any]) -> Any:
    """The on-failure destination of a parsed aws_lambda_function_event_invoke_config."""
    blocks = config.get("destination_config") or []
    blocks = blocks if isinstance(blocks, list) else [blocks]
    found = [b["on_failure"] for b in blocks if b.get("on_failure")]
    found = [f[0] if isinstance(f, list) else f for f in found]
    return [f["destination"] for f in found]


def test_a_lost_async_invocation_lands_on_the_failed_events_queue(
        tmp_path: Any, sam_model: dict[str, Any]) -> None:
    """The on-failure destination of a durable function's asynchronous invocations is the
    fabric's failed-events queue: modules/durable_function (on by default, off with
    failure_destination = false, and a plan error without the ARN), docs/deploy.md's SAM
    function (the SSM parameter the fabric publishes, type SQS) and the attach CLI's snippets."""
    module = ROOT / "terraform" / "modules" / "durable_function"
    fabric = {"layer_arn": "l", "user_function_policy_arn": "p", "user_function_prefix": "durable-",
              "user_function_environment": {}, "event_bus_name": "b",
              "failed_events_queue_arn": "arn:aws:sqs:us-east-1:123456789012:durable-dev-failed-events"}
    for extra, destinations in (({}, [fabric["failed_events_queue_arn"]]),
                                ({"failure_destination": False}, [])):
        parsed = canonical.load_terraform(module, {"fabric": fabric, "function_name": "durable-counter",
                                                   "timeout": 30, **extra}, tmp_path)
        [config] = parsed["aws_lambda_function_event_invoke_config"]
        assert _on_failure(config) == destinations, extra
        if destinations:  # (tfparse leaves a null local unresolved)
            [output] = [o for o in parsed["output"]
                        if o["__tfmeta"]["label"] == "failure_destination_arn"]
            assert output["value"] == destinations[0]
    source = (module / "main.tf").read_text()
    assert "var.fabric.failed_events_queue_arn != null" in source  # the precondition
    fabric_outputs = (ROOT / "terraform" / "modules" / "durable_fabric" / "outputs.tf").read_text()
    fabric_object = fabric_outputs[fabric_outputs.index('output "fabric"'):]
    assert "failed_events_queue_arn   = aws_sqs_queue.failed_events.arn" in fabric_object

    user = _deploy_md_template()
    parameter = user["Parameters"]["DurableFailedEventsQueueArn"]
    assert parameter == {"Type": "AWS::SSM::Parameter::Value<String>",
                         "Default": "/durable-lambda/dev/failed-events-queue-arn"}
    assert parameter["Default"] in sam_model["ssm"]
    assert sam_model["ssm"][parameter["Default"]] == "FailedEventsQueue"
    assert user["Resources"]["Counter"]["Properties"]["EventInvokeConfig"]["DestinationConfig"] == {
        "OnFailure": {"Type": "SQS", "Destination": {"Ref": "DurableFailedEventsQueueArn"}}}
    [config] = [r["Properties"] for r in canonical.expand_template(user)["Resources"].values()
                if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    assert config["DestinationConfig"] == {  # the parameter, resolved to its default here
        "OnFailure": {"Destination": "/durable-lambda/dev/failed-events-queue-arn"}}

    from durable_lambda.cli import snippets

    values = snippets.Values.from_ssm("dev")
    sam = canonical.load_template_text(snippets.render("sam", "durable-dev-counter", values,
                                                       complete=True))
    assert sam["Parameters"]["DurableFailedEventsQueueArn"] == parameter
    assert sam["Resources"]["DurableDevCounter"]["Properties"]["EventInvokeConfig"][
        "DestinationConfig"] == user["Resources"]["Counter"]["Properties"]["EventInvokeConfig"][
        "DestinationConfig"]
    tf = snippets.render("terraform", "durable-dev-counter", values)
    assert 'name = "/durable-lambda/dev/failed-events-queue-arn"' in tf
    assert "on_failure {\n      destination = data.aws_ssm_parameter.durable_failed_events_queue_arn" \
        ".value\n" in tf


def _deploy_md_template() -> dict[str, Any]:
    """The user template of docs/deploy.md's SAM snippet."""
    import textwrap

    text = (ROOT / "docs" / "deploy.md").read_text()
    snippet = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert snippet, "no yaml snippet in docs/deploy.md"
    return canonical.load_template_text(textwrap.dedent(snippet.group(1)))
