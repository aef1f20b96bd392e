"""A process's memory as the benchmarks print it (Linux /proc), in MB.

- RSS: every page the process has in memory, shared ones counted whole (what `ps` and `top` show). Libraries mapped
  from files (libpq, libssl, the Python runtime) and pages a preloading master shares with its workers count in
  every process that maps them, so RSS summed over workers overstates the machine's memory.
- PSS: each shared page divided among the processes sharing it; summed over processes, it is their real total.
- USS: the pages only this process has (private clean + dirty): what stopping it would give back.
"""

from pathlib import Path


def worker_pids(master_pid: int) -> list[int]:
    """The children of a gunicorn master."""
    try:
        return [int(pid) for pid in Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()]
    except OSError:
        return []


def usage(pid: int) -> dict[str, float]:
    """{"rss", "pss", "uss"} of one process in MB; NaN for a process that is gone."""
    fields = {}
    try:
        for row in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
            name, value, *_ = row.split()
            fields[name.rstrip(":")] = int(value) / 1024
    except OSError:
        return {"rss": float("nan"), "pss": float("nan"), "uss": float("nan")}
    return {
        "rss": fields["Rss"],
        "pss": fields["Pss"],
        "uss": fields["Private_Clean"] + fields["Private_Dirty"],
    }


def threads(pid: int) -> int:
    try:
        return len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return 0


def rss_mb(pid: int) -> float:
    return usage(pid)["rss"]


def describe(pids: list[int]) -> str:
    """One line per figure set: `RSS 88/90, PSS 70/71, USS 64/66 MB` (one value per process)."""
    each = [usage(pid) for pid in pids]
    return (
        ", ".join(f"{kind.upper()} {'/'.join(f'{u[kind]:.0f}' for u in each)}" for kind in ("rss", "pss", "uss"))
        + " MB"
    )
