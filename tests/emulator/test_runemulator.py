"""`manage.py runemulator` in its own process, reached only through the two settings it prints."""

import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from azure.communication.chat import ChatClient, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient

from tests.deploy.conftest import BASE_DIR, clean_env, free_port, manage


@pytest.fixture
def env(tmp_path):
    # Only CHATSITE_VAR_DIR: a fresh SQLite database and CA directory, never the suite's DATABASE_URL.
    return clean_env(CHATSITE_VAR_DIR=str(tmp_path))


# Seconds a stop may take. runemulator ends within ~0.1 s of the signal even beside `stress-ng --cpu 2` (it skips
# CPython's teardown of the heap, which took 1-4 s at load 8-10); this bound is for a machine far busier still.
STOP_TIMEOUT = 60


def first_lines(process: subprocess.Popen, count: int, timeout: float = 60) -> list[str]:
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    try:
        return [lines.get(timeout=timeout).rstrip("\n") for _ in range(count)]
    except queue.Empty:
        process.kill()
        raise AssertionError(
            f"runemulator printed fewer than {count} lines:\n{process.stderr.read()}"
        ) from None


def test_serves_the_sdks_with_the_connection_string_and_ca_it_prints(env, tmp_path):
    assert manage("migrate", "--noinput", env=env).returncode == 0
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runemulator", "--port", str(port)],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        connection_line, ca_line = first_lines(process, 2)
        assert connection_line.startswith(
            f"ACS_CONNECTION_STRING=endpoint=https://127.0.0.1:{port}/;accesskey="
        )
        assert ca_line.startswith("ACS_CA_CERT=")
        connection_string = connection_line.removeprefix("ACS_CONNECTION_STRING=")
        ca_cert = ca_line.removeprefix("ACS_CA_CERT=")
        assert Path(ca_cert).is_file() and Path(ca_cert).is_relative_to(tmp_path)

        identity = CommunicationIdentityClient.from_connection_string(
            connection_string, connection_verify=ca_cert
        )
        user = identity.create_user()
        assert user.properties["id"].startswith("8:acs:")
        token = identity.get_token(user, scopes=["chat"]).token
        chat = ChatClient(
            f"https://127.0.0.1:{port}", CommunicationTokenCredential(token), connection_verify=ca_cert
        )
        assert chat.create_chat_thread("Hello").chat_thread.topic == "Hello"
    finally:
        process.send_signal(signal.SIGINT)  # Ctrl-C
        try:
            _, log = process.communicate(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            process.kill()
            raise

    assert process.returncode == 0, log
    assert "POST /identities?api-version=2023-10-01" in log  # requests are logged in the foreground
    assert "Traceback" not in log


def start(env, **popen) -> tuple[subprocess.Popen, str, str]:
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runemulator", "--port", "0"],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )
    connection_line, ca_line = first_lines(process, 2)
    return process, connection_line.removeprefix("ACS_CONNECTION_STRING="), ca_line.removeprefix("ACS_CA_CERT=")


def test_sigterm_stops_cleanly_and_the_next_start_serves_what_was_written(env):
    assert manage("migrate", "--noinput", env=env).returncode == 0
    process, connection_string, ca_cert = start(env)
    identity = CommunicationIdentityClient.from_connection_string(connection_string, connection_verify=ca_cert)
    user, token = identity.create_user_and_token(scopes=["chat"])
    endpoint = connection_string.split(";")[0].removeprefix("endpoint=").rstrip("/")
    chat = ChatClient(endpoint, CommunicationTokenCredential(token.token), connection_verify=ca_cert)
    thread_id = chat.create_chat_thread("Kept").chat_thread.id

    process.terminate()

    _, log = process.communicate(timeout=STOP_TIMEOUT)
    assert process.returncode == 0, log
    assert "Traceback" not in log
    process, connection_string, ca_cert = start(env)  # the same database and CA
    try:
        endpoint = connection_string.split(";")[0].removeprefix("endpoint=").rstrip("/")
        chat = ChatClient(endpoint, CommunicationTokenCredential(token.token), connection_verify=ca_cert)
        assert [t.topic for t in chat.list_chat_threads() if t.id == thread_id] == ["Kept"]
    finally:
        process.terminate()
        process.communicate(timeout=STOP_TIMEOUT)
    assert process.returncode == 0


def test_ctrl_c_stops_it_when_a_script_started_it_in_the_background(env):
    """A shell script's `runemulator &` starts it with SIGINT ignored (as bash does for background jobs without job
    control); the `kill -INT` that script later sends must still stop it."""
    assert manage("migrate", "--noinput", env=env).returncode == 0
    process, _, _ = start(env, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))

    process.send_signal(signal.SIGINT)

    try:
        _, log = process.communicate(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        raise AssertionError("runemulator ignored SIGINT") from None
    assert process.returncode == 0, log


def test_refuses_to_start_with_unapplied_migrations(env):
    result = manage("runemulator", "--port", str(free_port()), env=env)

    assert result.returncode != 0
    assert "unapplied migration" in result.stderr
    assert "manage.py migrate" in result.stderr
    assert "ACS_CONNECTION_STRING" not in result.stdout
