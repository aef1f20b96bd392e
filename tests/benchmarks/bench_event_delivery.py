"""Benchmark: how soon the site learns of a message another ACS client sent, and what it costs the site.

Plain script (not a test): `.venv/bin/python tests/benchmarks/bench_event_delivery.py [messages]` (`--help`;
`--smoke`: 3 messages, what CI runs to see it still works).
Runs the site on its embedded emulator (a throw-away SQLite database and var dir), subscribed to itself as in
`rundemo`. A user of "another application" sends messages through the SDK, one at a time; for each, the time
from the SDK call starting to the thread's change marker moving (what an open page's next poll sees) is
measured from the call's start, since the event often lands before the SDK has read ACS's answer. Prints median,
95th percentile and maximum, the events handled, and how many ACS requests the site made meanwhile (0 expected:
the events carry everything).
"""

import argparse
import os
import statistics
import time
import uuid

import harness


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("messages", nargs="?", type=int, default=50, help="messages sent, one at a time (50)")
    parser.add_argument("--smoke", action="store_true", help="3 messages: does it still run (CI)")
    return harness.arguments(parser, smoke={"messages": 3})


ARGS = parse_args()  # before Django starts, so --help answers at once

os.environ.pop("ACS_CONNECTION_STRING", None)
os.environ.pop("DATABASE_URL", None)
os.environ["ACS_EMULATOR_THROTTLING"] = "false"
harness.django_start("bench-events-")


from azure.communication.chat import ChatClient, ChatParticipant, CommunicationTokenCredential  # noqa: E402
from django.core.management import call_command  # noqa: E402

from chatsite.acs import clients, config  # noqa: E402
from chatsite.acs.identities import credentials_for  # noqa: E402
from chatsite.acs.signals import acs_request  # noqa: E402
from chatsite.chat.actors import Actor  # noqa: E402
from chatsite.chat.live.cache import MARKER  # noqa: E402
from chatsite.chat.services import accounts, threads  # noqa: E402
from chatsite.emulator.events.models import EventDelivery  # noqa: E402
from chatsite.events.models import ReceivedEvent  # noqa: E402


def wait(condition, timeout=30.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise SystemExit("timed out")
        time.sleep(0.002)


def main(count: int) -> None:
    call_command("migrate", verbosity=0)
    ana = accounts.account_create(username="ana", password=uuid.uuid4().hex, display_name="Ana")
    bruno = accounts.account_create(username="bruno", password=uuid.uuid4().hex, display_name="Bruno")
    thread = threads.thread_create(
        actor=Actor.person(ana), topic="Bench", participants=[bruno], idempotency_token="bench"
    )
    acs = config.current()
    user, token = clients.identity_client().create_user_and_token(scopes=["chat"])
    clients.thread_client(credentials_for(ana).token, thread.acs_thread_id).add_participants(
        [ChatParticipant(identifier=user, display_name="Bot")]
    )
    bot = ChatClient(acs.endpoint, CommunicationTokenCredential(token.token), connection_verify=acs.verify)
    bot_thread = bot.get_chat_thread_client(thread.acs_thread_id, connection_verify=acs.verify)
    wait(lambda: not EventDelivery.objects.exists())

    calls = []
    acs_request.connect(lambda sender, method, path, **kw: calls.append((method, path)), weak=False)
    received_before = ReceivedEvent.objects.count()
    latencies, sdk_calls = [], []
    started = time.perf_counter()
    for n in range(count):
        marker = MARKER.current(thread.acs_thread_id)
        start = time.perf_counter()
        bot_thread.send_message(f"Bench message {n}", sender_display_name="Bot")
        returned = time.perf_counter()
        wait(lambda m=marker: MARKER.current(thread.acs_thread_id) != m)
        latencies.append((time.perf_counter() - start) * 1000)
        sdk_calls.append((returned - start) * 1000)
    wait(lambda: not EventDelivery.objects.exists())
    elapsed = time.perf_counter() - started
    thread.refresh_from_db()

    latencies.sort()
    sdk_calls.sort()
    print(f"messages sent by another ACS client: {count} (embedded emulator, in-process delivery, SQLite)")
    for label, figures in (("SDK send_message call", sdk_calls), ("call start -> change marker moved", latencies)):
        print(
            f"{label}: median {statistics.median(figures):.1f} ms, "
            f"p95 {figures[int(0.95 * (count - 1))]:.1f} ms, max {figures[-1]:.1f} ms"
        )
    print(
        f"events handled by the site: {ReceivedEvent.objects.count() - received_before} "
        f"({(ReceivedEvent.objects.count() - received_before) / count:.0f} per message), "
        f"whole run {elapsed:.2f} s"
    )
    print(f"ACS requests the site made meanwhile: {len(calls)}")
    print(f"mirror: preview {thread.last_message_preview!r} from {thread.last_message_sender_name!r}")


if __name__ == "__main__":
    main(ARGS.messages)
