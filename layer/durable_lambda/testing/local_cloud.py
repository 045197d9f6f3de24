"""Everything a local run needs in one object: moto server, fabric, functions, pumps.

    with LocalCloud.start() as cloud:
        cloud.register("counter", counter_handler)
        ActorClient("counter").send("a", {})
        cloud.run_until_idle()

``run_until_idle`` plays the parts AWS plays: the SQS event source mapping of the router
(``SqsPoller``), EventBridge Scheduler (``SchedulerPump`` on a manual clock: ``advance``
skips time) and the bus's signal rule (``EventPump``). Bounded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional

from durable_lambda.platform import router
from durable_lambda.testing.event_pump import EventPump
from durable_lambda.testing.fabric import Fabric, deploy_fabric
from durable_lambda.testing.local_aws import LocalAws, configure_environment, start_local_aws
from durable_lambda.testing.local_lambda import LocalLambda
from durable_lambda.testing.scheduler_pump import ManualClock, SchedulerPump
from durable_lambda.testing.sqs_poller import SqsPoller


@dataclass
class LocalCloud:
    """A local AWS with the durable fabric deployed and the router wired to the work queue."""

    aws: LocalAws
    fabric: Fabric
    functions: LocalLambda
    poller: SqsPoller
    clock: ManualClock
    scheduler: SchedulerPump
    events: EventPump
    owns_server: bool = True

    @classmethod
    def start(cls, server: Optional[LocalAws] = None, prefix: str = "durable") -> "LocalCloud":
        """Start moto (unless ``server`` is given), deploy the fabric, install local Lambda."""
        owns = server is None
        server = server or start_local_aws()
        configure_environment(server.endpoint_url)
        fabric = deploy_fabric(server.endpoint_url, prefix=prefix)
        fabric.activate()
        functions = LocalLambda().install()
        functions.register("durable-router", router.handler)
        poller = SqsPoller(fabric.queue, router.handler, endpoint_url=server.endpoint_url,
                           function_name="durable-router")
        clock = ManualClock()
        scheduler = SchedulerPump(now=clock, endpoint_url=server.endpoint_url)
        return cls(server, fabric, functions, poller, clock, scheduler,
                   EventPump(endpoint_url=server.endpoint_url), owns_server=owns)

    def register(self, name: str, handler: Callable[[Any, Any], Any]) -> None:
        """Make ``handler`` invocable as Lambda function ``name``."""
        self.functions.register(name, handler)

    def register_durable(self, *durable_functions: Any) -> None:
        """Register ``@durable_execution`` functions under their names, hosted on the fabric
        with this cloud's clock, so ``advance`` skips their waits too."""
        from durable_lambda.workflows.dynamodb import DynamoDBStore
        from durable_lambda.workflows.hosting import LambdaHost

        host = LambdaHost(DynamoDBStore(clock=lambda: int(self.clock() * 1000)))
        for function in durable_functions:
            function.host = host
            self.register(function.name, function)

    def run_until_idle(self, max_rounds: int = 200) -> int:
        """Deliver signals, fire due timers, drain the work queue until nothing moves."""
        total = 0
        for _ in range(max_rounds):
            moved = (self.events.drain() + self.scheduler.fire_due()
                     + self.poller.drain(idle_polls=1))
            self.functions.wait_background()
            total += moved
            if not moved:
                break
        return total

    def advance(self, seconds: float) -> int:
        """Skip ``seconds`` of scheduler time, then run until idle."""
        self.clock.advance(seconds)
        return self.run_until_idle()

    def stop(self) -> None:
        self.functions.wait_background()
        self.functions.uninstall()
        if self.owns_server:
            self.aws.stop()

    def __enter__(self) -> "LocalCloud":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
