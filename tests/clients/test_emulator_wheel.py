"""The emulator for other projects: the project's wheel, installed into a fresh virtualenv with no clone of this
repository beside it, started with the one documented command and driven by the JavaScript SDK."""

import shutil
import signal
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.clients.conftest import Served
from tests.clients.test_js_sdk import node, walk_through  # noqa: F401 - fixture
from tests.deploy.conftest import BASE_DIR, clean_env
from tests.emulator.test_runemulator import STOP_TIMEOUT, first_lines


def build_wheel(into: Path) -> Path:
    """The wheel of the working tree (its pyproject.toml and chatsite/, nothing else), built as pip builds it."""
    source = into / "source"
    source.mkdir()
    shutil.copy(BASE_DIR / "pyproject.toml", source / "pyproject.toml")
    shutil.copytree(BASE_DIR / "chatsite", source / "chatsite", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(into / "dist"), str(source)],
        check=True,
        capture_output=True,
        timeout=600,
    )
    return next((into / "dist").glob("chatsite-*.whl"))


@pytest.mark.slow
def test_python_m_chatsite_emulator_from_the_wheel_serves_the_js_sdk(node, tmp_path):  # noqa: F811
    wheel = build_wheel(tmp_path)
    venv.create(tmp_path / "venv", with_pip=True)
    python = str(tmp_path / "venv" / "bin" / "python")
    subprocess.run(
        [python, "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        check=True,
        capture_output=True,
        timeout=900,
    )
    project = tmp_path / "another-project"  # where a project on another stack runs its CI
    project.mkdir()
    env = clean_env()
    located = subprocess.run(
        [python, "-c", "import chatsite.emulator; print(chatsite.emulator.__file__)"],
        cwd=project, env=env, capture_output=True, text=True, check=True,
    )
    assert located.stdout.startswith(str(tmp_path / "venv")), located.stdout  # the installed wheel, not this clone

    process = subprocess.Popen(
        [python, "-m", "chatsite.emulator", "--port", "0", "--no-throttling"],
        cwd=project,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        connection_line, ca_line = first_lines(process, 2, timeout=120)
        assert connection_line.startswith("ACS_CONNECTION_STRING=endpoint=https://127.0.0.1:")
        served = Served(connection_line.removeprefix("ACS_CONNECTION_STRING="), ca_line.removeprefix("ACS_CA_CERT="))
        assert Path(served.ca_cert).is_relative_to(project / ".acs-emulator")
        output = walk_through(node, served)
    finally:
        process.send_signal(signal.SIGINT)
        _, log = process.communicate(timeout=STOP_TIMEOUT)
    assert "ok chat: sendMessage text and html with metadata" in output
    assert process.returncode == 0, log
    assert "POST /chat/threads?api-version=2025-03-15" in log and "Traceback" not in log
