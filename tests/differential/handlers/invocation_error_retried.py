"""An InvocationError (RetryableSerDesError) escaping the handler: the invocation fails and is
retried (the execution stays RUNNING); the checkpointed step is replayed, not re-run.

``event["fail_times"]`` invocations fail before one succeeds; with more failures than the retry
budget the execution fails with the last error."""
from aws_durable_execution_sdk_python import DurableContext, RetryableSerDesError, durable_execution

CALLS = {"step": 0, "invocations": 0}


def charge(_):
    CALLS["step"] += 1
    return 42


@durable_execution
def handler(event, context: DurableContext):
    amount = context.step(charge, name="charge")
    CALLS["invocations"] += 1
    if CALLS["invocations"] <= event["fail_times"]:
        raise RetryableSerDesError(f"transient decode failure {CALLS['invocations']}")
    return {"amount": amount, "invocations": CALLS["invocations"], "step_runs": CALLS["step"]}
