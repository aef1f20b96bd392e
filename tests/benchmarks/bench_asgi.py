"""ASGI vs today's gthread workers: the idle poll and the send, both servers up in the same run, loaded in turns.

    .venv/bin/python tests/benchmarks/bench_asgi.py [--requests 300] [--concurrency 16] [--duration 8] [--sends 20]
    .venv/bin/python tests/benchmarks/bench_asgi.py --smoke

Needs PostgreSQL and Redis on 127.0.0.1. Like bench_load.py (whose pieces it uses) it DROPS AND RECREATES the
PostgreSQL database `--database` (default chatsite_bench, or BENCH_LOAD_DATABASE) and flushes the Redis database
`--redis-url` (default db 10, or BENCH_LOAD_REDIS_URL): never point them at data you keep.

What runs: `manage.py runemulator` standing in for ACS; two gunicorns on the same PostgreSQL + Redis in production
mode, each `--workers` processes:
- gthread: `chatsite/gunicorn_conf.py` as today (8 threads a worker, a PostgreSQL connection kept per thread);
- ASGI: `chatsite/gunicorn_asgi_conf.py` (uvicorn workers from the `uvicorn-worker` package; sync views on a thread
  per request; psycopg's connection pool, DATABASE_POOL_SIZE).

It prints, per server and as ASGI / gthread ratios:
1. the idle poll (marker unchanged: 204) on one kept-alive connection, alternating between the servers request by
   request: mean, p50, p95;
2. idle polls saturated: `--concurrency` connections for `--duration` seconds per server, in four turns each: req/s;
3. the send (POST to the composer, through ACS), one at a time alternating between the servers, each into a thread
   of its own: mean, p50, p95;
4. each server's worker memory (RSS) at the end.
"""

import argparse
import asyncio
import contextlib
import os
import secrets
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from bench_load import (  # noqa: E402
    Browser,
    Gunicorn,
    Site,
    connector,
    line,
    parse_stack_args,
    production_run,
    saturate,
    setup_site,
    summary,
)

SMOKE = {"requests": 10, "concurrency": 4, "duration": 0.5, "sends": 2, "viewers": 4}
SERVERS = {
    "gthread": ("chatsite/gunicorn_conf.py", "load_wsgi:application"),
    "ASGI": ("chatsite/gunicorn_asgi_conf.py", "load_asgi:application"),
}


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300, help="one-connection idle polls per server (300)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections at saturation (16 = 2×8)")
    parser.add_argument("--duration", type=float, default=8.0, help="seconds of saturated polls per server (8)")
    parser.add_argument("--sends", type=int, default=20, help="messages sent per server (20)")
    parser.add_argument("--spacing", type=float, default=1.1, help="seconds between sends, across servers (1.1)")
    parser.add_argument("--viewers", type=int, default=32, help="people whose idle pages poll (32)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (2)")
    return parse_stack_args(parser, argv, SMOKE, "tiny sizes and durations (CI)")


def worker_rss_mb(master_pid):
    """Resident memory of each worker of a gunicorn master, in MB (Linux /proc)."""
    sizes = []
    with contextlib.suppress(OSError):
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
        for pid in children:
            for row in Path(f"/proc/{pid}/status").read_text().splitlines():
                if row.startswith("VmRSS:"):
                    sizes.append(int(row.split()[1]) / 1024)
    return sizes


