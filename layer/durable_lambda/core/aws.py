"""AWS (botocore) clients shared by the runtime, created lazily and counted per operation."""
from __future__ import annotations

import threading
from collections import Counter
from typing import Any, Optional

from durable_lambda.core import snapstart
from durable_lambda.core.settings import get_settings

_lock = threading.Lock()
_clients: dict[str, Any] = {}
#: one botocore session for every client: loaded once (endpoints, defaults, credentials), a
#: second service's client costs a fraction of the first (used under ``_lock`` only)
_session: Any = None
#: Calls made by this process, keyed "service.Operation" — the user's bill (see scripts/bench_*).
call_counter: Counter[str] = Counter()


def count_call(params: Any, model: Any, **_: Any) -> None:
    """botocore 'before-call' hook: add one to ``call_counter`` for this operation."""
    call_counter[f"{model.service_model.service_name}.{model.name}"] += 1


def client(service: str) -> Any:
    """Return the process-wide boto3 client for ``service`` (thread-safe, cached per
    service, region and endpoint, so a change of settings gets a fresh client)."""
    global _session
    settings = get_settings()
    key = f"{service}|{settings.region}|{settings.endpoint_url}"
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            # botocore directly: a boto3 Session would also import boto3's resources and
            # s3transfer, which no call here needs (scripts/bench_cold_start.py)
            import botocore.session
            from botocore.config import Config

            if _session is None:
                from durable_lambda.core.service_models import loader_for

                _session = botocore.session.get_session()
                _session.register_component(
                    "data_loader", loader_for(_session.get_config_variable("data_path")))
            found = _session.create_client(
                service,
                region_name=settings.region,
                endpoint_url=settings.endpoint_url,
                config=Config(retries={"max_attempts": 5, "mode": "standard"},
                              max_pool_connections=50),
            )
            found.meta.events.register("before-call.*.*", count_call)
            _clients[key] = found
        return found


def error_code(exc: BaseException) -> Optional[str]:
    """The AWS error code of a botocore ClientError (None for any other exception)."""
    response: Any = getattr(exc, "response", None) or {}
    return response.get("Error", {}).get("Code")


def reset_clients() -> None:
    """Drop cached clients and their session (tests that replace boto3 or its credentials;
    after a SnapStart restore)."""
    global _session
    with _lock:
        _clients.clear()
        _session = None


snapstart.install(reset_clients)  # SnapStart: no client outlives a restore
