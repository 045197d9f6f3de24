"""moto server whose requests are applied one at a time, as DynamoDB applies conditional writes.

moto's threaded server runs requests concurrently without locking its backends: two
conditional UpdateItems racing on one item can both succeed (observed here), which real
DynamoDB never allows. Concurrency tests must exercise our code, not moto's races, so the
local AWS runs moto behind a lock. Each request is fully materialized inside the lock.

    python -m durable_lambda.testing.serial_moto -H 127.0.0.1 -p 5000
"""
from __future__ import annotations

import argparse
import os
import threading
from collections.abc import Callable, Iterable
from typing import Any

StartResponse = Callable[..., Any]


class SerializedApp:
    """WSGI wrapper: one request inside the wrapped app at a time."""

    def __init__(self, app: Callable[[dict[str, Any], StartResponse], Iterable[bytes]]) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> list[bytes]:
        captured: list[tuple[Any, ...]] = []
        body: list[bytes] = []

        def capture(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            captured.append((status, headers, exc_info))
            return body.append

        with self.lock:
            result = self.app(environ, capture)
            try:
                body.extend(result)
            finally:
                close = getattr(result, "close", None)
                if close:
                    close()
        status, headers, exc_info = captured[0]
        start_response(status, headers, exc_info)
        return body


def main() -> None:
    from moto.moto_server.threaded_moto_server import MotoRequestHandler
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import run_simple

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    args = parser.parse_args()
    os.environ.setdefault("MOTO_PORT", str(args.port))
    app = DomainDispatcherApplication(create_backend_app)
    run_simple(args.host, args.port, SerializedApp(app), threaded=True,
               request_handler=MotoRequestHandler)


if __name__ == "__main__":
    main()
