"""Where the fabric is: its settings (``DURABLE_*``) from a deployed stack, SSM or the environment.

Sources, first match wins, each overriding the process environment it finds:

* ``--local``: the running ``durable-lambda local up`` (its state file: endpoint, settings);
* ``--stack NAME``: the CloudFormation stack's outputs (``UserFunctionEnvironment``, ``LayerArn``,
  ``UserFunctionPolicyArn``, ``UserFunctionPrefix``, ``FailedEventsQueueArn``, ``RouterName``,
  ``DlqRedriverArn``) —
  1 DescribeStacks;
* ``--stage NAME`` / ``--ssm-path PATH``: the SSM parameters the stack publishes under
  ``/durable-lambda/<stage>/`` (``environment``, ``env/<VARIABLE>``, ``layer-arn``,
  ``user-function-policy-arn``, ``user-function-prefix``, ``failed-events-queue-arn``) —
  1 GetParametersByPath per 10;
* otherwise the ``DURABLE_*`` environment variables as they are.

``--endpoint-url`` (or ``DURABLE_ENDPOINT_URL``) points every client at another endpoint
(the local AWS); ``--region`` picks the region. Real AWS uses boto3's usual credentials.
"""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from durable_lambda.cli.errors import CONFIGURATION, NOT_FOUND, CliError

#: default location of ``local up``'s state file (``DURABLE_LOCAL_STATE`` overrides it)
STATE_FILE = Path.home() / ".cache" / "durable-lambda" / "local-up.json"
SSM_ROOT = "/durable-lambda"
#: CloudFormation output -> setting, for stacks without UserFunctionEnvironment
OUTPUT_SETTINGS = {
    "ActorStateTableName": "DURABLE_TABLE", "LocksTableName": "DURABLE_LOCKS_TABLE",
    "WorkflowTableName": "DURABLE_WORKFLOW_TABLE", "WorkQueueUrl": "DURABLE_QUEUE",
    "DeadLetterQueueUrl": "DURABLE_DLQ", "ParkedQueueUrl": "DURABLE_PARKED_QUEUE",
    "EventBusName": "DURABLE_BUS_NAME", "ScheduleGroupName": "DURABLE_SCHEDULE_GROUP",
    "SchedulerRoleArn": "DURABLE_SCHEDULER_ROLE_ARN",
    "TimerForwarderArn": "DURABLE_TIMER_TARGET_ARN",
    "MaxReceiveCount": "DURABLE_MAX_RECEIVE_COUNT", "MaxRedrives": "DURABLE_MAX_REDRIVES",
}


@dataclass
class Connection:
    """The fabric the commands work on."""

    source: str
    environment: dict[str, str] = field(default_factory=dict)
    layer_arn: Optional[str] = None
    policy_arn: Optional[str] = None
    function_prefix: Optional[str] = None
    #: on-failure destination of user functions' asynchronous invocations
    failed_events_queue_arn: Optional[str] = None
    router_name: Optional[str] = None
    redriver_name: Optional[str] = None

    def require(self, what: str, value: Optional[str]) -> str:
        if not value:
            raise CliError(f"{what} is not known from {self.source}: use --stack or --stage "
                           "(the deployed stack publishes it)", CONFIGURATION)
        return value


def state_file() -> Path:
    return Path(os.environ.get("DURABLE_LOCAL_STATE") or STATE_FILE)


def connect(args: Any) -> Connection:
    """Resolve the fabric for ``args`` and make it this process's settings."""
    region = getattr(args, "region", None)
    if region:
        os.environ["AWS_REGION"] = os.environ["AWS_DEFAULT_REGION"] = region
    if getattr(args, "local", False):
        connection = from_local_state()
    else:
        endpoint = getattr(args, "endpoint_url", None) or os.environ.get("DURABLE_ENDPOINT_URL")
        if getattr(args, "stack", None):
            connection = from_stack(args.stack, endpoint)
        elif getattr(args, "stage", None) or getattr(args, "ssm_path", None):
            path = args.ssm_path or f"{SSM_ROOT}/{args.stage}"
            connection = from_ssm(path, endpoint)
        else:
            connection = Connection("the DURABLE_* environment")
        if endpoint:
            connection.environment["DURABLE_ENDPOINT_URL"] = endpoint
    activate(connection)
    return connection


def activate(connection: Connection) -> None:
    """Export the connection's settings into this process (settings and clients re-read)."""
    from durable_lambda.core.aws import reset_clients
    from durable_lambda.core.settings import reset_settings

    os.environ.update(connection.environment)
    reset_settings()
    reset_clients()


