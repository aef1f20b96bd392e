"""Without SECRET_KEY outside production, an install signs with a random key of its own, never a public one, and
derives no secret from it: the Event Grid secret is random too. Production still has to be given its key."""

import hashlib
import stat
import subprocess
import sys

from .conftest import BASE_DIR, clean_env, manage, production_env

PUBLIC_KEY = "django-insecure-local-only-chatsite-key"  # what every install used to sign with
SHOW = "from django.conf import settings; print(settings.SECRET_KEY); print(settings.EVENTGRID_SECRET)"


def test_two_processes_starting_with_no_key_agree_on_one_random_key(tmp_path):
    env = clean_env(CHATSITE_VAR_DIR=str(tmp_path))
    command = [sys.executable, "manage.py", "shell", "--no-imports", "-c", SHOW]
    starting = [subprocess.Popen(command, cwd=BASE_DIR, env=env, stdout=subprocess.PIPE, text=True) for _ in range(2)]
    shown = [process.communicate(timeout=60)[0].split() for process in starting]

    assert [process.returncode for process in starting] == [0, 0]
    assert shown[0] == shown[1]
    secret_key, eventgrid_secret = shown[0]
    assert secret_key != PUBLIC_KEY and len(secret_key) >= 50
    assert (tmp_path / "secret_key").read_text().strip() == secret_key
    assert stat.S_IMODE((tmp_path / "secret_key").stat().st_mode) == 0o600
    # Nothing secret is derived from the key (let alone from the public one): the Event Grid secret is its own.
    for key in (secret_key, PUBLIC_KEY):
        assert eventgrid_secret != hashlib.sha256(f"eventgrid:{key}".encode()).hexdigest()
    assert (tmp_path / "eventgrid_secret").read_text().strip() == eventgrid_secret
    assert stat.S_IMODE((tmp_path / "eventgrid_secret").stat().st_mode) == 0o600


def test_a_given_key_is_used_and_nothing_is_generated(tmp_path):
    env = clean_env(CHATSITE_VAR_DIR=str(tmp_path), SECRET_KEY="k" * 50, EVENTGRID_SECRET="e" * 32)

    result = manage("shell", "--no-imports", "-c", SHOW, env=env)

    assert result.stdout.split() == ["k" * 50, "e" * 32]
    assert not (tmp_path / "secret_key").exists() and not (tmp_path / "eventgrid_secret").exists()


def test_production_still_requires_its_key_and_writes_none(tmp_path):
    result = manage("check", env=production_env(SECRET_KEY=None, CHATSITE_VAR_DIR=str(tmp_path)))

    assert result.returncode != 0
    assert "SECRET_KEY must be set." in result.stderr
    assert not (tmp_path / "secret_key").exists()
