"""One virtualenv per Python SDK generation, made on first use and cached outside the repository.

The cache is `$ACS_SDK_VENV_DIR` or `/tmp/chatsite-acs-sdks/`; a venv counts only once `pip install` finished
(a `.complete` marker), so an interrupted install is redone. Packages come from PyPI through pip. CI runs two suites
at once (.ci/run), so an entry is made under a lock: the second waits for the first's install instead of deleting it.
"""

import contextlib
import fcntl
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

CACHE = Path(os.environ.get("ACS_SDK_VENV_DIR", "/tmp/chatsite-acs-sdks"))  # noqa: S108 - a cache, by design

# chat version -> the identity package of its time (release dates), and the api-versions they speak.
GENERATIONS = {
    "1.0.0b4": {"identity": "1.0.0b4", "chat_api": "2020-11-01-preview3"},
    "1.0.0": {"identity": "1.0.0", "chat_api": "2021-03-07"},
    "1.1.0": {"identity": "1.1.0", "chat_api": "2021-09-07"},
    "1.2.0": {"identity": "1.4.0", "chat_api": "2023-11-07"},
    "1.3.0": {"identity": "1.5.0", "chat_api": "2024-03-07"},
}


def _version_tag(python: str) -> str | None:
    """`py312` for a working interpreter, else None (a pyenv shim of an inactive version fails)."""
    result = subprocess.run(
        [python, "-c", "import sys; print(f'py{sys.version_info[0]}{sys.version_info[1]}')"],
        capture_output=True,
        text=True,
    )
    return result.stdout.strip() if result.returncode == 0 else None


def base_python() -> tuple[str, str]:
    """Python 3.12 or 3.11 and its tag: identity 1.0.0 calls TypedDict with keywords, which Python 3.13
    removed. ACS_SDK_PYTHON overrides."""
    candidates = [os.environ.get("ACS_SDK_PYTHON"), shutil.which("python3.12"), shutil.which("python3.11")]
    candidates += sorted(glob.glob("/root/.pyenv/versions/3.1[12]*/bin/python3"), reverse=True)
    for candidate in filter(None, candidates):
        if tag := _version_tag(candidate):
            return candidate, tag
    return sys.executable, _version_tag(sys.executable)


@contextlib.contextmanager
def locked(entry: Path):
    """Held while `entry` of the cache is checked and made, across processes (released if one dies)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f".{entry.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def python_for(chat: str) -> Path:
    """The venv's interpreter for a chat SDK version, created (once) with it and its identity package."""
    identity = GENERATIONS[chat]["identity"]
    base, tag = base_python()
    venv = CACHE / f"chat-{chat}-identity-{identity}-{tag}"
    with locked(venv):
        _make(venv, base, chat, identity)
    return venv / "bin" / "python"


def _make(venv: Path, base: str, chat: str, identity: str) -> None:
    python = venv / "bin" / "python"
    if (venv / ".complete").exists():
        return
    shutil.rmtree(venv, ignore_errors=True)
    subprocess.run([base, "-m", "venv", str(venv)], check=True)
    subprocess.run(
        [
            str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
            f"azure-communication-chat=={chat}", f"azure-communication-identity=={identity}",
        ],
        check=True,
        capture_output=True,
    )
    (venv / ".complete").touch()


if __name__ == "__main__":  # warm the cache: python tests/clients/sdk_venvs.py
    for version in GENERATIONS:
        print(version, python_for(version), flush=True)
