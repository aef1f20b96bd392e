"""Helpers for tests that start the site in a subprocess with a production environment."""

import base64
import os
import secrets
import socket
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]
# A subprocess gets only these from the test's environment, so neither the developer's shell nor CI's
# DATABASE_URL/REDIS_URL can leak into the configuration under test.
PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")


def clean_env(**variables):
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(variables)
    return env


def production_env(**overrides):
    """A complete, valid production environment (no service is contacted just to load the settings)."""
    variables = {
        "CHATSITE_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "chat.example.com",
        "DATABASE_URL": "postgres://chatsite:secret@db.example.com:5432/chatsite",
        "REDIS_URL": "redis://cache.example.com:6379/0",
        "ACS_CONNECTION_STRING": "endpoint=https://chat-example.communication.azure.com/;accesskey="
        + base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    variables.update(overrides)
    return clean_env(**{key: value for key, value in variables.items() if value is not None})


def manage(*args, env, timeout=60):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def collected_static(tmp_path_factory):
    """STATIC_ROOT after `collectstatic` with the production storage, made once for the session: every test and
    server that reads it only reads it."""
    root = tmp_path_factory.mktemp("static")
    result = manage("collectstatic", "--noinput", env=production_env(STATIC_ROOT=str(root)))
    assert result.returncode == 0, result.stderr
    return root


@pytest.fixture
def closed_port():
    """A loopback port nothing listens on (it was free a moment ago)."""
    return free_port()
