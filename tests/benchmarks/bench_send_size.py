"""Benchmark: a send in a 2-person thread and in a 250-person thread, side by side (issue 22: within 1.2×).

Plain script (not a test): `.venv/bin/python tests/benchmarks/bench_send_size.py [--people 250] [--sends 12]`
(`--help`; `--smoke`: 2 and 5 people, 2 sends each, what CI runs to see it still works).
Runs the site in-process on its embedded emulator, on a throw-away SQLite database and the local cache, or on
DATABASE_URL and REDIS_URL when set (scratch ones: each run adds its own people and threads). The sender posts to the
composer's URL (django.test.Client: the whole view, the service and ACS's send) in turns between the two threads,
so load from elsewhere on the machine falls on both alike. The site polls ACS rather than taking its events
(`--events` to take them: their handling then runs in this process during the sends). Prints per thread size the
send's mean, p50 and p95, its database queries and cache round trips (the bookkeeping after the answer included),
and the large / small ratios. The answer is timed to when Django starts closing the response, as a server does
once it has written it.
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--people", type=int, default=250, help="people in the large thread, sender included (250)")
    parser.add_argument("--sends", type=int, default=12, help="sends measured per thread (12; ACS: 30/min a thread)")
    parser.add_argument(
        "--events", action="store_true", help="the emulator also delivers its Event Grid events in-process meanwhile"
    )
    parser.add_argument("--smoke", action="store_true", help="2 and 5 people, 2 sends: does it still run (CI)")
    args = parser.parse_args()
    if args.smoke:  # explicit values still win
        parser.set_defaults(people=5, sends=2)
        args = parser.parse_args()
    if not 3 <= args.people <= 250:
        parser.error("--people: 3 to 250 (ACS: 250 participants a thread)")
    return args


ARGS = parse_args()  # before Django starts, so --help answers at once

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
os.environ.setdefault("CHATSITE_VAR_DIR", tempfile.mkdtemp(prefix="bench-send-"))
os.environ.pop("ACS_CONNECTION_STRING", None)  # the embedded emulator
os.environ["ACS_EMULATOR_THROTTLING"] = "false"
# Without --events the site polls ACS instead of subscribing to the embedded emulator's events: ACS sends one event per
# recipient (249 for a message in a 250-person thread), which in-process would be handled on this process's threads
# during the next sends, and charged to them.
os.environ["ACS_EVENTS"] = "eventgrid" if ARGS.events else "poll"

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.core.signals import request_finished  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402

from chatsite.chat.actors import Actor  # noqa: E402
from chatsite.chat.services import accounts, later, membership, threads  # noqa: E402

# The answer is ready when Django starts closing the response (request_finished, as a server sends it after writing
# the answer); the bookkeeping that waits for the answer (services/later.py) runs after this mark.
ANSWERED = []
request_finished.disconnect(dispatch_uid="chat.after_answer.finished")
request_finished.connect(lambda **kwargs: ANSWERED.append(time.perf_counter()), weak=False)
request_finished.connect(later._finished, dispatch_uid="chat.after_answer.finished")

ADDED_AT_ONCE = 150  # ACS adds at most 200 people in one call; the rest join in a second


class CacheCalls:
    """Counts the cache's calls (each one round trip to Redis) while active; a call the backend makes of another
    (the local cache's get_many calls get) is not counted again."""

    NAMES = ("get", "set", "add", "delete", "incr", "get_many", "set_many", "delete_many", "touch", "has_key")

    def __init__(self):
        self.count = 0
        self.depth = 0

    def __enter__(self):
        self.saved = {}
        for name in self.NAMES:
            original = getattr(cache, name)
            self.saved[name] = original

            def counted(*args, _original=original, **kwargs):
                self.count += self.depth == 0
                self.depth += 1
                try:
                    return _original(*args, **kwargs)
                finally:
                    self.depth -= 1

            setattr(cache, name, counted)
        return self

    def __exit__(self, *exc):
        for name, original in self.saved.items():
            setattr(cache, name, original)


def main(args) -> None:
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    run = uuid.uuid4().hex[:6]  # a run's own people: a second run on the same DATABASE_URL makes new ones
    sender = accounts.account_create(username=f"sender-{run}", password=None, display_name="Sender")
    people = [
        accounts.account_create(username=f"p{n:03d}-{run}", password=None, display_name=f"P{n:03d}")
        for n in range(args.people - 1)
    ]
    actor = Actor.person(sender)

    def thread(topic, others):
        made = threads.thread_create(
            actor=actor, topic=topic, participants=others[:ADDED_AT_ONCE], idempotency_token=str(uuid.uuid4())
        ).acs_thread_id
        if others[ADDED_AT_ONCE:]:
            membership.participants_add(actor=actor, thread_id=made, people=others[ADDED_AT_ONCE:], history_from=None)
        return made

    sizes = {2: thread("Two", people[:1]), args.people: thread("Many", people)}
    client = Client()
    client.force_login(sender)
    times = {size: [] for size in sizes}
    whole = {size: [] for size in sizes}  # the answer and the bookkeeping after it
    queries = {size: [] for size in sizes}
    cache_calls = {size: [] for size in sizes}

    def send(thread_id):
        url = reverse("chat:message_send", args=[thread_id])
        with CaptureQueriesContext(connection) as captured, CacheCalls() as calls:
            started = time.perf_counter()
            answer = client.post(url, {"content": "Hello", "client_id": str(uuid.uuid4())}, HTTP_HX_REQUEST="true")
            elapsed = ANSWERED[-1] - started, time.perf_counter() - started
        if answer.status_code != 200:
            raise SystemExit(f"a send answered {answer.status_code}: {answer.content[:500]!r}")
        return elapsed, len(captured), calls.count

    for thread_id in sizes.values():
        send(thread_id)  # warm: tokens, connections, the first send's own lookups
    for _ in range(args.sends):
        for size, thread_id in sizes.items():
            (answered, done), count, calls = send(thread_id)
            times[size].append(answered)
            whole[size].append(done)
            queries[size].append(count)
            cache_calls[size].append(calls)

    database = connection.vendor
    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"A send (POST to the composer, emulator in-process, {database}, {backend}), {args.sends} per thread:")
    figures = {}
    for size in sizes:
        ordered = sorted(times[size])
        p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
        figures[size] = (statistics.fmean(ordered), statistics.median(ordered), p95)
        print(
            f"  {size:>3} people: mean {figures[size][0] * 1000:6.1f} ms, p50 {figures[size][1] * 1000:6.1f} ms, "
            f"p95 {p95 * 1000:6.1f} ms; {max(queries[size])} queries, {max(cache_calls[size])} cache calls "
            f"(with the bookkeeping after the answer: p50 {statistics.median(whole[size]) * 1000:.1f} ms)"
        )
    small, large = figures[2], figures[args.people]
    print(
        f"  {args.people} / 2 people: mean {large[0] / small[0]:.2f}×, p50 {large[1] / small[1]:.2f}× "
        f"(target ≤ 1.2×); load average {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main(ARGS)
