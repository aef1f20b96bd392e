"""bench_load.py's streams mode (`--streams 100,300`): open pages held on server-sent event streams (chat/push)
against the ASGI server, messages sent on a second site process sharing PostgreSQL + Redis.

What runs: the emulator as in bench_load.py; site A (`--workers` uvicorn workers, chatsite/gunicorn_asgi_conf.py)
holds every page and its stream; site B (one worker, the same configuration, database and Redis) takes the sends,
so each hint crosses processes through the Redis stream as it would between machines. Per page count, one thread
(at most `--max-people` people; more pages are their further tabs):
- each page opens as a browser does (the page, its first poll), then opens GET /live/stream/; a `change` for its
  thread that follows what it shows (static/js/thread/push.js: prev = its marker, base = its newest message) is
  applied with no request, and any other change or `moved` hint makes its one poll (a hint during a poll is one
  more poll after it: nothing is dropped);
- once every stream answers, a message is sent on site B every `--flow-spacing` s (`--flow-changes` of them);
  a delivery is timed from the send's start to the change event or poll answer that shows the message; lost =
  never shown;
- ACS reads per change (the emulator's log), polls per page per change, site A's worker CPU (its share of
  `--workers` cores) and RSS, and the memory an open stream costs (RSS growth as the streams open, per stream);
- after the largest, its pages stay open `--stream-idle` s with nothing happening: requests per page per 30 s.
A page count is past the server's saturation point when delivery misses p50 ≤ 0.25 s or p95 ≤ 0.5 s or
loses a message; the report names the largest count within and the smallest past it.
"""

import asyncio
import json
import os
import secrets
import time
from html import unescape
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

import aiohttp
from bench_load import POLLER, TOKEN, Browser, Gunicorn, Site, line, reads, setup_site, summary
from memory import describe, rss_mb, worker_pids

ASGI = {"config": "chatsite/gunicorn_asgi_conf.py", "app": "load_asgi:application"}
P50_TARGET, P95_TARGET = 0.25, 0.5
STAGES = (
    ("answer", "send answered"),
    ("read", "ACS read done"),
    ("first", "first page reached"),
    ("middle", "half the pages"),
    ("last", "every page"),
)


def cpu_seconds(pid):
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except OSError:
        return 0.0


class Page:
    """One open thread page on a stream: each hint for its thread brings its one poll."""

    def __init__(self, browser, thread_id, path, seen):
        self.browser, self.thread_id, self.path, self.seen = browser, thread_id, path, seen
        self.requests = 0  # polls and stream (re)connections
        self.polls = 0
        self.applied = 0  # changes taken from the stream with no request
        self.hints = 0
        self.hint_times = []  # monotonic, as each hint for its thread arrived
        self.answers = {}  # status -> count
        self.opened = asyncio.Event()
        self.failed = None
        self._polling = None
        self._again = False

    async def hold(self, http):
        """The stream, until cancelled."""
        headers = self.browser.headers(False) | {"Accept": "text/event-stream", "Cache-Control": "no-cache"}
        self.requests += 1
        async with http.get(f"{self.browser.site.url}/live/stream/", headers=headers) as answer:
            if answer.status != 200:
                self.failed = answer.status
                self.opened.set()
                return
            event, data = "message", ""
            async for raw in answer.content:
                text = raw.decode().rstrip("\r\n")
                if text.startswith("retry:"):
                    self.opened.set()
                elif text.startswith("event:"):
                    event = text[6:].strip()
                elif text.startswith("data:"):
                    data = text[5:].strip()
                elif not text:
                    fields = json.loads(data or "{}") if event in ("moved", "change") else {}
                    if fields.get("thread") == self.thread_id:
                        self.hints += 1
                        self.hint_times.append(time.monotonic())
                        if event != "change" or not self.apply(fields):
                            self.hinted(http)
                    elif event == "resync":
                        self.hinted(http)
                    event, data = "message", ""

    def apply(self, change):
        """As static/js/thread/push.js: a change that follows what the page shows, with no poll on its way."""
        path, _, query = self.path.partition("?")
        params = dict(parse_qsl(query, keep_blank_values=True))
        follows = (params.get("marker"), params.get("seq"), params.get("day", "")) == (
            str(change["prev"]),
            str(change["base"]),
            change["base_day"],
        )
        if self.busy or not follows:
            return False
        arrived = time.monotonic()
        for token in TOKEN.findall(change["html"]):
            self.seen.setdefault((id(self), token), arrived)
        params.update(marker=str(change["marker"]), seq=str(change["seq"]), day=change["day"])
        self.path = f"{path}?{urlencode(params)}"
        self.applied += 1
        return True

    @property
    def busy(self):
        return self._polling is not None and not self._polling.done()

    def hinted(self, http):
        if self.busy:
            self._again = True
            return
        self._polling = asyncio.ensure_future(self.poll(http))

    async def poll(self, http):
        while True:
            self._again = False
            self.requests += 1
            self.polls += 1
            status, body = await self.browser.get(http, self.path)
            answered = time.monotonic()
            self.answers[status] = self.answers.get(status, 0) + 1
            if status == 200:
                for token in TOKEN.findall(body):
                    self.seen.setdefault((id(self), token), answered)
                if match := POLLER.search(body):
                    self.path = unescape(match[1])
            elif status != 204:
                raise SystemExit(f"a poll answered {status}:\n{body[:2000]}")
            if not self._again:
                return