def _client(service: str, endpoint: Optional[str]) -> Any:
    import boto3

    return boto3.session.Session().client(service, endpoint_url=endpoint or None)


def from_stack(stack: str, endpoint: Optional[str] = None) -> Connection:
    """The settings of a deployed stack, from its outputs (1 DescribeStacks)."""
    try:
        stacks = _client("cloudformation", endpoint).describe_stacks(StackName=stack)["Stacks"]
    except Exception as exc:
        if "does not exist" in str(exc):
            raise CliError(f"stack {stack!r} does not exist in this account/region",
                           NOT_FOUND) from None
        raise
    outputs = {o["OutputKey"]: o.get("OutputValue", "") for o in stacks[0].get("Outputs", [])}
    environment = {setting: outputs[key] for key, setting in OUTPUT_SETTINGS.items()
                   if outputs.get(key)}
    if outputs.get("UserFunctionEnvironment"):
        environment.update(_json_object(outputs["UserFunctionEnvironment"],
                                        f"output UserFunctionEnvironment of stack {stack!r}"))
    if not environment:
        raise CliError(f"stack {stack!r} has none of durable-lambda's outputs "
                       "(UserFunctionEnvironment, WorkQueueUrl, ...): is it the fabric's stack?",
                       CONFIGURATION)
    return Connection(f"stack {stack}", environment, layer_arn=outputs.get("LayerArn"),
                      policy_arn=outputs.get("UserFunctionPolicyArn"),
                      function_prefix=outputs.get("UserFunctionPrefix"),
                      failed_events_queue_arn=outputs.get("FailedEventsQueueArn"),
                      router_name=outputs.get("RouterName"),
                      redriver_name=_function_name(outputs.get("DlqRedriverArn")))


def from_ssm(path: str, endpoint: Optional[str] = None) -> Connection:
    """The settings published under ``path`` (``/durable-lambda/<stage>``)."""
    path = "/" + path.strip("/")
    ssm = _client("ssm", endpoint)
    params: dict[str, str] = {}
    request: dict[str, Any] = {"Path": path + "/", "Recursive": True, "WithDecryption": True}
    for _ in range(100):  # bounded: 10 parameters per page
        page = ssm.get_parameters_by_path(**request)
        for item in page.get("Parameters", []):
            params[item["Name"][len(path) + 1:]] = item["Value"]
        if not page.get("NextToken"):
            break
        request["NextToken"] = page["NextToken"]
    if not params:
        raise CliError(f"no SSM parameters under {path}/ (is the stage right? the stack "
                       "publishes them when its SsmParameters are on)", NOT_FOUND)
    environment = {name[len("env/"):]: value for name, value in params.items()
                   if name.startswith("env/")}
    if params.get("environment"):
        environment = {**_json_object(params["environment"], f"SSM {path}/environment"),
                       **environment}
    return Connection(f"SSM {path}/", environment, layer_arn=params.get("layer-arn"),
                      policy_arn=params.get("user-function-policy-arn"),
                      function_prefix=params.get("user-function-prefix"),
                      failed_events_queue_arn=params.get("failed-events-queue-arn"))


def from_local_state() -> Connection:
    """The running ``local up``'s endpoint and settings (with its dummy credentials)."""
    path = state_file()
    try:
        state = json.loads(path.read_text())
    except FileNotFoundError:
        raise CliError(f"no local AWS running ({path} not found): start one with "
                       "`durable-lambda local up`", CONFIGURATION) from None
    except ValueError as exc:
        raise CliError(f"{path} is not valid JSON: {exc}", CONFIGURATION) from None
    pid = state.get("pid")
    if not isinstance(pid, int) or not _alive(pid):
        raise CliError(f"the local AWS recorded in {path} (pid {pid}) is not running: start "
                       "one with `durable-lambda local up`", CONFIGURATION)
    from durable_lambda.testing.local_aws import configure_environment

    configure_environment(state["endpoint"])
    return Connection(f"local up at {state['endpoint']}", dict(state["environment"]),
                      function_prefix="", router_name=state.get("router"),
                      redriver_name=state.get("redriver"))


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _json_object(text: str, what: str) -> dict[str, str]:
    try:
        value = json.loads(text)
    except ValueError as exc:
        raise CliError(f"{what} is not JSON: {exc}", CONFIGURATION) from None
    if not isinstance(value, dict):
        raise CliError(f"{what} is not a JSON object", CONFIGURATION)
    return {str(k): str(v) for k, v in value.items()}


def _function_name(arn: Optional[str]) -> Optional[str]:
    if not arn:
        return None
    parts = arn.split(":")
    return parts[6] if len(parts) > 6 and parts[5] == "function" else arn