async def measure(args, servers, sender_cookies, people_cookies, threads, csrf_cookie):
    figures = {name: {"one": [], "rates": [], "sends": [], "statuses": {}} for name in servers}
    pages = {}  # server -> (sender, [(browser, idle poll path)])
    async with aiohttp.ClientSession(connector=connector(8)) as http:
        for name, gunicorn in servers.items():
            site = Site(gunicorn.url, csrf_cookie)
            sender = Browser(site, sender_cookies)
            await sender.open(http, threads[name])
            viewers = [Browser(site, cookies) for cookies in people_cookies]
            paths = await asyncio.gather(*(v.open(http, threads[name]) for v in viewers))
            pages[name] = (sender, list(zip(viewers, paths, strict=True)))

    line("Idle polls, one connection, alternating…")
    sessions = {name: aiohttp.ClientSession(connector=connector(1)) for name in servers}
    try:
        for n in range(args.requests + 1):
            for name in servers:
                browser, path = pages[name][1][n % len(pages[name][1])]
                start = time.perf_counter()
                status, _ = await browser.get(sessions[name], path)
                if n:  # the first round warms the connection
                    figures[name]["one"].append(time.perf_counter() - start)
                    figures[name]["statuses"][status] = figures[name]["statuses"].get(status, 0) + 1
    finally:
        for session in sessions.values():
            await session.close()

    line("Idle polls saturated, in turns…")
    for _ in range(4):
        for name in servers:
            idle = dict(pages[name][1])
            rate, _times, statuses = await saturate(list(idle), idle.get, args.duration / 4, args.concurrency)
            figures[name]["rates"].append(rate)
            for status, count in statuses.items():
                figures[name]["statuses"][status] = figures[name]["statuses"].get(status, 0) + count

    line("Sends, one at a time, alternating…")
    async with aiohttp.ClientSession(connector=connector(2)) as http:
        for _ in range(args.sends):
            for name in servers:
                started = time.perf_counter()
                await pages[name][0].send(http, threads[name], f"bench-{secrets.token_hex(5)}")
                took = time.perf_counter() - started
                figures[name]["sends"].append(took)
                await asyncio.sleep(max(0.0, args.spacing - took))  # ACS allows 10 sends per 10 s
    return figures


def report(args, figures, memory, load):
    line("\n=== Results " + "=" * 60)
    line(f"load average before / after: {load[0]} / {load[1]}; {args.workers} workers per server")
    names = list(figures)
    line(f"   {'':<34}" + "".join(f"{name:>12}" for name in names) + f"{'ASGI/gthread':>14}")

    def row(label, values, fmt="{:.2f}"):
        ratio = values[1] / values[0] if values[0] else float("nan")
        line(f"   {label:<34}" + "".join(f"{fmt.format(v):>12}" for v in values) + f"{ratio:>13.2f}×")

    polls = [summary(figures[name]["one"]) for name in names]
    sends = [summary(figures[name]["sends"]) for name in names]
    for n, what in enumerate(("mean", "p50", "p95")):
        row(f"idle poll, one connection, {what} ms", [p[n] for p in polls])
    row(f"idle polls/s @{args.concurrency} connections", [statistics.fmean(figures[n]["rates"]) for n in names],
        "{:.0f}")  # fmt: skip
    for n, what in enumerate(("mean", "p50", "p95")):
        row(f"send, {what} ms", [s[n] for s in sends], "{:.0f}")
    row("worker RSS, largest, MB", [max(memory[n], default=float("nan")) for n in names], "{:.0f}")
    line("   answers: " + "; ".join(f"{name} {dict(sorted(figures[name]['statuses'].items()))}" for name in names))


def main():
    args = parse_args()
    t0 = time.monotonic()
    with production_run(args, "bench-asgi-") as (site_env, tmp, _emulator):
        sender_cookies, people_cookies, _threads, flows, csrf_cookie = setup_site(
            [], args.viewers, (args.viewers, args.viewers)
        )
        threads = dict(zip(SERVERS, flows, strict=True))
        line(f"Set up in {time.monotonic() - t0:.0f} s: {args.viewers} people, a thread per server.")
        load_before = os.getloadavg()
        with contextlib.ExitStack() as stack:
            servers = {
                name: stack.enter_context(
                    Gunicorn(site_env, tmp / f"{name}.log", "--workers", str(args.workers), config=config, app=app)
                )
                for name, (config, app) in SERVERS.items()
            }
            figures = asyncio.run(measure(args, servers, sender_cookies, people_cookies, threads, csrf_cookie))
            memory = {name: worker_rss_mb(gunicorn.process.pid) for name, gunicorn in servers.items()}
        load = [" ".join(f"{x:.2f}" for x in values) for values in (load_before, os.getloadavg())]
        report(args, figures, memory, load)
        line(f"\nWhole run: {time.monotonic() - t0:.0f} s.")

if __name__ == "__main__":
    main()
