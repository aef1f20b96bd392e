"""Benchmark: chat operations per second through the real SDK with 8 clients, emulator vs a fixed answer.

Plain script (not a test): `.venv/bin/python tests/benchmarks/bench_emulator_sdk.py [seconds] [clients] [rounds]`
(`--help` for the options; `--smoke`: two short rounds with two clients, what CI runs to see it still works).
Starts two HTTPS servers as child processes, on the same HTTP/TLS stack (`chatsite.emulator.server`):
- `runemulator` on a throw-away SQLite database (or DATABASE_URL if set: use a scratch database!);
- a fixed-answer server that answers every request with a canned body and no work: the ceiling the SDK, TLS
  and the HTTP server reach on this machine.
Then N client threads (each its own ACS user, thread and SDK client, hence its own keep-alive connection) run
each operation against each server in alternating rounds (emulator then ceiling, then ceiling then emulator, …),
because the ceiling itself moves with what else the machine runs; it prints every round's ratio, the median
ratio and ops/s, the load average, and the emulator's SQL statements per operation.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "chatsite.settings")
os.environ.setdefault("CHATSITE_VAR_DIR", tempfile.mkdtemp(prefix="bench-emulator-sdk-"))
os.environ["ACS_EMULATOR_THROTTLING"] = "false"

CANNED = {
    ("POST", "messages"): (201, b'{"id":"1700000000000"}'),
    ("GET", "message"): (
        200,
        b'{"id":"1700000000000","type":"text","sequenceId":"3","version":"1700000000000",'
        b'"content":{"message":"hello"},"senderDisplayName":"","createdOn":"2024-01-01T00:00:00Z",'
        b'"senderCommunicationIdentifier":{"rawId":"8:acs:x","communicationUser":{"id":"8:acs:x"}}}',
    ),
    ("GET", "thread"): (
        200,
        b'{"id":"19:x@thread.v2","topic":"t","createdOn":"2024-01-01T00:00:00Z",'
        b'"createdByCommunicationIdentifier":{"rawId":"8:acs:x","communicationUser":{"id":"8:acs:x"}}}',
    ),
}


def fixed_app(environ, start_response):
    environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    path = environ["PATH_INFO"]
    kind = "messages" if path.endswith("/messages") else "message" if "/messages/" in path else "thread"
    status, body = CANNED[(environ["REQUEST_METHOD"], kind)]
    start_response(
        f"{status} X", [("Content-Type", "application/json; charset=utf-8"), ("Content-Length", str(len(body)))]
    )
    return [body]


def serve_fixed():
    """Child process: the fixed-answer server on the emulator's HTTP/TLS stack."""
    import django

    django.setup()
    from chatsite.emulator import server

    running = server.make_server("127.0.0.1", 0)
    running.server.set_app(fixed_app)
    print(f"ACS_CONNECTION_STRING={running.connection_string}", flush=True)
    print(f"ACS_CA_CERT={running.ca_cert}", flush=True)
    running.server.serve_forever()


def start(args) -> tuple[subprocess.Popen, str, str]:
    process = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    values = dict(process.stdout.readline().strip().split("=", 1) for _ in range(2))
    return process, values["ACS_CONNECTION_STRING"], values["ACS_CA_CERT"]


def endpoint_of(connection_string: str) -> str:
    return connection_string.split(";")[0].removeprefix("endpoint=").rstrip("/")


def make_clients(emulator_cs, ca, endpoint, count):
    """Per client: (ChatThreadClient, thread id, message id) of its own user, made on the emulator."""
    from azure.communication.chat import ChatClient, CommunicationTokenCredential
    from azure.communication.identity import CommunicationIdentityClient

    identity = CommunicationIdentityClient.from_connection_string(emulator_cs, connection_verify=ca)
    result = []
    for _ in range(count):
        _, token = identity.create_user_and_token(scopes=["chat"])
        chat = ChatClient(endpoint_of(emulator_cs), CommunicationTokenCredential(token.token), connection_verify=ca)
        thread_id = chat.create_chat_thread("bench").chat_thread.id
        message_id = chat.get_chat_thread_client(thread_id, connection_verify=ca).send_message("hello").id
        target = ChatClient(endpoint, CommunicationTokenCredential(token.token), connection_verify=ca)
        result.append((target.get_chat_thread_client(thread_id, connection_verify=ca), thread_id, message_id))
    return result


OPERATIONS = {
    "send_message": lambda client, message_id: client.send_message("benchmark"),
    "get_message": lambda client, message_id: client.get_message(message_id),
    "get_properties": lambda client, message_id: client.get_properties(),
}


