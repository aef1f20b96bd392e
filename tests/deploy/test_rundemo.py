"""`manage.py rundemo`, what a newcomer runs first: it serves the site on ASGI (uvicorn), so pages get push out of
the box, and its request lines hold no credential, as runserver's do not (test_access_log.py)."""

import subprocess
import sys

import requests

from .conftest import BASE_DIR, clean_env, free_port
from .servers import wait_healthy
from .test_access_log import _wait_for_line, deliver, stop


def test_rundemo_serves_push_and_logs_no_secret(tmp_path):
    env = clean_env(CHATSITE_VAR_DIR=str(tmp_path / "var"))
    port, log = free_port(), tmp_path / "rundemo.log"
    with log.open("w") as output:
        server = subprocess.Popen(
            [sys.executable, "manage.py", "rundemo", f"127.0.0.1:{port}"],
            cwd=BASE_DIR,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}"
        wait_healthy(url, server, log.read_text)
        printed = log.read_text()
        assert "ana / " in printed and "bruno / " in printed  # the demo accounts and their passwords
        # Served on ASGI: the push stream refuses a signed-out browser (403); under WSGI it would answer 204
        # (no stream: poll), whoever asks.
        assert requests.get(f"{url}/live/stream/", timeout=30).status_code == 403
        secret = (tmp_path / "var" / "eventgrid_secret").read_text().strip()
        assert deliver(url, secret).status_code == 200
        logged = _wait_for_line(log, "/events/acs/")
    finally:
        stop(server)

    assert secret not in logged
    assert "POST /events/acs/?secret=[redacted] HTTP/1.1" in logged
