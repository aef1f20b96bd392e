"""The ACS JavaScript SDKs (npm `@azure/communication-chat`, `@azure/communication-identity`), run by Node
against `runemulator`: every chat and identity operation, with paging (tests/clients/js/walkthrough.mjs), with
the current release (1.6.0, tests/clients/js) and the older ones that speak api-version 2021-09-07."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.clients import js_sdks

JS = Path(__file__).parent / "js"


@pytest.fixture(scope="module")
def node():
    node = shutil.which("node")
    if node is None or not (JS / "node_modules" / "@azure" / "communication-chat").is_dir():
        pytest.fail("Node and tests/clients/js/node_modules are needed: `npm ci --prefix tests/clients/js` (.ci/setup)")
    return node


def walk_through(node: str, served, folder: Path = JS) -> str:
    """Run walkthrough.mjs in `folder` (whose node_modules hold the SDKs) against an emulator that printed
    `served.connection_string` and `served.ca_cert`; its output once every step passed."""
    env = {
        **os.environ,
        "ACS_CONNECTION_STRING": served.connection_string,
        "NODE_EXTRA_CA_CERTS": str(served.ca_cert),  # how Node trusts the emulator's CA
    }
    result = subprocess.run(
        [node, "walkthrough.mjs"], cwd=folder, env=env, capture_output=True, text=True, timeout=180
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip().endswith("all steps passed")
    assert result.stdout.count("\nok ") >= 20
    return result.stdout


def test_the_js_sdk_walks_through_every_operation(node, runemulator):
    assert "@azure/communication-chat 1.6.0" in walk_through(node, runemulator)


@pytest.mark.slow
@pytest.mark.parametrize("chat_version", js_sdks.OLDER_CHAT_RELEASES)
def test_older_js_sdks_walk_through_with_message_metadata(node, runemulator, chat_version):
    folder = js_sdks.with_walkthrough(js_sdks.package_dir(chat_version))
    output = walk_through(node, runemulator, folder)
    assert f"@azure/communication-chat {chat_version}" in output
    assert "ok chat: getMessage" in output and "ok chat: updateMessage" in output  # the metadata round trips
