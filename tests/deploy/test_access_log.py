"""Every Event Grid delivery carries the webhook's secret in its URL (`/events/acs/?secret=…`): neither gunicorn's
access log (with chatsite/gunicorn_conf.py, its own log format; with chatsite/gunicorn_asgi_conf.py, uvicorn's request
lines) nor runserver's request lines may write it."""

import json
import subprocess
import sys
import time

import pytest
import requests

from .conftest import BASE_DIR, clean_env, free_port, manage
from .servers import wait_healthy

HANDSHAKE = [
    {
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "topic": "/subscriptions/x/resourceGroups/y/providers/Microsoft.Communication/communicationServices/z",
        "subject": "",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "dataVersion": "1",
        "metadataVersion": "1",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
    }
]


def deliver(url, secret):
    """Event Grid's validation handshake, as it sends it: the secret in the query."""
    return requests.post(
        f"{url}/events/acs/?secret={secret}",
        data=json.dumps(HANDSHAKE),
        headers={"Content-Type": "application/json", "aeg-event-type": "SubscriptionValidation"},
        timeout=30,
    )


def stop(process):
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@pytest.mark.parametrize("config", ["chatsite/gunicorn_conf.py", "chatsite/gunicorn_asgi_conf.py"])
def test_gunicorn_access_log_holds_no_secret(tmp_path, config):
    """gunicorn with the project's configurations, as deployed (its log format, its logger; the ASGI one with
    uvicorn's workers), on a local install."""
    port, log = free_port(), tmp_path / "access.log"
    command = [
        sys.executable, "-m", "gunicorn", "-c", config, "--bind", f"127.0.0.1:{port}",
        "--workers", "1", "--access-logfile", str(log), "--error-logfile", str(tmp_path / "error.log"),
    ]  # fmt: skip
    gunicorn = subprocess.Popen(command, cwd=BASE_DIR, env=clean_env(CHATSITE_VAR_DIR=str(tmp_path / "var")))
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, gunicorn, lambda: (tmp_path / "error.log").read_text())
        secret = (tmp_path / "var" / "eventgrid_secret").read_text().strip()

        answer = deliver(url, secret)
        assert answer.status_code == 200, answer.text  # the site took the delivery: the secret was the right one
        logged = _wait_for_line(log, "/events/acs/")
    finally:
        stop(gunicorn)

    assert secret not in logged
    assert '"POST /events/acs/?secret=[redacted] HTTP/1.1" 200' in logged


def test_runserver_request_lines_hold_no_secret(tmp_path):
    env = clean_env(CHATSITE_VAR_DIR=str(tmp_path / "var"))
    assert manage("migrate", "--noinput", env=env).returncode == 0
    port, log = free_port(), tmp_path / "runserver.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", "--noreload", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server, log.read_text)
        secret = (tmp_path / "var" / "eventgrid_secret").read_text().strip()
        assert deliver(url, secret).status_code == 200
        assert deliver(url, "a-wrong-secret-0123456789").status_code == 403  # a refused one is logged as a warning
        # Each request's line is written by its own thread after its answer, so the 200's may come after the 403's.
        line = '"POST /events/acs/?secret=[redacted] HTTP/1.1" {}'
        logged = _wait_for_line(log, line.format(200), line.format(403))
    finally:
        stop(server)

    assert secret not in logged and "a-wrong-secret" not in logged
    assert line.format(200) in logged and line.format(403) in logged


def _wait_for_line(log, *texts):
    # A server writes the request's line just after the response; on a loaded machine "just after" can be seconds.
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        content = log.read_text() if log.exists() else ""
        if all(text in content for text in texts):
            return content
        time.sleep(0.05)
    raise AssertionError(f"{texts!r} are not all in the log:\n{content}")
