"""SAM and Terraform snippets that attach a function to the fabric: layer, settings, policy.

Two ways to name the fabric's values:

* ``Values.from_connection`` — the deployed stack's real values (``attach --stack``): the
  layer ARN, policy ARN and every setting as literals;
* ``Values.from_ssm(stage)`` — references to the SSM parameters the stack publishes
  (``/durable-lambda/<stage>/...``), so the function's stack never imports the fabric's
  exports and both update independently (what ``init`` writes without ``--stack``).

Rendered from the jinja2 templates in ``durable_lambda/cli/templates/attach``.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any, Optional

from durable_lambda.cli.connect import SSM_ROOT, Connection

#: the settings a user function reads (docs/contracts.md), in this order
FUNCTION_SETTINGS = (
    "DURABLE_TABLE", "DURABLE_LOCKS_TABLE", "DURABLE_WORKFLOW_TABLE", "DURABLE_QUEUE",
    "DURABLE_DLQ", "DURABLE_PARKED_QUEUE", "DURABLE_BUS_NAME", "DURABLE_SCHEDULE_GROUP",
    "DURABLE_SCHEDULER_ROLE_ARN", "DURABLE_TIMER_TARGET_ARN", "DURABLE_MAX_RECEIVE_COUNT",
    "DURABLE_MAX_REDRIVES", "DURABLE_EXECUTION_RETENTION_DAYS", "DURABLE_METRICS_NAMESPACE")
FORMATS = ("sam", "terraform")
DEFAULT_TIMEOUT = 30
DEFAULT_MEMORY = 256


@dataclass
class Values:
    """The fabric's values as SAM and Terraform expressions."""

    sam_layer: str
    sam_policy: str
    sam_environment: list[tuple[str, str]]
    tf_layer: str
    tf_policy: str
    tf_environment: list[tuple[str, str]] = field(default_factory=list)
    tf_environment_expression: Optional[str] = None
    sam_parameters: list[tuple[str, str]] = field(default_factory=list)
    tf_parameters: list[tuple[str, str]] = field(default_factory=list)
    #: the failed-events queue, on-failure destination of the function's asynchronous
    #: invocations (None: the fabric does not publish it, the snippet has no destination)
    sam_failure_destination: Optional[str] = None
    tf_failure_destination: Optional[str] = None
    prefix: Optional[str] = None
    source: str = ""

    @classmethod
    def from_connection(cls, connection: Connection) -> "Values":
        layer = connection.require("the layer ARN (output LayerArn)", connection.layer_arn)
        policy = connection.require("the user function policy (output UserFunctionPolicyArn)",
                                    connection.policy_arn)
        env = connection.environment
        failed_events = connection.failed_events_queue_arn
        keys = [k for k in FUNCTION_SETTINGS if env.get(k)] + sorted(
            k for k in env if k.startswith("DURABLE_") and k not in FUNCTION_SETTINGS
            and k != "DURABLE_ENDPOINT_URL")
        return cls(sam_layer=_yaml(layer), sam_policy=_yaml(policy),
                   sam_environment=[(k, _yaml(env[k])) for k in keys],
                   tf_layer=json.dumps(layer), tf_policy=json.dumps(policy),
                   tf_environment=[(k, json.dumps(env[k])) for k in keys],
                   sam_failure_destination=_yaml(failed_events) if failed_events else None,
                   tf_failure_destination=json.dumps(failed_events) if failed_events else None,
                   prefix=connection.function_prefix, source=connection.source)

    @classmethod
    def from_ssm(cls, stage: str) -> "Values":
        path = f"{SSM_ROOT}/{stage}"
        return cls(
            sam_layer="!Ref DurableLayerArn", sam_policy="!Ref DurablePolicyArn",
            sam_environment=[(k, f"'{{{{resolve:ssm:{path}/env/{k}}}}}'")
                             for k in FUNCTION_SETTINGS],
            sam_parameters=[("DurableLayerArn", f"{path}/layer-arn"),
                            ("DurablePolicyArn", f"{path}/user-function-policy-arn"),
                            ("DurableFailedEventsQueueArn", f"{path}/failed-events-queue-arn")],
            sam_failure_destination="!Ref DurableFailedEventsQueueArn",
            tf_layer="data.aws_ssm_parameter.durable_layer_arn.value",
            tf_policy="data.aws_ssm_parameter.durable_policy_arn.value",
            tf_environment_expression="jsondecode(data.aws_ssm_parameter.durable_environment"
                                      ".value)",
            tf_parameters=[("durable_layer_arn", f"{path}/layer-arn"),
                           ("durable_policy_arn", f"{path}/user-function-policy-arn"),
                           ("durable_failed_events_queue_arn",
                            f"{path}/failed-events-queue-arn"),
                           ("durable_environment", f"{path}/environment")],
            tf_failure_destination="data.aws_ssm_parameter.durable_failed_events_queue_arn.value",
            source=f"SSM parameters under {path}/")


