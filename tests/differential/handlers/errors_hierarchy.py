"""The SDK's error classes: importable names, class hierarchy, the fields they carry."""
from aws_durable_execution_sdk_python import (
    BatchCompletionError, CallbackError, CallbackExternalError, CallbackSubmitterError,
    CallbackTimeoutError, ChildContextError, DurableContext, DurableExecutionsError,
    DurableOperationError, ExecutionError, InvocationError, InvokeError, PluginLoadError,
    RetryableSerDesError, SerDesError, StepError, ValidationError, WaitForConditionError,
    durable_execution)
from aws_durable_execution_sdk_python.exceptions import (
    NonDeterministicExecutionError, StepInterruptedError, SuspendExecution)

CLASSES = [BatchCompletionError, CallbackError, CallbackExternalError, CallbackSubmitterError,
           CallbackTimeoutError, ChildContextError, DurableExecutionsError, DurableOperationError,
           ExecutionError, InvocationError, InvokeError, PluginLoadError, RetryableSerDesError,
           SerDesError, StepError, ValidationError, WaitForConditionError,
           NonDeterministicExecutionError, StepInterruptedError, SuspendExecution]


@durable_execution
def handler(event, context: DurableContext):
    hierarchy = {cls.__name__: [base.__name__ for base in cls.__mro__[1:]] for cls in CLASSES}
    plain = StepError("card declined")
    typed = InvokeError(message="timeout", error_type="TimeoutError", data='{"s": 3}')
    return {"hierarchy": hierarchy,
            "default_error_type": plain.error_type,
            "fields": [typed.message, typed.error_type, typed.data, typed.stack_trace]}
