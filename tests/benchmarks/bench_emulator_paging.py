"""Benchmark: a page of list_messages costs the same for a thread of 10 messages as for 100,000.

Plain script (not a test): `.venv/bin/python tests/benchmarks/bench_emulator_paging.py [messages]` (`--help`;
`--smoke`: threads of 10 and 100 messages, 2 runs each, what CI runs to see it still works).
Uses a throw-away SQLite database (or DATABASE_URL if set: use a scratch database!) and prints, per thread
size, the time and query count of the first page, a deep page (via the continuation keyset) and a
share-history-limited page, plus the query plan of the page query.
"""

import argparse
import time
from datetime import UTC, datetime
from functools import partial

import harness


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("messages", nargs="?", type=int, default=100_000, help="the largest thread (100000)")
    parser.add_argument("--repeat", type=int, default=20, help="runs per figure, averaged (20)")
    parser.add_argument("--smoke", action="store_true", help="100 messages, 2 runs: does it still run (CI)")
    return harness.arguments(parser, smoke={"messages": 100, "repeat": 2})


ARGS = parse_args()  # before Django starts, so --help answers at once

harness.django_start("bench-emulator-")


from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from chatsite.emulator import store, wire  # noqa: E402
from chatsite.emulator.models import Identity, Message, Participant, Thread  # noqa: E402

PAGE = 50
REPEAT = ARGS.repeat


def build_thread(size: int, user: str) -> str:
    thread, _ = store.thread_create(creator=user, topic=f"{size}", participants=[], repeatability_id=None)
    start = thread.last_message_id + 1
    Message.objects.bulk_create(
        (
            Message(
                thread=thread,
                message_id=start + i,
                sequence_id=thread.last_sequence_id + 1 + i,
                type="text",
                content={"message": f"m{i}"},
                sender_id=user,
                created_on=wire.from_epoch_ms(start + i),
                modified_on=wire.from_epoch_ms(start + i),
                version=start + i,
            )
            for i in range(size)
        ),
        batch_size=5000,
    )
    thread.last_sequence_id += size
    thread.last_message_id = start + size
    thread.save()
    return thread.id


def measure(label: str, call) -> None:
    call()  # warm up
    with CaptureQueriesContext(connection) as queries:
        began = time.perf_counter()
        for _ in range(REPEAT):
            call()
        elapsed = (time.perf_counter() - began) / REPEAT
    print(f"  {label:<34} {elapsed * 1000:7.2f} ms  {len(queries) // REPEAT} queries")


def explain(thread_id: str, user: str) -> None:
    participant = Participant.objects.select_related("thread").get(thread_id=thread_id, user_id=user)
    query = Message.objects.filter(store._window(participant.thread, participant).q(), thread_id=thread_id)
    query = query.filter(sequence_id__lt=10**9).order_by("-sequence_id")[: PAGE + 1]
    print("  page query plan:", query.explain().replace("\n", " | "))


def main() -> None:
    largest = ARGS.messages
    call_command("migrate", verbosity=0)
    print(f"database: {connection.vendor}; page size {PAGE}; mean of {REPEAT} runs")
    for size in sorted({10, min(1_000, largest), largest}):
        user = f"8:acs:bench_{size}"
        Identity.objects.get_or_create(id=user)
        thread_id = build_thread(size, user)
        late = f"8:acs:bench_late_{size}"
        Identity.objects.get_or_create(id=late)
        store.participants_add(
            user=user,
            thread_id=thread_id,
            # History from after the last bulk message (their ids run ahead of the clock).
            participants=[
                store.NewParticipant(
                    late,
                    share_history_time=wire.from_epoch_ms(Thread.objects.get(pk=thread_id).last_message_id + 1),
                )
            ],
        )
        middle = {"s": size // 2 + 2}
        page = partial(store.messages_list, thread_id=thread_id, size=PAGE)
        print(f"thread with {size} messages")
        measure("first page", partial(page, user=user, start_time=None, after=None))
        measure("page from the middle (keyset)", partial(page, user=user, start_time=None, after=middle))
        measure("late joiner (share history = now)", partial(page, user=late, start_time=None, after=None))
        measure("startTime = now", partial(page, user=user, start_time=datetime.now(UTC), after=None))
        explain(thread_id, user)


if __name__ == "__main__":
    main()
