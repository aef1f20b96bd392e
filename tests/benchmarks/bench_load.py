"""Load benchmark: open thread pages polling a production-like site, and what they cost the site and ACS.

    .venv/bin/python tests/benchmarks/bench_load.py [--viewers 100] [--duration 6] [--changes 5] ...
    .venv/bin/python tests/benchmarks/bench_load.py --smoke

Needs PostgreSQL and Redis on 127.0.0.1 (as tests/deploy does). The run DROPS AND RECREATES the PostgreSQL
database `--database` (default chatsite_bench, or BENCH_LOAD_DATABASE) and flushes the Redis database `--redis-url`
(default db 10, or BENCH_LOAD_REDIS_URL): never point them at data you keep. Everything else is temporary and
loopback only; the run stops by itself.

What runs (each in its own process):
- `manage.py runemulator` standing in for ACS, over HTTPS, on a throw-away SQLite file, with ACS's rate limits.
  Its access log (one line per request) is how ACS calls are counted: the site itself is not instrumented.
- gunicorn with chatsite/gunicorn_conf.py, production settings (CHATSITE_ENV=production, PostgreSQL, Redis,
  reached as through a TLS-terminating proxy: X-Forwarded-Proto), Event Grid mode (changes by other ACS clients
  would arrive as events, so an idle page never reads ACS). Served through tests/benchmarks/load_wsgi.py, which
  adds `/bench/bare/`: a bare login-required view, the baseline.
- This script: people and threads made through the site's own services (signed in by a session each, not by
  password: hashing 100 passwords would take longer than the benchmark), then simulated viewers (asyncio +
  aiohttp) that open a thread page and poll as the page does, one request per beat: GET the poller's URL (once
  as the page loads, then every `--interval` seconds) with HX-Request, following the marker and versions each
  answer hands them; a beat that falls during a request is dropped (the page's hx-sync="this:drop"). They do not
  add their own newest message (`own`) nor say what they read (the page's read POST), so they send no read
  receipts. Messages are sent through the composer's URL.

It prints, in one run:
1. Idle poll vs the bare view: one connection (time per request) and saturated (`--concurrency` connections for
   `--duration` seconds each: requests per second).
2. ACS requests per change for 1, 10 and `--viewers` viewers, each on its own thread, all at once (`--changes`
   messages per thread, `--spacing` seconds apart).
3. The delivery latency: from the send starting to each viewer's poll answer that shows the message, with the
   send's own time and the polls that answered "nothing new" after the change was committed.
4. Page open: `--viewers` people reload the thread page at once right after one change (`--reloads` times); ACS
   requests made.
5. gunicorn worker recycling: saturated idle polls with max_requests=2000 (jitter 200) and with recycling off,
   both servers up and loaded in turns; and the CPU a worker spends loading the application.
6. Messages flowing: `--pages` open pages of one thread each (50 and 300: a thread holds at most `--max-people`
   people, more pages are their second tabs) poll while a message is sent every `--flow-spacing` seconds; ACS
   reads per change (target 1.00) and delivery.
7. Idle: the largest of those page sets keeps polling for `--idle` seconds with nothing happening (longer than
   the 60 s after which the roster used to be re-read); every ACS request meanwhile (target 0).

`--streams 100,300[,1000]` runs the streams mode instead (tests/benchmarks/load_streams.py says what it measures):
pages held on push streams of the ASGI server, the sender on a second site process.

`--smoke` runs every step with tiny sizes and durations, the streams mode too (about 2 minutes, most of it starting
servers), for CI.

With --profile DIR, a last gunicorn (one worker, one thread) profiles idle polls and bare views with cProfile and
prints where their time goes (`python -m pstats DIR/poll/worker-*.prof` for more).
"""

import argparse
import asyncio
import contextlib
import math
import os
import queue
import random
import re
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from html import unescape
from pathlib import Path
from urllib.parse import unquote, urlsplit

BASE_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(BASE_DIR))

import aiohttp  # noqa: E402

PASSED_THROUGH = ("PATH", "HOME", "LANG", "LC_ALL", "TMPDIR")
ASSIGNMENT = re.compile(r"^(ACS_CONNECTION_STRING|ACS_CA_CERT)=(\S+)$")
ACCESS_LINE = re.compile(r'"(GET|POST|PUT|PATCH|DELETE) (\S+) HTTP/[\d.]+" (\d{3})')
POLLER = re.compile(r'id="poller"[^>]*hx-get="([^"]+)"')
CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TOKEN = re.compile(r"bench-[0-9a-f]{10}")
BOOTING = "Booting worker with pid"


# Every step, tiny: what CI can afford (explicit options still win).
SMOKE = {
    "viewers": 3, "duration": 0.5, "recycle_duration": 1.0, "changes": 2, "spacing": 0.5, "reloads": 1,
    "requests": 10, "concurrency": 4, "pages": "2,5", "max_people": 3, "flow_changes": 2, "flow_spacing": 0.5,
    "idle": 3.0, "streams": [3], "stream_idle": 2.0,
}  # fmt: skip


