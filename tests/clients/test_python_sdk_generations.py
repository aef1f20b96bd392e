"""Each generation of the Python SDKs (chat 1.0.0b4 to 1.3.0, with the identity package of its time), each in
its own virtualenv (tests/clients/sdk_venvs.py), through the quickstart of its time against `runemulator`."""

import os
import subprocess
from pathlib import Path

import pytest

from tests.clients import sdk_venvs

QUICKSTART = Path(__file__).parent / "python" / "quickstart.py"


@pytest.mark.slow
@pytest.mark.parametrize("chat_version", list(sdk_venvs.GENERATIONS))
def test_quickstart_of_each_sdk_generation(runemulator, chat_version):
    python = sdk_venvs.python_for(chat_version)
    env = {
        **os.environ,
        "ACS_CONNECTION_STRING": runemulator.connection_string,
        "REQUESTS_CA_BUNDLE": runemulator.ca_cert,  # the sync clients' transport (requests) trusts the emulator
    }
    env.pop("PYTHONPATH", None)
    result = subprocess.run(
        [str(python), str(QUICKSTART)], env=env, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"all steps passed with azure-communication-chat {chat_version}" in result.stdout