def run(clients, operation, seconds) -> float:
    call = OPERATIONS[operation]
    counts = [0] * len(clients)
    stop = time.monotonic() + seconds
    barrier = threading.Barrier(len(clients) + 1)
    errors = []

    def worker(i, client, message_id):
        try:
            call(client, message_id)  # warm: connection and TLS session up before timing
        except Exception as error:
            errors.append(error)
        barrier.wait()
        while time.monotonic() < stop and not errors:
            try:
                call(client, message_id)
            except Exception as error:
                errors.append(error)
                return
            counts[i] += 1

    threads = [threading.Thread(target=worker, args=(i, c, m)) for i, (c, _, m) in enumerate(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    began = time.monotonic()
    stop = began + seconds
    for t in threads:
        t.join()
    if errors:  # a failing call is a broken benchmark, not a slow one
        raise errors[0]
    return sum(counts) / (time.monotonic() - began)


def queries_per_operation() -> dict[str, int]:
    """SQL statements per operation (the second call of each: caches warm), counted on every database
    connection of an emulator started in this process."""
    import django

    django.setup()
    from django.db.backends.signals import connection_created

    from chatsite.emulator import server

    executed = []

    def count(execute, sql, params, many, context):
        executed.append(sql)
        return execute(sql, params, many, context)

    connection_created.connect(lambda connection, **kwargs: connection.execute_wrappers.append(count), weak=False)
    running = server.start_in_thread()
    client, _, message_id = make_clients(running.connection_string, str(running.ca_cert), running.endpoint, 1)[0]
    counts = {}
    for name, call in OPERATIONS.items():
        call(client, message_id)
        executed.clear()
        call(client, message_id)
        counts[name] = len(executed)
    running.stop()
    return counts


def load_average() -> str:
    return "/".join(f"{value:.1f}" for value in os.getloadavg())


def measure(on_emulator, on_fixed, operation, seconds, rounds) -> None:
    ratios, emulated_all, ceilings = [], [], []
    for round_number in range(rounds):
        # Alternate which server goes first, so a drift of the machine's load weighs on both alike.
        if round_number % 2 == 0:
            emulated = run(on_emulator, operation, seconds)
            ceiling = run(on_fixed, operation, seconds)
        else:
            ceiling = run(on_fixed, operation, seconds)
            emulated = run(on_emulator, operation, seconds)
        ratios.append(emulated / ceiling)
        emulated_all.append(emulated)
        ceilings.append(ceiling)
    rounds_text = " ".join(f"{r:.2f}" for r in ratios)
    print(
        f"{operation:<16}{statistics.median(emulated_all):>10.0f}{statistics.median(ceilings):>10.0f}"
        f"{statistics.median(ratios):>8.2f}   {rounds_text}   load {load_average()}",
        flush=True,
    )


SMOKE = {"seconds": 0.3, "clients": 2, "rounds": 2}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("seconds", nargs="?", type=float, default=5, help="seconds per round (default 5)")
    parser.add_argument("clients", nargs="?", type=int, default=8, help="SDK client threads (default 8)")
    parser.add_argument("rounds", nargs="?", type=int, default=5, help="rounds per server and operation (default 5)")
    parser.add_argument("--operations", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS))
    parser.add_argument("--smoke", action="store_true", help="seconds 0.3, 2 clients, 2 rounds: does it still run (CI)")
    parser.add_argument("--fixed-server", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.smoke:  # explicit values still win
        parser.set_defaults(**SMOKE)
        args = parser.parse_args()
    if args.fixed_server:
        serve_fixed()
        return
    python = sys.executable
    subprocess.run([python, "manage.py", "migrate", "-v0"], cwd=ROOT, check=True)
    emulator, emulator_cs, ca = start([python, "manage.py", "runemulator", "--port", "0"])
    fixed, fixed_cs, _ = start([python, __file__, "--fixed-server"])
    try:
        # Both servers use the same CA (same CHATSITE_VAR_DIR), so one set of credentials reaches both.
        on_emulator = make_clients(emulator_cs, ca, endpoint_of(emulator_cs), args.clients)
        on_fixed = make_clients(emulator_cs, ca, endpoint_of(fixed_cs), args.clients)
        database = os.environ.get("DATABASE_URL", "SQLite").rsplit("@", 1)[-1]
        print(
            f"{args.clients} SDK clients, {args.rounds} alternating rounds of {args.seconds:g} s per server and "
            f"operation, database {database}, load average {load_average()} (1/5/15 min)"
        )
        print(f"{'operation':<16}{'emulator':>10}{'ceiling':>10}{'ratio':>8}   (medians, ops/s; ratio per round)")
        for operation in args.operations:
            measure(on_emulator, on_fixed, operation, args.seconds, args.rounds)
    finally:
        for process in (emulator, fixed):
            process.terminate()
            process.wait()
    print("SQL statements per call (incl. transaction control):", queries_per_operation())


if __name__ == "__main__":
    main()
