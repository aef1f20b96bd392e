"""Static files as deployed: the site's middleware against plain WhiteNoise and ServeStatic, under the ASGI and the
gthread configuration, all servers up in one run and loaded in turns.

    .venv/bin/python tests/benchmarks/bench_static.py [--requests 400] [--concurrency 16] [--files 3] [--rounds 4]
    .venv/bin/python tests/benchmarks/bench_static.py --smoke

Needs PostgreSQL and Redis on 127.0.0.1. Like bench_load.py (whose pieces it uses) it DROPS AND RECREATES the
PostgreSQL database `--database` (default chatsite_bench, or BENCH_LOAD_DATABASE) and flushes the Redis database
`--redis-url` (default db 10, or BENCH_LOAD_REDIS_URL): never point them at data you keep.

What runs: production_stack() (collectstatic with the site's storage: hashed names, compressed variants), then per
middleware installed (tests/benchmarks/load_static.py swaps it in) a gunicorn with chatsite/gunicorn_asgi_conf.py
and one with chatsite/gunicorn_conf.py, `--workers` each, all serving that one STATIC_ROOT. It prints per server:
1. what a browser relies on, for the largest file: gzip and brotli variants, Cache-Control, 304 on If-None-Match,
   HEAD (length, no body), and whether the server logged Django's "synchronous iterators" warning;
2. the `--files` largest static files by hashed name (Accept-Encoding: gzip, br, as browsers send), `--requests` a
   round over `--concurrency` connections: requests/s, mean and p95 ms, and each worker's threads and memory
   (RSS, USS) sampled throughout: idle before, largest during;
3. a page that is not there (404) the same way: every request of the site passes the static-files middleware
   first, so its cost (or a thread hop it forces on the middleware below it) shows there; a 404 reads neither
   PostgreSQL nor Redis, whose connections six servers would exhaust.
"""

import argparse
import asyncio
import contextlib
import importlib.util
import json
import os
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from bench_load import Gunicorn, line, parse_stack_args, production_run, summary  # noqa: E402
from memory import threads, usage, worker_pids  # noqa: E402

SMOKE = {"requests": 8, "concurrency": 2, "files": 1, "rounds": 1}
# load_static.py's names, and the package each needs: the site's (WhiteNoise, its body async under ASGI), WhiteNoise
# as it comes, and ServeStatic (not a dependency: `pip install servestatic` to compare).
MIDDLEWARE = {"site": "whitenoise", "WhiteNoise": "whitenoise", "ServeStatic": "servestatic"}
CONFIGS = {"ASGI": ("chatsite/gunicorn_asgi_conf.py", "load_static:asgi_application"),
           "gthread": ("chatsite/gunicorn_conf.py", "load_static:wsgi_application")}  # fmt: skip
WARNING = "StreamingHttpResponse must consume synchronous iterators"
MISSING = "/bench/missing/"
PROXY = {"X-Forwarded-Proto": "https"}  # as the TLS-terminating proxy forwards it (production redirects plain http)


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=400, help="requests per round and server (400)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16 = 2 workers × 8 threads)")
    parser.add_argument("--files", type=int, default=3, help="the largest static files requested (3)")
    parser.add_argument("--rounds", type=int, default=4, help="turns each server takes (4)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers per server (2)")
    return parse_stack_args(parser, argv, SMOKE)


class Sampler:
    """Each worker's threads and memory, read from /proc every 50 ms while the block runs: the largest seen."""

    def __init__(self, master_pid):
        self.master_pid = master_pid
        self.peak = {"threads": 0, "rss": 0.0, "uss": 0.0}
        self._done = threading.Event()

    def sample(self):
        for pid in worker_pids(self.master_pid):
            figures = usage(pid) | {"threads": threads(pid)}
            for kind in self.peak:
                self.peak[kind] = max(self.peak[kind], figures[kind])

    def _run(self):
        while not self._done.wait(0.05):
            self.sample()

    def __enter__(self):
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._done.set()
        self._thread.join()


