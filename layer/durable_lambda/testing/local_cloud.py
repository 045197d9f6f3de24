"""Everything a local run needs in one object: moto server, fabric, functions, pumps.

    with LocalCloud.start() as cloud:
        cloud.register("counter", counter_handler)
        ActorClient("counter").send("a", {})
        cloud.run_until_idle()

``run_until_idle`` plays the parts AWS plays: the SQS event source mapping of the router
(``SqsPoller``) and, where present, the scheduler and EventBridge pumps. Bounded.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from .. import router
from .fabric import Fabric, deploy_fabric
from .local_aws import LocalAws, configure_environment, start_local_aws
from .local_lambda import LocalLambda
from .sqs_poller import SqsPoller

Pump = Callable[[], int]


@dataclass
class LocalCloud:
    """A local AWS with the durable fabric deployed and the router wired to the work queue."""

    aws: LocalAws
    fabric: Fabric
    functions: LocalLambda
    poller: SqsPoller
    pumps: list[Pump] = field(default_factory=list)
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
        return cls(server, fabric, functions, poller, owns_server=owns)

    def register(self, name: str, handler: Callable[[Any, Any], Any]) -> None:
        """Make ``handler`` invocable as Lambda function ``name``."""
        self.functions.register(name, handler)

    def add_pump(self, pump: Pump) -> None:
        """Add a step run by ``run_until_idle`` (returns how much work it did)."""
        self.pumps.append(pump)

    def run_until_idle(self, max_rounds: int = 200) -> int:
        """Drain the work queue and run the pumps until nothing moves; returns work done."""
        total = 0
        for _ in range(max_rounds):
            moved = self.poller.drain(idle_polls=1) + sum(pump() for pump in self.pumps)
            self.functions.wait_background()
            total += moved
            if not moved:
                break
        return total

    def stop(self) -> None:
        self.functions.wait_background()
        self.functions.uninstall()
        if self.owns_server:
            self.aws.stop()

    def __enter__(self) -> "LocalCloud":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
