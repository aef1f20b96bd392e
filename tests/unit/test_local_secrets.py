"""A local install's own secrets: random, made once, readable by its owner only, the same for every process."""

import multiprocessing
import stat

import pytest
from django.core.exceptions import ImproperlyConfigured

from chatsite.local_secrets import kept_secret

pytestmark = pytest.mark.unit

PROCESSES = 8


def _start_together(directory, barrier, results):
    barrier.wait()
    results.put(kept_secret(directory, "secret_key", variable="SECRET_KEY"))


def test_processes_starting_at_once_agree_on_one_secret(tmp_path):
    context = multiprocessing.get_context("spawn")
    barrier, results = context.Barrier(PROCESSES), context.Queue()
    processes = [context.Process(target=_start_together, args=(tmp_path, barrier, results)) for _ in range(PROCESSES)]
    for process in processes:
        process.start()
    secrets = [results.get(timeout=60) for _ in processes]
    for process in processes:
        process.join(timeout=60)

    assert len(set(secrets)) == 1
    assert (tmp_path / "secret_key").read_text().strip() == secrets[0]
    assert [path.name for path in tmp_path.iterdir()] == ["secret_key"]  # no candidate left behind


def test_the_secret_is_random_kept_and_private(tmp_path):
    first = kept_secret(tmp_path / "var", "secret_key", variable="SECRET_KEY")

    assert len(first) >= 50 and len(set(first)) >= 20
    assert kept_secret(tmp_path / "var", "secret_key", variable="SECRET_KEY") == first
    assert stat.S_IMODE((tmp_path / "var" / "secret_key").stat().st_mode) == 0o600
    assert kept_secret(tmp_path / "other", "secret_key", variable="SECRET_KEY") != first  # another install
    assert kept_secret(tmp_path / "var", "eventgrid_secret", variable="EVENTGRID_SECRET") != first


def test_a_place_it_cannot_be_kept_names_the_variable_to_set(tmp_path):
    (tmp_path / "a-file").write_text("")

    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set and no secret could be kept in"):
        kept_secret(tmp_path / "a-file" / "var", "secret_key", variable="SECRET_KEY")


def test_an_emptied_file_is_refused_rather_than_used(tmp_path):
    (tmp_path / "secret_key").write_text("\n")

    with pytest.raises(ImproperlyConfigured, match="delete it and a new one is made"):
        kept_secret(tmp_path, "secret_key", variable="SECRET_KEY")