async def hammer(url, paths, count, concurrency):
    """`count` GETs of `paths` in turn over `concurrency` connections; (requests/s, seconds each, statuses)."""
    times, statuses = [], {}
    headers = PROXY | {"Accept-Encoding": "gzip, br"}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=False) as http:
        queue = list(range(count))

        async def loop():
            while queue:
                n = queue.pop()
                start = time.perf_counter()
                async with http.get(url + paths[n % len(paths)], headers=headers) as answer:
                    await answer.read()
                times.append(time.perf_counter() - start)
                statuses[answer.status] = statuses.get(answer.status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    return count / elapsed, times, statuses


async def checks(url, path, root):
    """What a browser and a cache rely on, for one hashed file: {check: what was seen}."""
    seen = {}
    async with aiohttp.ClientSession(auto_decompress=False) as http:
        for encoding in ("gzip", "br"):
            async with http.get(url + path, headers=PROXY | {"Accept-Encoding": encoding}) as answer:
                body = await answer.read()
                wanted = (root / (path.removeprefix("/static/") + {"gzip": ".gz", "br": ".br"}[encoding]))
                seen[encoding] = (answer.headers.get("Content-Encoding") == encoding and wanted.is_file()
                                  and body == wanted.read_bytes())  # fmt: skip
                etag, cache = answer.headers.get("ETag"), answer.headers.get("Cache-Control", "")
        seen["immutable, max-age"] = "immutable" in cache and "max-age=" in cache
        async with http.get(url + path, headers=PROXY | {"If-None-Match": etag or "-"}) as answer:
            seen["304 on If-None-Match"] = answer.status == 304 and not await answer.read()
        async with http.head(url + path, headers=PROXY | {"Accept-Encoding": "identity"}) as answer:
            plain = (root / path.removeprefix("/static/")).stat().st_size
            seen["HEAD: length, no body"] = (answer.status == 200 and not await answer.read()
                                             and answer.headers.get("Content-Length") == str(plain))  # fmt: skip
    return seen


def measure(args, servers, files):
    figures = {name: {"static": [], "404": [], "rates": {"static": [], "404": []}} for name in servers}
    for name, gunicorn in servers.items():
        idle = Sampler(gunicorn.process.pid)
        idle.sample()
        figures[name]["idle"] = idle.peak
        figures[name]["peak"] = {"threads": 0, "rss": 0.0, "uss": 0.0}
        figures[name]["statuses"] = {}
    for _ in range(args.rounds):
        for target, paths in (("static", files), ("404", [MISSING])):
            for name, gunicorn in servers.items():
                with Sampler(gunicorn.process.pid) as sampler:
                    rate, times, statuses = asyncio.run(hammer(gunicorn.url, paths, args.requests, args.concurrency))
                figures[name][target] += times
                figures[name]["rates"][target].append(rate)
                for kind, value in sampler.peak.items():
                    figures[name]["peak"][kind] = max(figures[name]["peak"][kind], value)
                for status, count in statuses.items():
                    figures[name]["statuses"][status] = figures[name]["statuses"].get(status, 0) + count
    return figures


def report(args, files, root, figures, seen, warnings, load):
    line("\n=== Results " + "=" * 60)
    sizes = ", ".join(f"{path.rsplit('/', 1)[-1]} {(root / path.removeprefix('/static/')).stat().st_size // 1024} KB"
                      for path in files)  # fmt: skip
    line(f"files: {sizes}; load average before / after: {load[0]} / {load[1]}; {args.workers} workers per server")
    names = list(figures)
    line(f"   {'':<36}" + "".join(f"{name:>20}" for name in names))

    def row(label, values):
        line(f"   {label:<36}" + "".join(f"{value:>20}" for value in values))

    for check in next(iter(seen.values())):
        row(check, ["yes" if seen[name][check] else "NO" for name in names])
    row('"synchronous iterators" warnings', [str(warnings[name]) for name in names])
    for target in ("static", "404"):
        row(f"{target}: requests/s @{args.concurrency}", [f"{statistics.fmean(figures[n]['rates'][target]):.0f}"
                                                        for n in names])  # fmt: skip
        stats = [summary(figures[n][target]) for n in names]
        row(f"{target}: mean / p95 ms", [f"{s[0]:.1f} / {s[2]:.1f}" for s in stats])
    row("worker threads: idle → largest", [f"{figures[n]['idle']['threads']} → {figures[n]['peak']['threads']}"
                                           for n in names])  # fmt: skip
    for kind in ("rss", "uss"):
        row(f"worker {kind.upper()} MB: idle → largest", [
            f"{figures[n]['idle'][kind]:.0f} → {figures[n]['peak'][kind]:.0f}" for n in names
        ])  # fmt: skip
    line("   answers: " + "; ".join(f"{n} {dict(sorted(figures[n]['statuses'].items()))}" for n in names))


def main():
    args = parse_args()
    middleware = [name for name, package in MIDDLEWARE.items() if importlib.util.find_spec(package)]
    for name in MIDDLEWARE.keys() - set(middleware):
        line(f"{name} is not installed (pip install {MIDDLEWARE[name]}): left out.")
    t0 = time.monotonic()
    with production_run(args, "bench-static-") as (site_env, tmp, _emulator):
        root = Path(site_env["STATIC_ROOT"])
        manifest = json.loads((root / "staticfiles.json").read_text())["paths"]
        files = ["/static/" + name for name in
                 sorted(manifest.values(), key=lambda name: (root / name).stat().st_size)[-args.files:]]  # fmt: skip
        line(f"Set up in {time.monotonic() - t0:.0f} s.")
        load_before = os.getloadavg()
        with contextlib.ExitStack() as stack:
            servers = {
                f"{kind} {name}": stack.enter_context(Gunicorn(
                    site_env | {"BENCH_STATIC_SERVER": name}, tmp / f"{kind}-{name}.log",
                    "--workers", str(args.workers), config=config, app=app,
                ))
                for name in middleware
                for kind, (config, app) in CONFIGS.items()
            }  # fmt: skip
            figures = measure(args, servers, files)  # first: its idle figures are before any request
            seen = {name: asyncio.run(checks(gunicorn.url, files[-1], root)) for name, gunicorn in servers.items()}
        warnings = {name: (tmp / f"{name.replace(' ', '-')}.log").read_text().count(WARNING) for name in servers}
        load = [" ".join(f"{x:.2f}" for x in values) for values in (load_before, os.getloadavg())]
        report(args, files, root, figures, seen, warnings, load)
        line(f"\nWhole run: {time.monotonic() - t0:.0f} s.")


if __name__ == "__main__":
    main()
