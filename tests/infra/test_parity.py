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
            "permissions", "event_sources", "layer", "schedule_groups"]


@pytest.mark.parametrize("section", SECTIONS)
def test_template_and_terraform_describe_the_same_fabric(
        section: str, sam_model: dict[str, Any], tf_model: dict[str, Any]) -> None:
    assert sam_model[section], f"{section}: nothing found in template.yaml"
    assert tf_model[section] == sam_model[section]


def test_every_function_role_grants_exactly_the_same_actions(
        sam_model: dict[str, Any], tf_model: dict[str, Any]) -> None:
    roles = {f"{f}Role" for f in canonical.FUNCTIONS.values()} | {"SchedulerRole", "UserFunctionPolicy"}
    assert set(sam_model["policies"]) == roles
    for role in roles:
        sam_actions = {a for actions, *_ in sam_model["policies"][role].values() for a in actions}
        tf_actions = {a for actions, *_ in tf_model["policies"][role].values() for a in actions}
        assert sam_actions and tf_actions == sam_actions, role
        assert not any(a.endswith("*") for a in sam_actions), f"{role}: wildcard action"


def test_no_resource_wildcards_beyond_the_scoped_ones(sam_model: dict[str, Any]) -> None:
    for role, statements in sam_model["policies"].items():
        for sid, (_, resources, _) in statements.items():
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


def test_function_environment_matches_contracts_and_settings(sam_model: dict[str, Any]) -> None:
    """Every platform function gets every fabric setting; each is a DurableSettings field."""
    local_only = {"DURABLE_ENDPOINT_URL", "DURABLE_ACTOR_TYPE"}
    names = set(sam_model["functions"]["Router"]["environment"])
    assert names == _contract_variables() - local_only
    fields = {f"DURABLE_{n.upper()}" for n in DurableSettings.model_fields}
    assert names <= fields, names - fields
    assert all(set(f["environment"]) == names for f in sam_model["functions"].values())


def test_outputs_cover_every_user_setting_in_both(expanded: dict[str, Any], tf_parsed: dict[str, Any]) -> None:
    sam_outputs = set(expanded["Outputs"])
    described = {o.get("Description") for o in expanded["Outputs"].values()}
    assert _contract_variables() - {"DURABLE_ENDPOINT_URL", "DURABLE_ACTOR_TYPE",
                                    "DURABLE_MAX_RECEIVE_COUNT", "DURABLE_MAX_REDRIVES"} <= described
    assert {"LayerArn", "RouterArn", "SchedulerRoleArn", "TimerForwarderArn",
            "UserFunctionEnvironment", "UserFunctionPolicyArn"} <= sam_outputs
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
        "DURABLE_MAX_RECEIVE_COUNT", "DURABLE_MAX_REDRIVES"}


def test_local_fabric_queues_equal_the_deployed_template(cfn_stack: Stack) -> None:
    """Same queue attributes, attribute by attribute, as the template deployed on moto."""
    from durable_lambda.testing.fabric import deploy_fabric

    local = deploy_fabric(cfn_stack.endpoint_url, prefix="durable-local")
    names = ("WorkQueue", "DeadLetterQueue", "ParkedQueue")
    assert deployed.queues(deployed.Reader(local.endpoint_url, "durable-local"), names) == \
        deployed.queues(deployed.Reader(cfn_stack.endpoint_url, cfn_stack.prefix), names)


def test_the_sam_snippet_in_docs_deploy_md_imports_what_the_stack_exports(
        template: dict[str, Any]) -> None:
    """docs/deploy.md's user-function snippet expands, and sets every setting from an export."""
    import textwrap

    text = (ROOT / "docs" / "deploy.md").read_text()
    snippet = re.search(r"```yaml\n(.*?)```", text, flags=re.S)
    assert snippet, "no yaml snippet in docs/deploy.md"
    user = canonical.load_template_text(
        "Transform: AWS::Serverless-2016-10-31\nResources:\n" + textwrap.indent(
            textwrap.dedent(snippet.group(1)), "  "))
    function = user["Resources"]["Counter"]["Properties"]
    imports = [v["Fn::ImportValue"] for v in function["Environment"]["Variables"].values()
               if isinstance(v, dict)]
    imports += [function["Layers"][0]["Fn::ImportValue"], function["Policies"][0]["Fn::ImportValue"]]
    exported = {k for k, o in template["Outputs"].items() if "Export" in o}
    assert {name.removeprefix("durable-lambda-dev-") for name in imports} <= exported
    settings = set(function["Environment"]["Variables"])
    assert settings == set(canonical.sam_model(canonical.expand_template(template))[
        "functions"]["Router"]["environment"]) | {"DURABLE_ACTOR_TYPE"}
    expanded = canonical.expand_template(user)
    assert expanded["Resources"]["Counter"]["Type"] == "AWS::Lambda::Function"
