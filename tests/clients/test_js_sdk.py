"""The ACS JavaScript SDKs (npm `@azure/communication-chat` 1.6.0, `@azure/communication-identity`), run by Node
against `runemulator`: every chat and identity operation, with paging (tests/clients/js/walkthrough.mjs)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node():
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "@azure" / "communication-chat").is_dir():
        pytest.fail("Node and tests/clients/js/node_modules are needed: `npm ci --prefix tests/clients/js` (.ci/setup)")
    return node


def test_the_js_sdk_walks_through_every_operation(node, runemulator):
    env = {
        **os.environ,
        "ACS_CONNECTION_STRING": runemulator.connection_string,
        "NODE_EXTRA_CA_CERTS": runemulator.ca_cert,  # how Node trusts the emulator's CA
    }
    result = subprocess.run(
        [node, "walkthrough.mjs"], cwd=JS, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("all steps passed")
    assert result.stdout.count("\nok ") >= 20
