"""Memory of the ASGI site's workers (issue 22: a worker stays ≤ 100 MB with streams open), step by step.

    .venv/bin/python tests/benchmarks/bench_memory.py [--workers 2] [--streams 100,300] [--config FILE]
    .venv/bin/python tests/benchmarks/bench_memory.py --env MALLOC_ARENA_MAX=2 --env ASGI_THREADS=8
    .venv/bin/python tests/benchmarks/bench_memory.py --smoke

Needs PostgreSQL and Redis on 127.0.0.1. Like bench_load.py (whose pieces it uses) it DROPS AND RECREATES the
PostgreSQL database `--database` (default chatsite_bench, or BENCH_LOAD_DATABASE) and flushes the Redis database
`--redis-url` (default db 10, or BENCH_LOAD_REDIS_URL): never point them at data you keep.

What runs: `manage.py runemulator` standing in for ACS; gunicorn with the production ASGI configuration
(chatsite/gunicorn_asgi_conf.py, the site's own chatsite.asgi application, production settings, PostgreSQL + Redis),
`--workers` workers. After each step it prints every worker's RSS, PSS and USS (tests/benchmarks/memory.py says which
is which: PSS is what a worker costs the machine, RSS what `ps` shows):
1. started (gunicorn's readiness probe, /healthz, answered);
2. after `--requests` of each kind in turn: thread page, idle poll, send (at most 10), the thread list, the admin
   (index and the thread list);
3. with each count of `--streams` open (GET /live/stream/), and the memory per open stream (USS growth / streams);
4. once the streams closed: what comes back.
"""

import argparse
import asyncio
import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import aiohttp  # noqa: E402
from bench_load import (  # noqa: E402
    Browser,
    Gunicorn,
    Site,
    line,
    page_counts,
    parse_stack_args,
    production_run,
    setup_site,
)
from memory import describe, threads, usage, worker_pids  # noqa: E402

SMOKE = {"requests": 2, "streams": [3], "people": 3}
TARGET_MB = 100
CONFIG = "chatsite/gunicorn_asgi_conf.py"
SENDS = 10  # at most: ACS takes 30 sends a minute per thread


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--requests", type=int, default=40, help="requests of each kind (40)")
    parser.add_argument("--streams", type=page_counts, default="100,300", help="open streams, in turn (100,300)")
    parser.add_argument("--people", type=int, default=30, help="people whose pages and streams are open (30)")
    parser.add_argument("--config", default=CONFIG, help=f"gunicorn's configuration ({CONFIG})")
    parser.add_argument(
        "--env", action="append", default=[], metavar="KEY=VALUE", help="an environment variable for the site"
    )
    return parse_stack_args(parser, argv, SMOKE)


