"""Each RetryPresets strategy (input selects it): a step that fails twice, then succeeds."""
from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import StepConfig
from aws_durable_execution_sdk_python.retries import RetryPresets

CALLS = {}


@durable_execution
def handler(event, context: DurableContext):
    preset = event["preset"]
    strategy = RetryPresets.fixed() if preset == "fixed" else getattr(RetryPresets, preset)()

    calls = CALLS.setdefault(preset, [])

    def flaky(step_context):  # counts its own calls (StepContext.attempt is tested elsewhere)
        calls.append(1)
        if len(calls) < 3:
            raise RuntimeError(f"transient failure {len(calls)}")
        return f"ok on {len(calls)}"

    try:
        return context.step(flaky, name=f"with-{preset}", config=StepConfig(retry_strategy=strategy))
    except Exception as error:  # noqa: BLE001
        return [type(error).__name__, getattr(error, "error_type", None),
                getattr(error, "message", str(error))]