async def scenario(args, site_a, site_b, gunicorn_a, sender_cookies, people_cookies, pages, thread_id, emulator):
    people = min(pages, args.max_people)
    browsers = [Browser(site_a, people_cookies[n % people]) for n in range(pages)]
    sender = Browser(site_b, sender_cookies)
    seen = {}
    timeout = aiohttp.ClientTimeout(total=None, sock_connect=30)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0), timeout=timeout) as http:
        await sender.open(http, thread_id)
        paths = []
        for first in range(0, pages, 8):  # people arrive a few at a time
            paths += await asyncio.gather(*(b.open(http, thread_id) for b in browsers[first : first + 8]))
        workers = worker_pids(gunicorn_a.process.pid)
        rss_before = sum(rss_mb(pid) for pid in workers)
        open_pages = [Page(b, thread_id, path, seen) for b, path in zip(browsers, paths, strict=True)]
        holding = []
        for first in range(0, pages, 20):
            batch = open_pages[first : first + 20]
            holding += [asyncio.ensure_future(page.hold(http)) for page in batch]
            await asyncio.wait_for(asyncio.gather(*(page.opened.wait() for page in batch)), 120)
        refused = [page.failed for page in open_pages if page.failed]
        if refused:
            raise SystemExit(f"{len(refused)} streams refused: {refused[:5]}")
        await asyncio.sleep(1.0)
        rss_after = sum(rss_mb(pid) for pid in workers)

        sent = {}
        load = [os.getloadavg()[0]]
        cpu_before = sum(cpu_seconds(pid) for pid in workers)
        started_at = time.monotonic()
        loop = asyncio.get_running_loop()
        first = loop.time() + 0.5
        for n in range(args.flow_changes):
            await asyncio.sleep(max(0.0, first + n * args.flow_spacing - loop.time()))
            token = f"bench-{secrets.token_hex(5)}"
            began = time.monotonic()
            await sender.send(http, thread_id, f"Stream test {token}")
            sent[token] = (began, time.monotonic())
        await asyncio.sleep(3.0)  # the last deliveries
        backlog_from = time.monotonic()
        while any(page.busy for page in open_pages) and time.monotonic() - backlog_from < 120:
            await asyncio.sleep(0.1)  # a saturated server's polls still on their way: timed, not lost
        ended_at = time.monotonic()
        cpu = (sum(cpu_seconds(pid) for pid in workers) - cpu_before) / (ended_at - started_at)
        load.append(os.getloadavg()[0])
        polls = sum(page.polls for page in open_pages)
        applied = sum(page.applied for page in open_pages)
        answers = {}
        for page in open_pages:
            for status, count in page.answers.items():
                answers[status] = answers.get(status, 0) + count

        idle = None
        if pages == max(args.streams):
            line(f"   {pages} pages idle on their streams for {args.stream_idle:g} s…")
            before = sum(page.requests for page in open_pages)
            idle_start = time.monotonic()
            await asyncio.sleep(args.stream_idle)
            idle_requests = sum(page.requests for page in open_pages) - before
            idle = (idle_requests / pages * 30 / args.stream_idle, len(emulator.between(idle_start, time.monotonic())))
        memory = describe(workers)
        for task in holding:
            task.cancel()
        await asyncio.gather(*holding, return_exceptions=True)
    await asyncio.sleep(1.0)  # the emulator logs a request just after answering it

    latencies, after_answer, lost, hinted = [], [], 0, []
    for token, (began, done) in sent.items():
        for page in open_pages:
            first = next((at for at in page.hint_times if at >= began), None)
            if first is not None:
                hinted.append(first - began)
            shown = seen.get((id(page), token))
            if shown is None:
                lost += 1
            else:
                latencies.append(shown - began)
                after_answer.append(shown - done)  # negative: the page showed it before the sender had its answer
    counted = emulator.between(started_at, ended_at, thread_id)
    stages = where_time_goes(sent, open_pages, emulator, thread_id, ended_at)
    return {
        "pages": pages, "people": people, "latencies": latencies, "after_answer": after_answer, "lost": lost,
        "hinted": hinted, "deliveries": len(sent) * pages,
        "sends": [done - began for began, done in sent.values()], "reads": len(reads(counted)),
        "changes": len(sent), "polls_per_change": polls / max(1, len(sent) * pages),
        "applied_per_change": applied / max(1, len(sent) * pages), "cpu": cpu,
        "workers": len(workers), "per_stream_kb": (rss_after - rss_before) * 1024 / pages,
        "memory": memory, "load": load, "idle": idle, "answers": dict(sorted(answers.items())), "stages": stages,
    }  # fmt: skip


