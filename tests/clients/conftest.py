"""`runemulator` in its own process over HTTPS, for clients that are not this repository's Python SDK."""

import dataclasses
import queue
import subprocess
import sys
import threading

import pytest

from tests.deploy.conftest import BASE_DIR, clean_env, manage


@dataclasses.dataclass
class Served:
    connection_string: str
    ca_cert: str

    @property
    def endpoint(self) -> str:
        return self.connection_string.split(";")[0].removeprefix("endpoint=").rstrip("/")


@pytest.fixture(scope="session")
def runemulator(tmp_path_factory):
    """A fresh SQLite database and CA, rate limits off (the walkthroughs create threads faster than ACS allows)."""
    var = tmp_path_factory.mktemp("runemulator")
    env = clean_env(CHATSITE_VAR_DIR=str(var), ACS_EMULATOR_THROTTLING="false")
    assert manage("migrate", "--noinput", env=env).returncode == 0
    with open(var / "requests.log", "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runemulator", "--port", "0"],
            cwd=BASE_DIR,
            env=env,
            stdout=subprocess.PIPE,
            stderr=log,
            text=True,
        )
        lines = queue.Queue()
        threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
        try:
            values = dict(lines.get(timeout=60).strip().split("=", 1) for _ in range(2))
            yield Served(values["ACS_CONNECTION_STRING"], values["ACS_CA_CERT"])
        finally:
            process.terminate()
            process.wait(timeout=60)  # it stops within ~0.1 s, even on a loaded machine
