"""The endpoint ``local up`` prints: Lambda Invoke for the local functions, moto for the rest.

moto stores Lambda functions but runs them only in Docker; the local functions live in the
``local up`` process. So one HTTP server on 127.0.0.1 answers Lambda's Invoke API
(``POST /2015-03-31/functions/<name>/invocations``) from the local registry — sync
(``RequestResponse``: the result, or ``X-Amz-Function-Error`` with ``errorType`` /
``errorMessage`` as Lambda does), async (``Event``: 202, run in the background) — and
forwards every other request, unchanged, to the moto server behind it. Any AWS client pointed
at this endpoint (the CLI, your scripts, your tests) therefore reaches the local functions.
"""
from __future__ import annotations

import http.client
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import unquote, urlsplit

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade",
              "proxy-authorization", "proxy-authenticate", "content-length"}
ACCOUNT = "123456789012"
REGION = "us-east-1"


def function_name(raw: str) -> str:
    """The function name of an Invoke path segment: a name, a (partial) ARN, with or without a
    qualifier (``my-fn``, ``arn:aws:lambda:us-east-1:1234:function:my-fn:live``)."""
    name = unquote(raw)
    if ":function:" in name:
        name = name.split(":function:", 1)[1]
    elif name.count(":") >= 2:  # 123456789012:function:name form
        name = name.split(":")[2]
    return name.split(":", 1)[0]


class LocalFront(ThreadingHTTPServer):
    """The printed endpoint: Invoke from ``functions`` (a LocalLambda), the rest to moto."""

    daemon_threads = True

    def __init__(self, port: int, backend: str, functions: Any) -> None:
        super().__init__(("127.0.0.1", port), _Handler)
        parts = urlsplit(backend)
        self.backend_host = parts.hostname or "127.0.0.1"
        self.backend_port = parts.port or 80
        self.functions = functions
        self.thread: Optional[threading.Thread] = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def start(self) -> "LocalFront":
        self.thread = threading.Thread(target=self.serve_forever, name="local-front",
                                       kwargs={"poll_interval": 0.2}, daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        if self.thread:
            self.thread.join(10)


class _Handler(BaseHTTPRequestHandler):
    server: LocalFront
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - quiet
        return

    def _body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        body = self._body()
        match = INVOKE_PATH.match(urlsplit(self.path).path)
        if self.command == "POST" and match:
            self._invoke(function_name(match.group(1)), body)
        else:
            self._forward(body)

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = _dispatch

    def _reply(self, status: int, body: bytes, headers: Optional[dict[str, str]] = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _invoke(self, name: str, body: bytes) -> None:
        from durable_lambda.core.errors import RemoteActorError

        functions = self.server.functions
        if functions is None or name not in functions.functions:
            arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
            self._reply(404, json.dumps({"Type": "User", "Message": f"Function not found: {arn}"})
                        .encode(), {"Content-Type": "application/json",
                                    "x-amzn-ErrorType": "ResourceNotFoundException"})
            return
        invocation = self.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation == "DryRun":
            self._reply(204, b"")
            return
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            self._reply(400, json.dumps({"Type": "User", "Message": "payload is not JSON"})
                        .encode(), {"x-amzn-ErrorType": "InvalidRequestContentException",
                                    "Content-Type": "application/json"})
            return
        if invocation == "Event":
            functions.invoke(name, payload, asynchronous=True)
            self._reply(202, b"")
            return
        headers = {"Content-Type": "application/json", "X-Amz-Executed-Version": "$LATEST"}
        try:
            result = functions.invoke(name, payload)
        except RemoteActorError as exc:
            headers["X-Amz-Function-Error"] = "Unhandled"
            result = {"errorType": exc.error_type, "errorMessage": exc.error_message,
                      "stackTrace": []}
        self._reply(200, json.dumps(result).encode(), headers)

    def _forward(self, body: bytes) -> None:
        connection = http.client.HTTPConnection(self.server.backend_host,
                                                self.server.backend_port, timeout=120)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            connection.request(self.command, self.path, body=body or None, headers=headers)
            response = connection.getresponse()
            data = response.read()
            kept = {k: v for k, v in response.getheaders() if k.lower() not in HOP_BY_HOP}
            self._reply(response.status, data, kept)
        except OSError as exc:
            self._reply(502, json.dumps({"message": f"local AWS unreachable: {exc}"}).encode(),
                        {"Content-Type": "application/json"})
        finally:
            connection.close()