def page_counts(text):
    counts = sorted({int(n) for n in text.split(",") if n.strip()})
    if not counts or counts[0] < 1:
        raise argparse.ArgumentTypeError("a comma-separated list of page counts, e.g. 50,300")
    return counts


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--viewers", type=int, default=100, help="largest number of viewers on one thread (100)")
    parser.add_argument("--duration", type=float, default=6.0, help="seconds of saturated load per figure (6)")
    parser.add_argument("--recycle-duration", type=float, default=16.0, help="seconds per recycling figure (16)")
    parser.add_argument("--changes", type=int, default=5, help="messages sent per thread in step 2 (5)")
    parser.add_argument("--spacing", type=float, default=3.0, help="seconds between those messages (3)")
    parser.add_argument("--reloads", type=int, default=3, help="changes after which every viewer reloads (3)")
    parser.add_argument("--interval", type=float, default=2.0, help="the page's poll interval, seconds (2)")
    parser.add_argument("--requests", type=int, default=300, help="one-connection requests per figure (300)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections at saturation (16 = 2×8)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (2)")
    parser.add_argument("--skip-recycling", action="store_true", help="leave out the recycling figures")
    parser.add_argument("--profile", metavar="DIR", help="profile idle polls and bare views into DIR")
    parser.add_argument("--pages", type=page_counts, default="50,300", help="open pages per flowing thread (50,300)")
    parser.add_argument("--max-people", type=int, default=150, help="people per flowing thread; more pages are tabs")
    parser.add_argument("--flow-changes", type=int, default=12, help="messages sent in each flowing scenario (12)")
    parser.add_argument("--flow-spacing", type=float, default=2.5, help="seconds between those messages (2.5)")
    parser.add_argument("--idle", type=float, default=70.0, help="seconds of idle polling counted in step 7 (70)")
    parser.add_argument(
        "--streams", type=page_counts, metavar="PAGES",
        help="streams mode instead of the steps above: pages held on push streams, e.g. 100,300,1000 (load_streams.py)",
    )  # fmt: skip
    parser.add_argument("--stream-idle", type=float, default=30.0, help="seconds the streams stay open idle (30)")
    args = parse_stack_args(parser, argv, SMOKE, "every step with tiny sizes and durations (CI)")
    if args.max_people > 150:
        parser.error("--max-people: at most 150 (ACS: 250 participants a thread, 200 added at once)")
    return args


def parse_stack_args(parser, argv, smoke, smoke_help="tiny sizes (CI)"):
    """The options every benchmark of the production stack shares (its scratch PostgreSQL database and Redis db,
    recreated on every run, and --smoke), then the arguments, with `smoke`'s sizes as defaults under --smoke."""
    parser.add_argument("--postgres", default="postgresql://postgres@127.0.0.1:5432/postgres", help="admin URL")
    # Defaults from BENCH_LOAD_DATABASE / BENCH_LOAD_REDIS_URL when set (.ci/bench-smoke passes no options).
    database = os.environ.get("BENCH_LOAD_DATABASE", "chatsite_bench")
    redis_url = os.environ.get("BENCH_LOAD_REDIS_URL", "redis://127.0.0.1:6379/10")
    parser.add_argument("--database", default=database, help=f"recreated on every run ({database})")
    parser.add_argument("--redis-url", default=redis_url, help=f"flushed on every run ({redis_url})")
    parser.add_argument("--smoke", action="store_true", help=smoke_help)
    args = parser.parse_args(argv)
    if args.smoke:
        parser.set_defaults(**smoke)
        args = parser.parse_args(argv)
    return args


def clean_env(**variables):
    env = {key: os.environ[key] for key in PASSED_THROUGH if key in os.environ}
    env.update(variables)
    return env


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def manage(*args, env):
    return subprocess.Popen(
        [sys.executable, "manage.py", *args], cwd=BASE_DIR, env=env, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def finish(process, what):
    output, _ = process.communicate(timeout=300)
    if process.returncode != 0:
        raise SystemExit(f"{what} failed:\n{output}")


def stop(process):
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


# --- PostgreSQL and Redis ----------------------------------------------------------------------------------------


def recreate_database(admin_url, name):
    import psycopg

    if not re.fullmatch(r"[a-z0-9_]+", name):
        raise SystemExit(f"--database must be a plain name, not {name!r}")
    with psycopg.connect(admin_url, autocommit=True, connect_timeout=5) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
    return f"postgres://{urlsplit(admin_url).netloc}/{name}"


def flush_redis(url):
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    client.flushdb()
    client.close()


# --- The emulator: ACS, counted by its access log ----------------------------------------------------------------


class Emulator:
    def __init__(self, var_dir):
        self.env = clean_env(CHATSITE_VAR_DIR=str(var_dir))
        self.process = None
        self.settings = {}
        self.requests = []  # (monotonic time, method, path, status), appended by the reader thread
        self._lines = queue.Queue()

    def migrate(self):
        return manage("migrate", "--noinput", env=self.env)

    def start(self):
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "runemulator", "--port", "0"], cwd=BASE_DIR, env=self.env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 120  # seconds to start on a loaded machine (e.g. CI, beside the suite)
        while len(self.settings) < 2:
            try:
                line = self._lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise SystemExit("runemulator printed no settings in 120 s") from None
            if match := ASSIGNMENT.match(line.strip()):
                self.settings[match[1]] = match[2]

    def _read(self):
        for line in self.process.stdout:
            if match := ACCESS_LINE.search(line):
                method, target, status = match.groups()
                self.requests.append((time.monotonic(), method, unquote(urlsplit(target).path), int(status)))
            elif len(self.settings) < 2:
                self._lines.put(line)

    def between(self, start, end, thread_id=None):
        return [
            (method, path, status)
            for at, method, path, status in list(self.requests)
            if start <= at <= end and (thread_id is None or f"/chat/threads/{thread_id}" in path)
        ]


