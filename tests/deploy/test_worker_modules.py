"""What an ASGI worker holds in memory: the modules gunicorn's master loads before it forks
(chatsite/gunicorn_asgi_conf.py with preload_app, chatsite/preload.py), which every worker inherits. The figures are
bench_memory.py's; here, which modules: the site's own, shared from the master, and nothing a worker never runs."""

import json
import subprocess
import sys

import pytest

from .conftest import BASE_DIR, production_env

# As gunicorn's master does with preload_app: read the configuration, load the application, run when_ready.
MASTER = """
import json, runpy, sys, types
config = runpy.run_path("chatsite/gunicorn_asgi_conf.py")
import chatsite.asgi
config["when_ready"](types.SimpleNamespace(cfg=types.SimpleNamespace(preload_app=config["preload_app"])))
print(json.dumps({"preload_app": config["preload_app"], "modules": sorted(sys.modules)}))
"""

# The emulator's serving side (the site only has its tables, an installed app), Entra ID's token checks (only with
# EVENTGRID_AUTH entra or both) and what only the tests and benchmarks use.
NEVER_IN_A_WORKER = [
    "chatsite.emulator.store",
    "chatsite.emulator.server",
    "chatsite.emulator.chat_views",
    "chatsite.emulator.identity_views",
    "chatsite.emulator.events.publish",
    "chatsite.emulator.events.delivery",
    "chatsite.emulator.events.transport",
    "chatsite.events.entra",
    "cryptography.x509",
    "jwt",  # PyJWT, which brings in cryptography's x509 and primitives
    "trustme",
    "pytest",
    "pytest_django",
    "hypothesis",
    "time_machine",
    "playwright",
    "aiohttp",
    "tests",
]


@pytest.fixture(scope="module")
def master():
    result = subprocess.run(
        [sys.executable, "-c", MASTER],
        cwd=BASE_DIR,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def test_workers_inherit_the_views_and_the_clients_loaded_once_in_the_master(master):
    assert master["preload_app"] is True
    for module in (
        "chatsite.chat.views.messages",
        "chatsite.chat.push.stream",
        "chatsite.events.views",
        "azure.communication.chat",
        "redis",
        "psycopg_pool",
    ):
        assert module in master["modules"], module


@pytest.mark.parametrize("module", NEVER_IN_A_WORKER)
def test_a_worker_does_not_load_what_it_never_runs(master, module):
    loaded = [name for name in master["modules"] if name == module or name.startswith(f"{module}.")]

    assert loaded == []
