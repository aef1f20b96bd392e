"""Secrets a local install makes for itself, once, in its var directory (CHATSITE_VAR_DIR).

A key written in the source is public: anyone could sign sessions and the site's links with it. So a site left
without SECRET_KEY (or EVENTGRID_SECRET) outside production generates a random one the first time it starts and
keeps it in a file only its owner can read, so every later start and every other process of the install uses the
same one. Production never comes here: it must be given its secrets.

Two processes starting at once (runserver's reloader, gunicorn's workers, the test suite's subprocesses) must agree:
each writes its candidate to a file of its own and hard-links it to the shared name, which succeeds for exactly one
of them; the others read the winner's. Nobody ever sees a half-written file.
"""

import contextlib
import os
import secrets
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

MODE = 0o600
# 64 bytes of randomness, URL-safe: 86 characters, beyond the 50 Django's deploy check asks of SECRET_KEY.
NBYTES = 64


def kept_secret(directory: Path, name: str, *, variable: str) -> str:
    """The install's secret called `name`, made now if it does not exist yet (`variable` would set it instead)."""
    path = Path(directory) / name
    try:
        return _kept(path)
    except OSError as error:
        raise ImproperlyConfigured(
            f"{variable} is not set and no secret could be kept in {path} ({error.strerror}): set {variable}, "
            "or CHATSITE_VAR_DIR to a directory the site may write."
        ) from None


def _kept(path: Path) -> str:
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    candidate = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    descriptor = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, MODE)
    try:
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_urlsafe(NBYTES) + "\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process got there first: theirs is the one
            os.link(candidate, path)
    finally:
        candidate.unlink(missing_ok=True)
    return _read(path)


def _read(path: Path) -> str:
    value = path.read_text().strip()
    if len(value) < 50:
        raise ImproperlyConfigured(f"{path} does not hold a usable secret; delete it and a new one is made.")
    return value
