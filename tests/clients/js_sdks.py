"""Older releases of the ACS JavaScript chat SDK, each installed once from npm into its own folder, cached outside
the repository beside the Python SDK virtualenvs (`$ACS_SDK_VENV_DIR` or `/tmp/chatsite-acs-sdks/`).

tests/clients/js holds the current release (its lock file, `npm ci` in .ci/setup); these folders hold one older
release each, with the same identity package, and run the same walkthrough.mjs (copied in at each run).
"""

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from tests.clients.sdk_venvs import CACHE, locked

JS = Path(__file__).parent / "js"
IDENTITY = "1.3.1"  # tests/clients/js's
# The last patch of each minor release that speaks api-version 2021-09-07 (message metadata, no thread metadata).
OLDER_CHAT_RELEASES = ("1.1.1", "1.2.1", "1.3.2")


def package_dir(chat: str) -> Path:
    """A folder with node_modules holding @azure/communication-chat `chat`, installed on first use."""
    folder = CACHE / f"js-chat-{chat}-identity-{IDENTITY}"
    with locked(folder):
        _install(folder, chat)
    return folder


def _install(folder: Path, chat: str) -> None:
    if (folder / ".complete").exists():
        return
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    package = {
        "private": True,
        "type": "module",
        "dependencies": {"@azure/communication-chat": chat, "@azure/communication-identity": IDENTITY},
    }
    (folder / "package.json").write_text(json.dumps(package, indent=2))
    subprocess.run(
        ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=folder,
        check=True,
        capture_output=True,
        timeout=600,
    )
    (folder / ".complete").touch()


def with_walkthrough(folder: Path) -> Path:
    """The folder with the current walkthrough.mjs, replaced in one step: the other suite CI runs at once may be
    running node on it."""
    handle, copy = tempfile.mkstemp(dir=folder, suffix=".mjs.tmp")
    os.close(handle)
    shutil.copy(JS / "walkthrough.mjs", copy)
    os.replace(copy, folder / "walkthrough.mjs")
    return folder
