"""context.logger (replay-safe: nothing is logged twice), step_context.logger, the child's logger,
context.logger.get_logger() (the underlying logger: not replay-aware), and the log extras."""
import logging

from aws_durable_execution_sdk_python import DurableContext, durable_execution
from aws_durable_execution_sdk_python.config import Duration

_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_SHOWN = {"operationName", "attempt"}  # values compared; other extras by key only
RECORDS = []


class _Capture(logging.Handler):
    def emit(self, record):
        message = record.getMessage()
        if message.startswith("WF:"):
            extras = {key: (value if key in _SHOWN else "<set>")
                      for key, value in vars(record).items() if key not in _STANDARD}
            RECORDS.append([record.levelname, message, extras])


_CAPTURE = _Capture()
_ROOT = logging.getLogger()
_LEVEL = _ROOT.level
_ROOT.addHandler(_CAPTURE)
_ROOT.setLevel(logging.INFO)


def collect():
    """Detach the capture (called by the test after the run) and return what was logged."""
    _ROOT.removeHandler(_CAPTURE)
    _ROOT.setLevel(_LEVEL)
    return RECORDS


def work(step_context):
    step_context.logger.info("WF: inside the step")
    return 1


@durable_execution
def handler(event, context: DurableContext):
    context.logger.info("WF: started for %s", event["who"])
    try:
        underlying = context.logger.get_logger()
    except AttributeError as error:  # recorded so the rest of the run is still compared
        underlying = None
        context.step(lambda _: f"no get_logger: {error}", name="get-logger-missing")
    if underlying is not None:
        underlying.info("WF: via get_logger before the wait")
    context.step(work, name="work")
    context.wait(Duration.from_seconds(1), name="nap")
    context.logger.warning("WF: after the wait", extra={"orderId": "o-9"})
    context.run_in_child_context(lambda child: child.logger.info("WF: in the child"), name="sub")
    return "logged"
