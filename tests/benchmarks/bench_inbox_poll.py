"""Benchmark: what the thread list's poll costs, idle and after a change, for a person in N threads.

Plain script (not a test): `.venv/bin/python tests/benchmarks/bench_inbox_poll.py [threads]` (`--help`; `--smoke`:
5 threads, 3 polls per figure, what CI runs to see it still works).
Uses a throw-away SQLite database (or DATABASE_URL if set: use a scratch database!) and the configured cache, and
prints, per poll kind, the median time and the database queries of one poll, and the ACS calls of all of them
(counted by chatsite.acs.signals.acs_request).
"""

import argparse
import statistics
import time

import harness


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("threads", nargs="?", type=int, default=50, help="threads the person is in (50)")
    parser.add_argument("--repeat", type=int, default=100, help="polls per figure (100)")
    parser.add_argument("--smoke", action="store_true", help="5 threads, 3 polls: does it still run (CI)")
    return harness.arguments(parser, smoke={"threads": 5, "repeat": 3})


ARGS = parse_args()  # before Django starts, so --help answers at once

harness.django_start("bench-inbox-")


from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.urls import reverse  # noqa: E402
from django.utils import timezone  # noqa: E402

from chatsite.acs.signals import acs_request  # noqa: E402
from chatsite.chat.live.cache import INBOX  # noqa: E402
from chatsite.chat.models import InboxEntry, Profile, Thread  # noqa: E402

REPEAT = ARGS.repeat


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    settings.ALLOWED_HOSTS = ["*"]
    users = get_user_model().objects
    me = users.create_user("bench-me", password="x-long-password-1")
    other = users.create_user("bench-other", password="x-long-password-1")
    Profile.objects.create(user=me, display_name="Me")
    Profile.objects.create(user=other, display_name="Other")
    now = timezone.now()
    threads = Thread.objects.bulk_create(
        Thread(
            acs_thread_id=f"19:bench{n}@thread.v2",
            topic=f"Thread {n}",
            last_activity_at=now,
            last_message_id=n + 1,
            last_message_preview="see you at noon",
            last_message_sender_name="Other",
            direct=n % 3 == 0,
        )
        for n in range(count)
    )
    for thread in threads:
        thread.participants.add(me, other)
    InboxEntry.objects.bulk_create(InboxEntry(thread=t, user=me, unread_count=n % 4) for n, t in enumerate(threads))
    client = Client()
    client.force_login(me)
    url = reverse("chat:thread_list_poll")
    acs_calls = []
    acs_request.connect(lambda sender, **kwargs: acs_calls.append(kwargs), weak=False)

    def measure(bump: bool) -> tuple[float, int, int]:
        acs_calls.clear()
        times = []
        for _ in range(REPEAT):
            version = INBOX.bump(me.pk) - 1 if bump else INBOX.current(me.pk)
            started = time.perf_counter()
            response = client.get(url, {"v": version})
            times.append(time.perf_counter() - started)
        with CaptureQueriesContext(connection) as queries:
            client.get(url, {"v": INBOX.bump(me.pk) - 1 if bump else INBOX.current(me.pk)})
        return statistics.median(times) * 1000, len(queries), response.status_code

    for label, bump in (("idle", False), ("after a change", True)):
        ms, queries, status = measure(bump)
        calls = len(acs_calls)
        print(f"{count} threads, {label:15}: {status}, median {ms:6.2f} ms, {queries} queries, {calls} ACS calls")
        if status not in (200, 204):  # an error page measured is a broken benchmark
            raise SystemExit(f"the poll answered {status}")


if __name__ == "__main__":
    main(ARGS.threads)