def operation(method, path):
    """An ACS request in words, from its method and path."""
    if path.startswith("/identities"):
        return "identity: token" if "issueAccessToken" in path else f"identity: {method}"
    parts = path.strip("/").split("/")  # chat, threads, <id>, [collection, [item]]
    collection = parts[3] if len(parts) > 3 else None
    if collection is None:
        return {"GET": "get thread", "PATCH": "update thread"}.get(method, f"{method} thread")
    if collection == "messages":
        if method == "POST":
            return "send message"
        return "list messages" if len(parts) == 4 else f"{method.lower()} message"
    return f"{method.lower()} {collection}"


def breakdown(requests):
    counts = {}
    for method, path, _status in requests:
        name = operation(method, path)
        counts[name] = counts.get(name, 0) + 1
    return counts


def reads(requests):
    return [r for r in requests if r[0] == "GET"]


# --- gunicorn ----------------------------------------------------------------------------------------------------


class Gunicorn:
    def __init__(self, env, log, *args, config="chatsite/gunicorn_conf.py", app="load_wsgi:application"):
        self.config, self.app = config, app
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = log
        self.env = env
        self.args = args
        self.process = None

    def __enter__(self):
        command = [
            sys.executable, "-m", "gunicorn", "-c", self.config, "--bind", f"127.0.0.1:{self.port}",
            "--pythonpath", "tests/benchmarks", *self.args, self.app,
        ]  # fmt: skip
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(command, cwd=BASE_DIR, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 60
        import urllib.request

        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise SystemExit("gunicorn exited:\n" + Path(self.log).read_text()[-3000:])
            with contextlib.suppress(OSError), urllib.request.urlopen(f"{self.url}/healthz", timeout=5) as answer:  # noqa: S310 - http://127.0.0.1 only
                if answer.status == 200:
                    return self
            time.sleep(0.2)
        stop(self.process)  # __exit__ does not run when __enter__ fails: the server would outlive the run
        raise SystemExit("gunicorn did not become healthy in 60 s:\n" + Path(self.log).read_text()[-3000:])

    def __exit__(self, *exc):
        stop(self.process)

    def boots(self):
        return Path(self.log).read_text().count(BOOTING)


# --- People and threads, through the site's own services ---------------------------------------------------------


def setup_site(size_list, viewers, flowing=(), prefix=""):
    """The sender, `viewers` people and one thread per size (the sender and the first `size` people), each with
    a signed-in session; and one thread per number of people in `flowing`. Usernames start with `prefix` (a second
    set of people in the same database)."""
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from chatsite.chat.actors import Actor
    from chatsite.chat.services.accounts import account_create
    from chatsite.chat.services.threads import thread_create

    store = import_module(settings.SESSION_ENGINE).SessionStore

    def person(username):
        # No password: nobody signs in with one here (each PBKDF2 hash costs a good part of a second).
        user = account_create(username=username, password=None, display_name=username.title())
        session = store()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.save()
        return user, {settings.SESSION_COOKIE_NAME: session.session_key}

    sender, sender_cookies = person(f"{prefix}sender")
    people = [person(f"{prefix}viewer{n:03d}") for n in range(viewers)]
    def thread(topic, size):
        return thread_create(
            actor=Actor.person(sender), topic=topic, participants=[user for user, _ in people[:size]],
            idempotency_token=str(uuid.uuid4()),
        ).acs_thread_id  # fmt: skip

    threads = {size: thread(f"Load {size}", size) for size in size_list}
    flows = [thread(f"Flow {n}", size) for n, size in enumerate(flowing)]
    return sender_cookies, [cookies for _, cookies in people], threads, flows, settings.CSRF_COOKIE_NAME


# --- The simulated browser ---------------------------------------------------------------------------------------


class Browser:
    """One person's cookies, sent as a TLS-terminating proxy forwards them (the site's cookies are Secure)."""

    def __init__(self, site, cookies):
        self.site = site
        self.cookies = dict(cookies)
        self.csrf = None

    def headers(self, htmx):
        headers = {
            "X-Forwarded-Proto": "https",
            "Cookie": "; ".join(f"{name}={value}" for name, value in self.cookies.items()),
        }
        if htmx:
            headers["HX-Request"] = "true"
        return headers

    async def get(self, http, path, htmx=True):
        async with http.get(self.site.url + path, headers=self.headers(htmx), allow_redirects=False) as answer:
            return answer.status, await answer.text()

    async def open(self, http, thread_id):
        """The thread page, as a browser opens it, with the poll the page makes as it loads (typing, "seen by", the
        panel version): the poller's URL that poll hands it, which an idle page polls from then on."""
        async with http.get(
            f"{self.site.url}/threads/{thread_id}/", headers=self.headers(False), allow_redirects=False
        ) as answer:
            body = await answer.text()
            if answer.status != 200:
                raise SystemExit(f"opening a thread page answered {answer.status}:\n{body[:2000]}")
            if csrf := answer.cookies.get(self.site.csrf_cookie):
                self.cookies[self.site.csrf_cookie] = csrf.value
        self.csrf = CSRF_FIELD.search(body)[1]
        path = unescape(POLLER.search(body)[1])
        status, body = await self.get(http, path)
        if status not in (200, 204):
            raise SystemExit(f"the page's first poll answered {status}:\n{body[:2000]}")
        match = POLLER.search(body)
        return unescape(match[1]) if match else path

    async def send(self, http, thread_id, content):
        headers = self.headers(True) | {"Origin": self.site.origin, "Referer": f"{self.site.origin}/"}
        data = {"content": content, "csrfmiddlewaretoken": self.csrf}
        async with http.post(f"{self.site.url}/threads/{thread_id}/messages/", data=data, headers=headers) as answer:
            if answer.status != 200:
                raise SystemExit(f"sending answered {answer.status}:\n{(await answer.text())[:2000]}")


class Site:
    def __init__(self, url, csrf_cookie):
        self.url = url
        self.origin = url.replace("http://", "https://")
        self.csrf_cookie = csrf_cookie


def connector(limit):
    return aiohttp.TCPConnector(limit=limit, force_close=False)


def summary(times):
    """mean, p50, p95 of a list of seconds, in ms."""
    ordered = sorted(times)
    if not ordered:
        return float("nan"), float("nan"), float("nan")
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return statistics.fmean(ordered) * 1000, statistics.median(ordered) * 1000, p95 * 1000


# --- 1. Idle poll vs bare view -----------------------------------------------------------------------------------


async def one_connection(browsers, targets, count):
    """Requests on one kept-alive connection, taking turns between targets, so load from elsewhere on the machine
    falls on each alike."""
    times = {name: [] for name in targets}
    statuses = {name: {} for name in targets}
    async with aiohttp.ClientSession(connector=connector(1)) as http:
        for n in range(count * len(targets) + len(targets)):
            name = list(targets)[n % len(targets)]
            browser = browsers[n // len(targets) % len(browsers)]
            path = targets[name](browser)
            start = time.perf_counter()
            status, _ = await browser.get(http, path)
            elapsed = time.perf_counter() - start
            if n >= len(targets):  # the first round warms the connection
                times[name].append(elapsed)
                statuses[name][status] = statuses[name].get(status, 0) + 1
    return times, statuses


async def saturate(browsers, path_of, seconds, concurrency):
    """`concurrency` connections, each sending its next request as soon as the last is answered."""
    times, statuses = [], {}
    async with aiohttp.ClientSession(connector=connector(concurrency)) as http:

        async def loop(n):
            deadline = time.perf_counter() + seconds
            k = n
            while time.perf_counter() < deadline:
                browser = browsers[k % len(browsers)]
                k += concurrency
                start = time.perf_counter()
                status, _ = await browser.get(http, path_of(browser))
                times.append(time.perf_counter() - start)
                statuses[status] = statuses.get(status, 0) + 1

        started = time.perf_counter()
        await asyncio.gather(*(loop(n) for n in range(concurrency)))
        elapsed = time.perf_counter() - started
    return len(times) / elapsed, times, statuses


# --- 2. Viewers polling as the page does -------------------------------------------------------------------------


class Deadline:
    """When open pages stop polling (event loop time); whoever decides it may move it, e.g. the sender once its last
    message is out, however long the sends took on a loaded machine."""

    def __init__(self, at=math.inf):
        self.at = at


async def view(http, browser, path, *, interval, until, seen, answers, polls):
    """One open page: a poll every `interval` s from a random phase, until `until` (a Deadline); a beat during a
    request is dropped. `polls` gets (sent, answered) of every poll, to tell afterwards which answers came after a
    change and missed it."""
    loop = asyncio.get_running_loop()
    beat = loop.time() + random.uniform(0, interval)
    while True:
        await asyncio.sleep(max(0.0, beat - loop.time()))
        if loop.time() >= until.at:
            return path
        issued = time.monotonic()
        status, body = await browser.get(http, path)
        answered = time.monotonic()
        polls.append((issued, answered))
        answers[status] = answers.get(status, 0) + 1
        answers.setdefault(f"{status} times", []).append(answered - issued)
        if status == 200:
            for token in TOKEN.findall(body):
                seen.setdefault((id(browser), token), answered)
            if match := POLLER.search(body):
                path = unescape(match[1])
        elif status != 204:
            raise SystemExit(f"a poll answered {status}:\n{body[:2000]}")
        beat += interval
        while beat <= loop.time():
            beat += interval


async def changes_phase(args, sender, viewers, threads, paths, emulator, *, changes, spacing):
    """Every thread at once: its viewers (`viewers[size]`, a page each) poll while the sender sends `changes`
    messages, one starting every `spacing` s (or as soon as the one before is answered, if that takes longer); they
    stop polling a little after the last is answered."""
    loop = asyncio.get_running_loop()
    warm = args.interval + 0.5
    tail = args.interval + 2.0
    started_at = time.monotonic()
    until = {size: Deadline() for size in threads}
    sent = {}  # token -> (thread size, monotonic times the send started and was answered)
    seen = {}  # (browser id, token) -> monotonic time a poll answer showed it
    answers = {}
    polls = {(size, n): [] for size in threads for n in range(size)}  # per open page

    async with aiohttp.ClientSession(connector=connector(0)) as http:

        async def send_all(size):
            first = loop.time() + warm
            for n in range(changes):
                await asyncio.sleep(max(0.0, first + n * spacing - loop.time()))
                token = f"bench-{secrets.token_hex(5)}"
                began = time.monotonic()
                await sender.send(http, threads[size], f"Load test {token}")
                sent[token] = (size, began, time.monotonic())
            until[size].at = loop.time() + tail

        viewing = {
            size: [
                view(http, viewers[size][n], paths[size][n], interval=args.interval, until=until[size], seen=seen,
                     answers=answers, polls=polls[(size, n)])
                for n in range(size)
            ]
            for size in threads
        }
        pages = [page for size in threads for page in viewing[size]]
        results = await asyncio.gather(*(send_all(size) for size in threads), *pages)
    ended_at = time.monotonic()
    await asyncio.sleep(1.0)  # the emulator logs a request just after answering it
    new_paths, k = {}, len(threads)
    for size in threads:
        new_paths[size] = list(results[k : k + size])
        k += size

    latencies = {size: [] for size in threads}
    missing = {size: 0 for size in threads}
    # A poll sent after the send was answered (the change is committed and the marker moved) that still does not
    # show it: the page waits one more interval.
    late = {size: 0 for size in threads}
    after_send = {size: [] for size in threads}
    for token, (size, began, done) in sent.items():
        for n in range(size):
            shown = seen.get((id(viewers[size][n]), token))
            if shown is None:
                missing[size] += 1
                continue
            latencies[size].append(shown - began)
            after_send[size].append(shown - done)
            late[size] += sum(1 for issued, answered in polls[(size, n)] if issued > done and answered < shown)
    sends = [done - began for _size, began, done in sent.values()]
    counted = {size: emulator.between(started_at, ended_at + 1.0, threads[size]) for size in threads}
    identity = [r for r in emulator.between(started_at, ended_at + 1.0) if r[1].startswith("/identities")]
    diagnosis = {"late": late, "after_send": after_send, "sends": sends}
    return new_paths, latencies, missing, counted, identity, answers, diagnosis


async def page_open_phase(sender, viewers, thread_id, emulator):
    """One change, then every viewer reloads the page at once."""
    async with aiohttp.ClientSession(connector=connector(0)) as http:
        await sender.send(http, thread_id, f"Reload {secrets.token_hex(4)}")
        await asyncio.sleep(0.5)  # the send's own ACS requests are logged
        start = time.monotonic()

        async def reload(browser):
            began = time.perf_counter()
            path = await browser.open(http, thread_id)
            return time.perf_counter() - began, path

        results = await asyncio.gather(*(reload(b) for b in viewers))
        end = time.monotonic()
    await asyncio.sleep(1.0)
    return [t for t, _ in results], [p for _, p in results], emulator.between(start, end + 1.0, thread_id)


# --- The run -----------------------------------------------------------------------------------------------------


def line(text=""):
    print(text, flush=True)


def fmt_counts(counts):
    return ", ".join(f"{name} {count}" for name, count in sorted(counts.items())) or "none"


def production_stack(args, tmp, emulator) -> dict:
    """What every site benchmark stands on: `--database` recreated and migrated, `--redis-url` flushed, static files
    collected, the emulator started; returns the production settings a site process gets (also put in this process's
    environment, with DJANGO_SETTINGS_MODULE, for its own Django calls)."""
    database_url = recreate_database(args.postgres, args.database)
    flush_redis(args.redis_url)
    site_env = clean_env(
        CHATSITE_ENV="production",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        DATABASE_URL=database_url,
        REDIS_URL=args.redis_url,
        STATIC_ROOT=str(tmp / "static"),
        SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
        ACS_EVENTS="eventgrid",
        EVENTGRID_SECRET=secrets.token_urlsafe(40),
        # Stands in until the emulator prints its own: migrate and collectstatic contact nothing.
        ACS_CONNECTION_STRING="endpoint=https://127.0.0.1:1/;accesskey=" + "A" * 44,
    )
    setup = [emulator.migrate(), manage("migrate", "--noinput", env=site_env)]
    setup.append(manage("collectstatic", "--noinput", env=site_env))
    for process, what in zip(setup, ("emulator migrate", "site migrate", "collectstatic"), strict=True):
        finish(process, what)
    emulator.start()
    site_env.update(emulator.settings)
    os.environ.update(site_env)
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatsite.settings"
    return site_env


@contextlib.contextmanager
def production_run(args, prefix):
    """A benchmark's whole run on production_stack(): yields (site_env, tmp, emulator). If the run fails, the last
    lines of every server log it left in tmp (*.log) are printed; either way the emulator stops, the Redis database
    is flushed and tmp is removed."""
    tmp = Path(tempfile.mkdtemp(prefix=prefix))
    emulator = Emulator(tmp / "emulator")
    try:
        yield production_stack(args, tmp, emulator), tmp, emulator
    except BaseException:
        for log in tmp.glob("*.log"):
            line(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
        raise
    finally:
        stop(emulator.process)
        with contextlib.suppress(Exception):
            flush_redis(args.redis_url)
        shutil.rmtree(tmp, ignore_errors=True)


def main():
    args = parse_args()
    sizes = sorted({s for s in (1, 10, args.viewers) if s <= args.viewers})
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    emulator = Emulator(tmp / "emulator")
    processes = []
    t0 = time.monotonic()
    try:
        site_env = production_stack(args, tmp, emulator)
        processes.append(emulator.process)
        if args.streams and not args.smoke:
            import load_streams

            load_streams.run(args, site_env, tmp, emulator)
            line(f"\nWhole run: {time.monotonic() - t0:.0f} s.")
            return
        flowing = [min(pages, args.max_people) for pages in args.pages]
        people = max(args.viewers, *flowing)
        sender_cookies, people_cookies, threads, flows, csrf_cookie = setup_site(sizes, people, flowing)
        line(f"Set up in {time.monotonic() - t0:.0f} s: {people} people, threads of {sizes} viewers, flowing "
             f"threads of {flowing} people.")  # fmt: skip
        results = {}
        with Gunicorn(site_env, tmp / "gunicorn.log", "--workers", str(args.workers)) as gunicorn:
            results |= asyncio.run(measure(args, gunicorn, Site(gunicorn.url, csrf_cookie), sender_cookies,
                                           people_cookies, threads, flows, emulator))  # fmt: skip
        if not args.skip_recycling:
            results["recycling"] = recycling(args, site_env, tmp, people_cookies, results["idle_paths"], csrf_cookie)
        if args.profile:
            profile(args, site_env, tmp, people_cookies, results["idle_paths"], csrf_cookie)
        report(args, results, sizes)
        if args.streams:  # --smoke: the streams mode too, after the rest
            import load_streams

            load_streams.run(args, site_env, tmp, emulator, prefix="streams-")
        line(f"\nWhole run: {time.monotonic() - t0:.0f} s.")
    except BaseException:
        for log in tmp.glob("*.log"):
            line(f"--- {log.name} (last lines)\n" + "\n".join(log.read_text().splitlines()[-15:]))
        line(f"--- ACS requests refused: {[r for r in emulator.requests if r[3] >= 400][-10:]}")
        raise
    finally:
        for process in processes:
            stop(process)
        with contextlib.suppress(Exception):
            flush_redis(args.redis_url)
        shutil.rmtree(tmp, ignore_errors=True)


async def measure(args, gunicorn, site, sender_cookies, people_cookies, threads, flows, emulator):
    sender = Browser(site, sender_cookies)
    viewers = [Browser(site, cookies) for cookies in people_cookies]
    results = {}
    # Every page opens once (a few at a time, as people arrive), so each viewer starts from its poller's URL.
    async with aiohttp.ClientSession(connector=connector(8)) as http:
        paths = {}
        for size, thread_id in threads.items():
            paths[size] = []
            for first in range(0, size, 8):
                arriving = viewers[first : min(first + 8, size)]
                paths[size] += await asyncio.gather(*(v.open(http, thread_id) for v in arriving))
        await sender.open(http, threads[max(threads)])

    line("Viewers polling while messages are sent…")
    paths, latencies, missing, counted, identity, answers, diagnosis = await changes_phase(
        args, sender, {size: viewers[:size] for size in threads}, threads, paths, emulator, changes=args.changes,
        spacing=args.spacing,
    )  # fmt: skip
    results |= {"latencies": latencies, "missing": missing, "counted": counted, "identity": identity}
    results["diagnosis"] = diagnosis
    results["answers"] = answers

    line("Every viewer reloading the page at once…")
    largest = max(threads)
    results["page_open"] = []
    for _ in range(args.reloads):
        times, reopened, requests = await page_open_phase(sender, viewers[:largest], threads[largest], emulator)
        results["page_open"].append((times, requests))

    line("Idle polls and bare views…")
    idle = dict(zip(viewers[:largest], reopened, strict=True))
    targets = {"idle poll": lambda b: idle[b], "bare view": lambda b: "/bench/bare/"}
    polled = list(idle)
    idle_started = time.monotonic()
    results["one_connection"] = await one_connection(polled, targets, args.requests)
    saturated = {name: ([], [], {}) for name in targets}
    for _ in range(4):  # taking turns, so a burst of load from elsewhere falls on both
        for name, path_of in targets.items():
            rate, times, statuses = await saturate(polled, path_of, args.duration / 4, args.concurrency)
            saturated[name][0].append(rate)
            saturated[name][1].extend(times)
            merge(saturated[name][2], statuses)
    results["saturated"] = saturated
    results["idle_paths"] = [idle[b] for b in polled]
    await asyncio.sleep(1.0)
    results["acs_during_idle"] = len(emulator.between(idle_started, time.monotonic()))

    results["flows"] = []
    for pages, thread_id in zip(args.pages, flows, strict=True):
        line(f"{pages} pages polling while messages flow…")
        results["flows"].append(await flow_phase(args, sender, site, people_cookies, pages, thread_id, emulator))
    largest = results["flows"][-1]
    line(f"{largest['pages']} pages polling with nothing happening for {args.idle:g} s…")
    results["idle_pages"] = await idle_phase(args, largest["browsers"], largest["paths"], emulator)
    return results


# --- 6. Messages flowing, and 7. idle pages ----------------------------------------------------------------------


async def flow_phase(args, sender, site, people_cookies, pages, thread_id, emulator):
    """`pages` open pages of one thread (each of its people, then their second tabs, as they arrive a few at a
    time) while the sender sends `--flow-changes` messages, one every `--flow-spacing` s."""
    people = min(pages, args.max_people)
    browsers = [Browser(site, people_cookies[n % people]) for n in range(pages)]
    async with aiohttp.ClientSession(connector=connector(8)) as http:
        await sender.open(http, thread_id)
        paths = []
        for first in range(0, pages, 8):
            paths += await asyncio.gather(*(b.open(http, thread_id) for b in browsers[first : first + 8]))
    new_paths, latencies, missing, counted, _identity, answers, diagnosis = await changes_phase(
        args, sender, {pages: browsers}, {pages: thread_id}, {pages: paths}, emulator, changes=args.flow_changes,
        spacing=args.flow_spacing,
    )  # fmt: skip
    return {
        "pages": pages, "people": people, "browsers": browsers, "paths": new_paths[pages],
        "latencies": latencies[pages], "missing": missing[pages], "counted": counted[pages], "answers": answers,
        "late": diagnosis["late"][pages], "sends": diagnosis["sends"],
    }  # fmt: skip


async def idle_phase(args, browsers, paths, emulator):
    """The pages keep polling with nothing happening: their answers, and every ACS request meanwhile."""
    loop = asyncio.get_running_loop()
    answers = {}
    start = time.monotonic()
    until = Deadline(loop.time() + args.idle)
    async with aiohttp.ClientSession(connector=connector(0)) as http:
        await asyncio.gather(*(
            view(http, b, path, interval=args.interval, until=until, seen={}, answers=answers, polls=[])
            for b, path in zip(browsers, paths, strict=True)
        ))  # fmt: skip
    end = time.monotonic()
    await asyncio.sleep(1.0)  # the emulator logs a request just after answering it
    return answers, emulator.between(start, end + 1.0)


def status_counts(answers):
    return dict(sorted((status, count) for status, count in answers.items() if isinstance(status, int)))


def recycling(args, site_env, tmp, people_cookies, idle_paths, csrf_cookie):
    """Both configurations at once (two gunicorns), loaded in turns, so load from elsewhere falls on each alike."""
    line("Worker recycling…")
    configs = {
        "max_requests=2000 (jitter 200)": ("--max-requests", "2000", "--max-requests-jitter", "200"),
        "recycling off (max_requests=0)": ("--max-requests", "0"),
    }
    rounds = 4
    with contextlib.ExitStack() as stack:
        servers, figures = {}, {}
        for n, (name, options) in enumerate(configs.items()):
            log = tmp / f"recycle-{n}.log"
            gunicorn = stack.enter_context(Gunicorn(site_env, log, "--workers", str(args.workers), *options))
            site = Site(gunicorn.url, csrf_cookie)
            browsers = [Browser(site, cookies) for cookies in people_cookies[: len(idle_paths)]]
            idle = dict(zip(browsers, idle_paths, strict=True))
            asyncio.run(saturate(browsers, idle.get, 1.0, args.concurrency))  # every worker warm
            servers[name] = (gunicorn, browsers, idle, gunicorn.boots())
            figures[name] = ([], [], {})
        for _ in range(rounds):
            for name, (_gunicorn, browsers, idle, _boots) in servers.items():
                rate, times, statuses = asyncio.run(
                    saturate(browsers, idle.get, args.recycle_duration / rounds, args.concurrency)
                )
                figures[name][0].append(rate)
                figures[name][1].extend(times)
                merge(figures[name][2], statuses)
                time.sleep(1.0)  # a worker booting after its 2000th request is not charged to the other
        return {
            name: (statistics.fmean(rates), summary(times), servers[name][0].boots() - servers[name][3], statuses)
            for name, (rates, times, statuses) in figures.items()
        }, boot_cost(site_env)


def boot_cost(site_env):
    """CPU seconds a new worker spends loading the application (what each recycling pays again, before the
    first requests, which are slower still: connections and templates are made anew)."""
    code = "import time; t = time.process_time(); import load_wsgi; print(time.process_time() - t)"
    costs = []
    for _ in range(3):
        done = subprocess.run(
            [sys.executable, "-c", code], cwd=BASE_DIR / "tests" / "benchmarks",
            env=site_env | {"PYTHONPATH": str(BASE_DIR)}, capture_output=True, text=True, check=True,
        )  # fmt: skip
        costs.append(float(done.stdout.split()[-1]))
    return min(costs)


def merge(into, counts):
    for key, count in counts.items():
        into[key] = into.get(key, 0) + count


def profile(args, site_env, tmp, people_cookies, idle_paths, csrf_cookie):
    line("Profiling (one worker, one thread)…")
    out = Path(args.profile).resolve()
    for name in ("poll", "bare"):
        folder = out / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        env = site_env | {"BENCH_PROFILE": str(folder)}
        with Gunicorn(env, tmp / "profile.log", "--workers", "1", "--threads", "1") as gunicorn:
            site = Site(gunicorn.url, csrf_cookie)
            browsers = [Browser(site, cookies) for cookies in people_cookies[: len(idle_paths)]]
            idle = dict(zip(browsers, idle_paths, strict=True))
            path_of = idle.get if name == "poll" else (lambda b: "/bench/bare/")
            asyncio.run(one_connection(browsers, {name: path_of}, 1000))
        import pstats

        for dump in folder.glob("worker-*.prof"):
            line(f"\n--- {name}: {dump}")
            pstats.Stats(str(dump)).sort_stats("tottime").print_stats(18)


def report(args, results, sizes):
    line("\n=== Results " + "=" * 60)
    times, statuses = results["one_connection"]
    line("1. Idle poll vs bare login-required view")
    line(f"   {'':<12}{'mean ms':>9}{'p50 ms':>9}{'p95 ms':>9}{'req/s @' + str(args.concurrency):>12}  answers")
    rates = {}
    for name in times:
        mean, p50, p95 = summary(times[name])
        saturated_rates, _sat_times, sat_statuses = results["saturated"][name]
        rates[name] = statistics.fmean(saturated_rates)
        answers = {**statuses[name]}
        merge(answers, sat_statuses)
        line(f"   {name:<12}{mean:>9.2f}{p50:>9.2f}{p95:>9.2f}{rates[name]:>12.0f}  {answers}")
    poll, bare = summary(times["idle poll"]), summary(times["bare view"])
    line(f"   idle poll / bare view: {poll[0] / bare[0]:.2f}× the mean time, {poll[1] / bare[1]:.2f}× the median "
         f"(target ≤ 1.3×); {rates['bare view'] / rates['idle poll']:.2f}× fewer req/s; ACS requests meanwhile: "
         f"{results['acs_during_idle']}")  # fmt: skip

    line("2. ACS requests per change (each thread's viewers polling; sends counted apart)")
    for size in sizes:
        counted = results["counted"][size]
        read_count = len(reads(counted))
        line(f"   {size:>3} viewer(s): {read_count / args.changes:.2f} reads per change "
             f"({read_count} reads for {args.changes} changes: {fmt_counts(breakdown(counted))})")  # fmt: skip
    answers = results["answers"]
    timing = ", ".join(
        f"{status} ×{answers[status]} p50 {summary(answers[f'{status} times'])[1]:.0f} ms, "
        f"p95 {summary(answers[f'{status} times'])[2]:.0f} ms"
        for status in sorted(k for k in answers if isinstance(k, int))
    )
    line(f"   identity requests meanwhile: {fmt_counts(breakdown(results['identity']))}; poll answers: {timing}")
    line(f"3. Delivery latency (send start → a viewer's poll answer shows it; poll every {args.interval:g} s)")
    every = []
    for size in sizes:
        values = results["latencies"][size]
        every += values
        _mean, p50, p95 = summary(values)
        line(f"   {size:>3} viewer(s): p50 {p50 / 1000:.2f} s, p95 {p95 / 1000:.2f} s over {len(values)} deliveries"
             f"{', MISSED ' + str(results['missing'][size]) if results['missing'][size] else ''}")  # fmt: skip
    _mean, p50, p95 = summary(every)
    line(f"   all: p50 {p50 / 1000:.2f} s, p95 {p95 / 1000:.2f} s (target p50 {args.interval / 2:.2f} ± 0.1 s)")
    diagnosis = results["diagnosis"]
    _mean, send50, send95 = summary(diagnosis["sends"])
    after = [t for values in diagnosis["after_send"].values() for t in values]
    _mean, after50, after95 = summary(after)
    late = sum(diagnosis["late"].values())
    line(f"   of which the send itself (POST until answered): p50 {send50 / 1000:.2f} s, p95 {send95 / 1000:.2f} s; "
         f"from its answer: p50 {after50 / 1000:.2f} s, p95 {after95 / 1000:.2f} s")
    line(f"   polls sent after the send was answered that did not show it yet: {late} for {len(after)} deliveries "
         f"({fmt_counts({f'{size} viewers': n for size, n in diagnosis['late'].items()})})")
    line(f"4. Page open: {args.viewers} viewers reload at once after one change ({args.reloads} times)")
    for times, requests in results["page_open"]:
        mean, p50, p95 = summary(times)
        line(f"   {len(reads(requests))} ACS reads ({fmt_counts(breakdown(requests))}); "
             f"page time mean {mean:.0f} ms, p50 {p50:.0f}, p95 {p95:.0f}")
    if "recycling" in results:
        line("5. gunicorn worker recycling (saturated idle polls)")
        figures, boot = results["recycling"]
        for name, (rate, (mean, _p50, p95), boots, statuses) in figures.items():
            line(f"   {name:<32}{rate:>7.0f} req/s  mean {mean:.1f} ms, p95 {p95:.1f} ms, {boots} worker boots "
                 f"{statuses}")  # fmt: skip
        rates = [figure[0] for figure in figures.values()]
        line(f"   measured: recycling every 2000 requests costs {100 * (1 - rates[0] / rates[1]):.0f} % of throughput")
        # Per worker, 2000 requests take 2000 / (rate / workers) seconds of a worker that owns about one core.
        work = 2000 / (rates[1] / args.workers)
        line(f"   a worker's boot costs {boot:.2f} s of CPU (loading the application), against {work:.1f} s of work "
             f"per 2000 requests: {100 * boot / (work + boot):.0f} % before the slower first requests")
    line(f"6. Messages flowing: one every {args.flow_spacing:g} s ({args.flow_changes} messages) while the pages poll "
         f"every {args.interval:g} s")  # fmt: skip
    for flow in results["flows"]:
        read_count = len(reads(flow["counted"]))
        tabs = flow["pages"] - flow["people"]
        who = f"{flow['people']} people" + (f" + {tabs} second tabs" if tabs else "")
        line(f"   {flow['pages']:>3} pages ({who}): {read_count / args.flow_changes:.2f} ACS reads per change "
             f"(target 1.00; {read_count} reads for {args.flow_changes} changes: "
             f"{fmt_counts(breakdown(flow['counted']))})")  # fmt: skip
        _mean, p50, p95 = summary(flow["latencies"])
        _mean, send50, send95 = summary(flow["sends"])
        missed = f", MISSED {flow['missing']}" if flow["missing"] else ""
        line(f"       delivery p50 {p50 / 1000:.2f} s, p95 {p95 / 1000:.2f} s over {len(flow['latencies'])} deliveries"
             f"{missed} (sends p50 {send50 / 1000:.2f} s, p95 {send95 / 1000:.2f} s); polls sent after a send was "
             f"answered that missed it: {flow['late']}; answers {status_counts(flow['answers'])}")
    answers, requests = results["idle_pages"]
    line(f"7. Idle: {results['flows'][-1]['pages']} pages polling for {args.idle:g} s with nothing happening: "
         f"{len(requests)} ACS requests (target 0{': ' + fmt_counts(breakdown(requests)) if requests else ''}); "
         f"answers {status_counts(answers)}")  # fmt: skip


if __name__ == "__main__":
    main()
