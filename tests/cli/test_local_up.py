"""``local up``: starts the fabric, serves functions at one endpoint, stops cleanly."""
from __future__ import annotations

import json
import signal
import socket
import urllib.parse
from pathlib import Path

from tests.cli.conftest import LocalUp, clean_env, run_cli, start_local_up


def _port_open(endpoint: str) -> bool:
    parts = urllib.parse.urlsplit(endpoint)
    with socket.socket() as sock:
        sock.settimeout(1)
        return sock.connect_ex((parts.hostname, parts.port)) == 0


def test_starts_prints_settings_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    up = start_local_up(tmp_path, "-f", "durable-counter=functions:counter", "--json")
    state = up.state
    endpoint = state["endpoint"]
    assert endpoint.startswith("http://127.0.0.1:") and _port_open(endpoint)
    assert state["functions"] == ["durable-counter"]
    assert state["environment"]["DURABLE_QUEUE"].startswith(endpoint)  # URLs on the endpoint
    announced = json.loads(up.process.stdout.readline() if up.process.stdout else "{}")
    assert announced["endpoint"] == endpoint
    assert announced["environment"]["DURABLE_ENDPOINT_URL"] == endpoint
    assert up.cli("actor", "call", "durable-counter", "a", '{"by": 2}').out.strip() == "2"

    assert up.stop(timeout=30) == 0
    err = up.err_path.read_text()
    assert "local up [4/4]" in err and "local up: stopped" in err
    assert not up.state_file.exists(), "the state file is removed on exit"
    assert not _port_open(endpoint), "the endpoint is closed"
    gone = up.cli("actor", "call", "durable-counter", "a")
    assert gone.code == 3 and "no local AWS running" in gone.err


def test_ctrl_c_stops_it_too(tmp_path: Path) -> None:
    up = start_local_up(tmp_path)
    up.process.send_signal(signal.SIGINT)
    assert up.process.wait(30) == 0
    assert not up.state_file.exists()


def test_a_bad_function_spec_is_a_usage_error(tmp_path: Path) -> None:
    env = clean_env(DURABLE_LOCAL_STATE=str(tmp_path / "state.json"))
    result = run_cli("local", "up", "--port", "0", "-f", "x=nosuchmodule:handler", env=env)
    assert result.code == 2 and "cannot load nosuchmodule:handler" in result.err
    result = run_cli("local", "up", "--port", "0", "-f", "justaname", env=env)
    assert result.code == 2 and "expected NAME=module:attribute" in result.err


def test_the_endpoint_serves_lambda_invoke_and_aws_apis(local_up: LocalUp) -> None:
    """Any AWS client pointed at the endpoint reaches the local functions and moto."""
    import boto3

    endpoint = local_up.state["endpoint"]
    session = boto3.session.Session(aws_access_key_id="testing",
                                    aws_secret_access_key="testing", region_name="us-east-1")
    lam = session.client("lambda", endpoint_url=endpoint)
    response = lam.invoke(FunctionName="durable-counter",
                          Payload=json.dumps({"actorId": "direct", "payload": {"by": 5}}))
    assert json.loads(response["Payload"].read()) == 5
    failed = lam.invoke(FunctionName="arn:aws:lambda:us-east-1:123456789012:function:"
                                     "durable-counter",
                        Payload=json.dumps({"actorId": "direct", "payload": {"fail": True}}))
    assert failed["FunctionError"] == "Unhandled"
    assert json.loads(failed["Payload"].read())["errorType"] == "ValueError"
    assert lam.invoke(FunctionName="durable-counter", InvocationType="Event",
                      Payload=json.dumps({"actorId": "direct", "payload": {}})
                      )["StatusCode"] == 202
    tables = session.client("dynamodb", endpoint_url=endpoint).list_tables()["TableNames"]
    assert "durable-actors" in tables
