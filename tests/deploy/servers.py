"""Real processes for the production-server test: `runemulator` standing in for ACS, and gunicorn serving the
site in production mode on PostgreSQL and Redis."""

import contextlib
import os
import queue
import re
import subprocess
import sys
import threading
import time
import uuid

import requests

from .conftest import BASE_DIR, clean_env, free_port, manage

POSTGRES_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
# Flushed by these tests: a machine where several test runs share one Redis gives each its own db.
REDIS_URL = os.environ.get("CHATSITE_DEPLOY_REDIS_URL", "redis://127.0.0.1:6379/14")
ASSIGNMENT = re.compile(r"^(ACS_CONNECTION_STRING|ACS_CA_CERT)=(\S+)$")
# Who served a request: gunicorn logs the worker's pid with the request's X-Probe header.
ACCESS_LOG_FORMAT = "%(p)s %({x-probe}i)s %(s)s"


def unreachable_services() -> str | None:
    """Why PostgreSQL or Redis cannot be used, or None when both answer."""
    import psycopg
    import redis

    try:
        psycopg.connect(POSTGRES_ADMIN_URL, connect_timeout=3).close()
    except psycopg.Error as exc:
        return f"PostgreSQL is unreachable at 127.0.0.1:5432 ({exc.__class__.__name__})"
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=3).ping()
    except redis.RedisError as exc:
        return f"Redis is unreachable at 127.0.0.1:6379 ({exc.__class__.__name__})"
    return None


@contextlib.contextmanager
def fresh_postgres_database():
    """A new, empty database for this test run, dropped afterwards."""
    import psycopg

    name = f"chatsite_deploy_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgres://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextlib.contextmanager
def flushed_redis():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    client.flushdb()
    try:
        yield REDIS_URL
    finally:
        client.flushdb()
        client.close()


def wait_healthy(url: str, process: subprocess.Popen, log) -> None:
    """Until the server at `url` answers /healthz; an assertion with its log if it exits or is not up in 60 s.
    A server still starting may accept and answer late (a loaded machine): that is waited for too."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError("the server exited:\n" + log())
        with contextlib.suppress(requests.ConnectionError, requests.Timeout):
            if requests.get(f"{url}/healthz", timeout=5).status_code == 200:
                return
        time.sleep(0.2)
    raise AssertionError("the server did not answer in 60 s:\n" + log())


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def emulator_process(var_dir):
    """`runemulator` on a free port; yields the ACS_CONNECTION_STRING and ACS_CA_CERT it prints."""
    env = clean_env(CHATSITE_VAR_DIR=str(var_dir))
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    process = subprocess.Popen(
        [sys.executable, "manage.py", "runemulator", "--port", str(free_port())],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()
    printed, output = {}, []
    try:
        deadline = time.monotonic() + 120  # it prints within a second idle, but starts slowly on a loaded machine
        while len(printed) < 2:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("runemulator printed no settings in 120 s:\n" + "".join(output)) from None
            output.append(line)
            if match := ASSIGNMENT.match(line.strip()):
                printed[match[1]] = match[2]
        yield printed
    finally:
        _stop(process)


class Gunicorn:
    """The site under gunicorn, reached as through a TLS-terminating proxy (X-Forwarded-Proto: https)."""

    def __init__(self, env, log_dir, workers=2, config="chatsite/gunicorn_conf.py"):
        self.config = config
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.origin = f"https://127.0.0.1:{self.port}"
        self.access_log = log_dir / "access.log"
        self.error_log = log_dir / "gunicorn.log"
        # What the processes write themselves (Python's warnings, a worker's traceback), outside gunicorn's logs.
        self.output = log_dir / "output.log"
        self.env = env
        self.workers = workers
        self.process = None
        self._probes = 0

    def start(self):
        command = [
            sys.executable, "-m", "gunicorn", "-c", self.config,
            "--bind", f"127.0.0.1:{self.port}", "--workers", str(self.workers),
            "--access-logfile", str(self.access_log), "--access-logformat", ACCESS_LOG_FORMAT,
            "--error-logfile", str(self.error_log),
        ]  # fmt: skip
        with self.output.open("w") as output:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=output, stderr=output)
        wait_healthy(self.url, self.process, lambda: self.error_log.read_text() + self.output.read_text())

    def stop(self):
        if self.process is not None:
            _stop(self.process)

    def request(self, session, method, path, **kwargs):
        """One request on a fresh connection (so the kernel may hand it to any worker), sent as the TLS proxy
        would forward it. Returns (response, pid of the worker that served it)."""
        self._probes += 1
        probe = f"probe-{self._probes}"
        headers = {
            "X-Probe": probe,
            "X-Forwarded-Proto": "https",
            "Connection": "close",
            "Referer": f"{self.origin}{path}",
            # The site's cookies are Secure, which requests keeps from plain http://; the hop from the proxy
            # to gunicorn is plain HTTP, so send them as the proxy would.
            "Cookie": "; ".join(f"{cookie.name}={cookie.value}" for cookie in session.cookies),
            **kwargs.pop("headers", {}),
        }
        kwargs.setdefault("allow_redirects", False)  # one request, one probe, one access-log line
        response = session.request(method, f"{self.url}{path}", headers=headers, timeout=30, **kwargs)
        return response, self._served_by(probe)

    def _served_by(self, probe):
        # The worker writes the access line just after the response; give it a moment (seconds, when loaded).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for line in self.access_log.read_text().splitlines():
                pid, logged_probe, _status = line.split(" ", 2)
                if logged_probe == probe:
                    return int(pid.strip("<>"))  # gunicorn logs it as <pid>
            time.sleep(0.05)
        raise AssertionError(f"{probe} is not in gunicorn's access log")