def staff_cookies():
    """A signed-in superuser's cookies (the admin's pages)."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model

    user = get_user_model().objects.create_superuser("bench-staff", password=None)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return {settings.SESSION_COOKIE_NAME: session.session_key}


class Report:
    def __init__(self, master_pid):
        self.master_pid = master_pid
        self.rows = []

    def step(self, name):
        pids = worker_pids(self.master_pid)
        figures = [usage(pid) for pid in pids]
        self.rows.append((name, figures))
        line(f"  {name:<44} {describe(pids)}; threads {'/'.join(str(threads(pid)) for pid in pids)}")
        return figures


async def hold_stream(http, browser, opened):
    headers = browser.headers(False) | {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
    async with http.get(f"{browser.site.url}/live/stream/", headers=headers) as answer:
        if answer.status != 200:
            raise SystemExit(f"a stream answered {answer.status}")
        async for raw in answer.content:
            if raw.startswith(b"retry:"):
                opened.set()


async def measure(args, gunicorn, site, sender_cookies, people_cookies, staff, thread_id):
    report = Report(gunicorn.process.pid)
    report.step("1. started (/healthz answered)")
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as http:
        sender = Browser(site, sender_cookies)
        await sender.open(http, thread_id)
        browsers = [Browser(site, cookies) for cookies in people_cookies]
        n = args.requests
        paths = []
        for first in range(0, n, 8):
            paths += await asyncio.gather(*(browsers[k % len(browsers)].open(http, thread_id) for k in
                                            range(first, min(n, first + 8))))  # fmt: skip
        report.step(f"2. after {n} thread pages (and their first poll)")
        for first in range(0, n, 8):
            await asyncio.gather(*(browsers[k % len(browsers)].get(http, paths[k]) for k in
                                   range(first, min(n, first + 8))))  # fmt: skip
        report.step(f"   after {n} idle polls")
        sends = min(n, SENDS)
        for _ in range(sends):
            started = time.monotonic()
            await sender.send(http, thread_id, f"bench-{secrets.token_hex(5)}")
            await asyncio.sleep(max(0.0, 2.1 - (time.monotonic() - started)))  # ACS: 30 sends a minute per thread
        report.step(f"   after {sends} sends")
        for first in range(0, n, 8):
            await asyncio.gather(*(browsers[k % len(browsers)].get(http, "/", htmx=False) for k in
                                   range(first, min(n, first + 8))))  # fmt: skip
        report.step(f"   after {n} thread lists")
        admin = Browser(site, staff)
        for k in range(n):
            status, body = await admin.get(http, "/admin/" if k % 2 else "/admin/chat/thread/", htmx=False)
            if status != 200:
                raise SystemExit(f"the admin answered {status}:\n{body[:2000]}")
        report.step(f"   after {n} admin pages")

        before = report.step("3. before the streams")
        for count in args.streams:
            openings = [asyncio.Event() for _ in range(count)]
            holding = []
            for first in range(0, count, 20):
                for k in range(first, min(count, first + 20)):
                    holding.append(asyncio.ensure_future(hold_stream(http, browsers[k % len(browsers)], openings[k])))
                await asyncio.wait_for(asyncio.gather(*(o.wait() for o in openings[first : first + 20])), 120)
            await asyncio.sleep(1.0)
            during = report.step(f"   {count} streams open")
            grown = sum(d["uss"] for d in during) - sum(b["uss"] for b in before)
            line(f"     memory per open stream: {grown * 1024 / count:.0f} KB (USS growth of all workers / streams)")
            for task in holding:
                task.cancel()
            await asyncio.gather(*holding, return_exceptions=True)
            await asyncio.sleep(3.0)  # the server notices the closed connections
            report.step(f"4. after the {count} streams closed")
    return report


def summary(report, load):
    line("\n=== Worker memory " + "=" * 52)
    worst = {kind: max((f[kind] for _name, figures in report.rows for f in figures), default=float("nan"))
             for kind in ("rss", "pss", "uss")}  # fmt: skip
    line(
        f"  largest worker at any step: RSS {worst['rss']:.0f} MB, PSS {worst['pss']:.0f} MB, USS {worst['uss']:.0f} "
        f"MB (target ≤ {TARGET_MB} MB); load average {load[0]:.2f} → {load[1]:.2f}"
    )


def main():
    args = parse_args()
    t0 = time.monotonic()
    with production_run(args, "bench-memory-") as (site_env, tmp, _emulator):
        sender_cookies, people_cookies, _threads, flows, csrf_cookie = setup_site([], args.people, [args.people])
        staff = staff_cookies()
        extra = dict(item.split("=", 1) for item in args.env)
        line(
            f"Set up in {time.monotonic() - t0:.0f} s. {args.workers} ASGI workers, {args.config}"
            f"{', ' + ' '.join(args.env) if args.env else ''}; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
        load = [os.getloadavg()[0]]
        with Gunicorn(
            site_env | extra, tmp / "gunicorn.log", "--workers", str(args.workers), config=args.config,
            app="chatsite.asgi:application",
        ) as gunicorn:  # fmt: skip
            line(f"  master: {describe([gunicorn.process.pid])}")
            report = asyncio.run(measure(
                args, gunicorn, Site(gunicorn.url, csrf_cookie), sender_cookies, people_cookies, staff, flows[0]
            ))  # fmt: skip
        load.append(os.getloadavg()[0])
        summary(report, load)
        line(f"\nWhole run: {time.monotonic() - t0:.0f} s.")

if __name__ == "__main__":
    main()