def _yaml(value: str) -> str:
    """A YAML string scalar for ``value``: double-quoted, so ``5`` or ``true`` stay strings
    (Lambda environment values are strings)."""
    return json.dumps(value)


def render(fmt: str, function_name: str, values: Values, *, code_uri: str = ".",
           runtime: str = "python3.12", architecture: str = "x86_64",
           timeout: int = DEFAULT_TIMEOUT, memory: int = DEFAULT_MEMORY,
           comment: Optional[str] = None, complete: bool = False) -> str:
    """The ``fmt`` (sam | terraform) snippet for ``function_name``; ``complete``: a whole SAM
    template (Transform, Parameters, Resources), else the function resource to merge."""
    import jinja2

    env = jinja2.Environment(loader=jinja2.PackageLoader("durable_lambda.cli", "templates"),
                             keep_trailing_newline=True, autoescape=False,
                             undefined=jinja2.StrictUndefined)
    context: dict[str, Any] = {
        "function_name": function_name, "code_uri": code_uri, "runtime": runtime,
        "architecture": architecture, "timeout": timeout, "memory": memory,
        "comment": comment, "complete": complete, "logical_id": _logical_id(function_name),
        "resource_name": re.sub(r"[^A-Za-z0-9_]", "_", function_name)}
    if fmt == "sam":
        context.update(layer=values.sam_layer, policy=values.sam_policy,
                       environment=values.sam_environment, parameters=values.sam_parameters,
                       failure_destination=values.sam_failure_destination)
        return env.get_template("attach/sam.yaml.j2").render(context)
    context.update(layer=values.tf_layer, policy=values.tf_policy,
                   environment=values.tf_environment, parameters=values.tf_parameters,
                   environment_expression=values.tf_environment_expression,
                   failure_destination=values.tf_failure_destination)
    return env.get_template("attach/terraform.tf.j2").render(context)


def _logical_id(function_name: str) -> str:
    words = re.split(r"[^A-Za-z0-9]+", function_name)
    return "".join(w[:1].upper() + w[1:] for w in words if w) or "DurableFunction"


def destination_warning(values: Values) -> Optional[str]:
    """Why the snippet has no on-failure destination, if it has none."""
    if values.sam_failure_destination is None:
        return (f"{values.source} names no failed-events queue (output FailedEventsQueueArn, "
                "SSM failed-events-queue-arn; deploy the current fabric): the snippet has no "
                "on-failure destination, so an asynchronous start whose last attempt dies is "
                "dropped and its execution stays RUNNING")
    return None


def prefix_warning(function_name: str, prefix: Optional[str]) -> Optional[str]:
    """Why the router will not invoke ``function_name``, if it will not."""
    if prefix and not function_name.startswith(prefix):
        return (f"the router invokes only functions named {prefix}*; name the function "
                f"{prefix}{function_name} (or deploy the fabric with another UserFunctionPrefix)")
    return None