def where_time_goes(sent, open_pages, emulator, thread_id, ended_at):
    """Each change's stages from its send's start, in seconds: the send's answer, the ACS read of it done (the
    emulator's log line of the thread's first list read after the send: the read the pages share), and the first,
    middle and last page the hint or change reached. Read → first page is the lock wait and the first render;
    first → last page the fan-out to every stream (the batches, the renders, the writes, this client's reading)."""
    starts = sorted(began for began, _done in sent.values())
    stages = {"answer": [], "read": [], "first": [], "middle": [], "last": []}
    for began, done in sent.values():
        until = next((s for s in starts if s > began), ended_at)
        stages["answer"].append(done - began)
        listed = [
            at for at, method, path, _ in list(emulator.requests)
            if began <= at < until and method == "GET" and path.endswith(f"/chat/threads/{thread_id}/messages")
        ]  # fmt: skip
        if listed:
            stages["read"].append(min(listed) - began)
        reached = sorted(
            at - began for page in open_pages if (at := next((t for t in page.hint_times if began <= t < until), None))
        )
        if reached:
            stages["first"].append(reached[0])
            stages["middle"].append(reached[len(reached) // 2])
            stages["last"].append(reached[-1])
    return stages


def run(args, site_env, tmp, emulator, prefix=""):
    """Streams mode: both sites up, one scenario per page count, then the report."""
    flowing = [min(pages, args.max_people) for pages in args.streams]
    sender_cookies, people_cookies, _threads, flows, csrf_cookie = setup_site([], max(flowing), flowing, prefix)
    line(f"Streams: {args.streams} open pages on site A ({args.workers} ASGI workers), sends on site B (1 worker); "
         f"threads of {flowing} people; load average {os.getloadavg()[0]:.2f}")  # fmt: skip
    results = []
    with (
        Gunicorn(site_env, tmp / "site-a.log", "--workers", str(args.workers), **ASGI) as site_a,
        Gunicorn(site_env, tmp / "site-b.log", "--workers", "1", **ASGI) as site_b,
    ):
        for pages, thread_id in zip(args.streams, flows, strict=True):
            line(f"{pages} pages on streams while messages flow…")
            results.append(asyncio.run(scenario(
                args, Site(site_a.url, csrf_cookie), Site(site_b.url, csrf_cookie), site_a, sender_cookies,
                people_cookies, pages, thread_id, emulator,
            )))  # fmt: skip
            time.sleep(2.0)  # the closed streams give their slots back
    report(args, results)


def report(args, results):
    line("\n=== Streams " + "=" * 60)
    line(f"Messages every {args.flow_spacing:g} s ({args.flow_changes} a run), sent on site B; pages and their streams "
         f"on site A; delivery from the send's start to the change or poll answer showing it "
         f"(target p50 ≤ {P50_TARGET} s, p95 ≤ {P95_TARGET} s, none lost)")  # fmt: skip
    within, past = None, None
    for r in results:
        _mean, p50, p95 = summary(r["latencies"])
        _mean, send50, send95 = summary(r["sends"])
        _mean, after50, after95 = summary(r["after_answer"])
        _mean, hint50, hint95 = summary(r["hinted"])
        tabs = r["pages"] - r["people"]
        who = f"{r['people']} people" + (f" + {tabs} further tabs" if tabs else "")
        ok = p50 / 1000 <= P50_TARGET and p95 / 1000 <= P95_TARGET and r["lost"] == 0
        if ok and past is None:
            within = r["pages"]
        elif not ok and past is None:
            past = r["pages"]
        line(
            f"  {r['pages']:>5} pages ({who}): delivery p50 {p50 / 1000:.3f} s, p95 {p95 / 1000:.3f} s, "
            f"lost {r['lost']} of {r['deliveries']} ({'within' if ok else 'MISSES'} the target)"
        )
        line(
            f"        the hint or change reached the page (from the send's start): p50 {hint50 / 1000:.3f} s, "
            f"p95 {hint95 / 1000:.3f} s; changes applied with no request per page per change "
            f"{r['applied_per_change']:.2f}"
        )
        line(
            f"        sends p50 {send50 / 1000:.3f} s, p95 {send95 / 1000:.3f} s; from the send's answer: p50 "
            f"{after50 / 1000:.3f} s, p95 {after95 / 1000:.3f} s; ACS reads per change "
            f"{r['reads'] / max(1, r['changes']):.2f}; polls per page per change {r['polls_per_change']:.2f} "
            f"(answers {r['answers']}); "
            f"site A workers busy {100 * r['cpu'] / r['workers']:.0f} % of {r['workers']} cores"
        )
        line(
            f"        memory per open stream {r['per_stream_kb']:.0f} KB; workers {r['memory']} (target ≤ 100, "
            f"tests/benchmarks/memory.py); load average "
            f"{r['load'][0]:.2f} → {r['load'][1]:.2f}"
        )
        line(
            "        where the time goes, from the send's start (p50 / p95 over the changes): "
            + "; ".join(
                f"{name} {summary(r['stages'][key])[1] / 1000:.3f} / {summary(r['stages'][key])[2] / 1000:.3f} s"
                for key, name in STAGES
            )
        )
        if r["idle"] is not None:
            per_30s, acs = r["idle"]
            line(
                f"        idle {args.stream_idle:g} s: {per_30s:.2f} requests per page per 30 s (target ≤ 1), "
                f"{acs} ACS requests"
            )
    if past is None:
        line(f"  saturation point: beyond {results[-1]['pages']} pages (every run within the target)")
    else:
        line(f"  saturation point: between {within or 0} and {past} pages (the first run past the target)")
