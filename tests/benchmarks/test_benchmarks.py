"""The benchmarks cannot rot unseen: every tests/benchmarks/bench_*.py, found by glob as .ci/bench-smoke finds
them, answers --help and offers --smoke, the mode CI runs beside the SQLite suite (a benchmark that no longer
runs fails CI there)."""

import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
BENCHMARKS = sorted(HERE.glob("bench_*.py"))


def test_ci_runs_every_benchmark_found_by_glob():
    assert len(BENCHMARKS) >= 5
    assert "for bench in tests/benchmarks/bench_*.py" in (ROOT / ".ci" / "bench-smoke").read_text()
    assert "bash .ci/bench-smoke" in (ROOT / ".ci" / "run").read_text()


@pytest.mark.parametrize("benchmark", BENCHMARKS, ids=lambda path: path.name)
def test_benchmark_answers_help_and_offers_a_smoke_mode(benchmark):
    result = subprocess.run(
        [sys.executable, str(benchmark), "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage:")
    assert "--smoke" in result.stdout
