"""Fan-out of hints ("thread T moved to marker M") to the streams open in this process, from every process.

Without Redis the broker is in-process: what this process publishes reaches the streams this process holds (one
runserver, the tests). With Redis (the cache's REDIS_URL) every hint is appended to one Redis stream, capped, which
is both the fan-out (one reader connection per process, blocking XREAD, handing hints to its local streams) and the
log a reconnecting page's Last-Event-ID is answered from. Ids are Redis's "<ms>-<n>" in both brokers, so they
compare the same way. A stream opens at the broker's newest id (`newest`), so even one that never gets an event has
an id its reconnect can send back.

Publishers are sync code on any thread; streams are coroutines on an event loop: hints cross with
call_soon_threadsafe.
"""

import asyncio
import collections
import dataclasses
import hashlib
import logging
import re
import threading
import time
import weakref

from django.conf import settings

logger = logging.getLogger(__name__)

REDIS_STREAM = "chatsite:push"
READER_NAME = "chatsite-push-reader"
KEPT = 10_000  # hints kept for reconnecting pages; older Last-Event-IDs get a resync (one full poll)
EVENT_ID = re.compile(r"(\d{1,15})-(\d{1,9})")


@dataclasses.dataclass(frozen=True)
class Hint:
    id: str
    thread_id: str = ""  # a moved thread, or
    marker: int = 0
    session: str = ""  # a session that logged out (its key's digest): its streams close

    @property
    def order(self) -> tuple[int, int]:
        return event_order(self.id)


def event_order(event_id: str) -> tuple[int, int]:
    first, second = event_id.split("-")
    return int(first), int(second)


def parse_event_id(value: str | None) -> str | None:
    """A Last-Event-ID as the browser sends it back: forged input, so only the exact shape is taken."""
    return value if value and EVENT_ID.fullmatch(value) else None


def session_digest(session_key: str) -> str:
    """What a logout publishes instead of the session key itself (a credential)."""
    return hashlib.sha256(session_key.encode()).hexdigest()[:32]


class Subscription:
    """One open stream's inbox on its event loop."""

    def __init__(self, hub: "Hub"):
        self.hub = hub
        self.loop = asyncio.get_running_loop()
        self.queue: asyncio.Queue[Hint] = asyncio.Queue()

    def deliver(self, hint: Hint) -> None:
        try:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, hint)
        except RuntimeError:  # its loop has closed: the stream is gone
            self.hub.leave(self)

    def close(self) -> None:
        self.hub.leave(self)


class Hub:
    """The streams open in this process."""

    def __init__(self):
        self._lock = threading.Lock()
        # Weak: a stream whose response was never iterated (the client went at once) leaves with its generator.
        self._subscriptions: weakref.WeakSet[Subscription] = weakref.WeakSet()

    def join(self) -> Subscription:
        subscription = Subscription(self)
        with self._lock:
            self._subscriptions.add(subscription)
        return subscription

    def leave(self, subscription: Subscription) -> None:
        with self._lock:
            self._subscriptions.discard(subscription)

    def dispatch(self, hint: Hint) -> None:
        with self._lock:
            subscriptions = list(self._subscriptions)
        for subscription in subscriptions:
            subscription.deliver(hint)


class LocalBroker:
    """One process: hints go straight to its streams; the last KEPT are kept for reconnecting pages."""

    def __init__(self):
        self.hub = Hub()
        self._lock = threading.Lock()
        self._log: collections.deque[Hint] = collections.deque(maxlen=KEPT)
        self._last = (0, 0)

    def _next_id(self) -> str:
        now = time.time_ns() // 1_000_000
        self._last = (now, 0) if now > self._last[0] else (self._last[0], self._last[1] + 1)
        return f"{self._last[0]}-{self._last[1]}"

    def publish(self, **fields) -> None:
        with self._lock:
            hint = Hint(id=self._next_id(), **fields)
            self._log.append(hint)
        self.hub.dispatch(hint)

    def subscribe(self) -> Subscription:
        return self.hub.join()

    def newest(self) -> str:
        """The newest hint's id: a stream opening now resumes from there. An empty log gets a mark (a hint of
        nothing, never dispatched), so the id is one `since` reaches back to."""
        with self._lock:
            if not self._log:
                self._log.append(Hint(id=self._next_id()))
            return self._log[-1].id

    def since(self, last_id: str) -> list[Hint] | None:
        """The hints after `last_id`, or None when the log no longer reaches back to it (the page must resync)."""
        with self._lock:
            log = list(self._log)
        if not log or event_order(last_id) < log[0].order:
            return None
        return [hint for hint in log if hint.order > event_order(last_id)]


class RedisBroker:
    """Many processes: a capped Redis stream, read by one thread per process that hands hints to its streams."""

    def __init__(self, url: str):
        import redis

        self.hub = Hub()
        self._client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        self._url = url
        self._reader: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = threading.Event()

    def publish(self, **fields) -> None:
        values = {name: str(value) for name, value in fields.items()}
        self._client.xadd(REDIS_STREAM, values, maxlen=KEPT, approximate=True)

    def subscribe(self) -> Subscription:
        return self.hub.join()

    def newest(self) -> str:
        """The newest hint's id: a stream opening now resumes from there; an empty stream gets a mark (a hint of
        nothing), so the id is one `since` reaches back to. The process's reader starts from it if it was not
        running: from "$" it could start after a hint published since, which no stream of the process would get."""
        start = "$"
        try:
            newest = self._client.xrevrange(REDIS_STREAM, count=1)
            start = newest[0][0].decode() if newest else self._client.xadd(REDIS_STREAM, {"mark": "1"}).decode()
            return start
        finally:
            self._start_reader(start)

    def _start_reader(self, start: str) -> None:
        with self._lock:
            if self._reader is None or not self._reader.is_alive():
                self._reader = threading.Thread(target=self._read, args=(start,), name="push-reader", daemon=True)
                self._reader.start()

    def since(self, last_id: str) -> list[Hint] | None:
        oldest = self._client.xrange(REDIS_STREAM, count=1)
        if not oldest or event_order(last_id) < event_order(oldest[0][0].decode()):
            return None
        return [_hint(entry_id, values) for entry_id, values in self._client.xrange(REDIS_STREAM, min=f"({last_id}")]

    def close(self) -> None:
        """Its reader stops after its current read (a process's broker lives as long as the process: tests)."""
        self._closed.set()

    def _read(self, last: str) -> None:
        import redis

        # Its own connection, blocking up to 20 s per read (under its socket timeout); named, so an operator (or a
        # test) can tell it in CLIENT LIST.
        client = redis.Redis.from_url(self._url, socket_connect_timeout=2, socket_timeout=30, client_name=READER_NAME)
        pause = 0.5
        while not self._closed.is_set():
            try:
                if last == "$":
                    newest = client.xrevrange(REDIS_STREAM, count=1)
                    last = newest[0][0].decode() if newest else "0-0"
                for _name, entries in client.xread({REDIS_STREAM: last}, block=20_000) or []:
                    for entry_id, values in entries:
                        last = entry_id.decode()
                        self.hub.dispatch(_hint(entry_id, values))
                pause = 0.5
            except redis.RedisError:
                # Streams keep their pages polling meanwhile; what moved is read back from the log on return.
                logger.warning("push: reading Redis failed, retrying in %.1f s", pause, exc_info=True)
                self._closed.wait(pause)
                pause = min(pause * 2, 10.0)


def _hint(entry_id: bytes, values: dict) -> Hint:
    fields = {key.decode(): value.decode() for key, value in values.items()}
    return Hint(
        id=entry_id.decode(),
        thread_id=fields.get("thread_id", ""),
        marker=int(fields.get("marker") or 0),
        session=fields.get("session", ""),
    )


_broker = None
_broker_lock = threading.Lock()


def broker() -> LocalBroker | RedisBroker:
    global _broker
    with _broker_lock:
        if _broker is None:
            cache = settings.CACHES["default"]  # Redis when REDIS_URL is set (settings._cache)
            redis = cache["BACKEND"].endswith("RedisCache")
            _broker = RedisBroker(cache["LOCATION"]) if redis else LocalBroker()
        return _broker


def publish_moved(thread_id: str, marker: int) -> None:
    """Called where a thread's change marker moves (live.cache.MARKER). A failed publish loses no change: pages
    still poll, and the marker tells them what they missed."""
    try:
        broker().publish(thread_id=thread_id, marker=marker)
    except Exception:
        logger.warning("push: publishing a hint for a thread failed", exc_info=True)


def publish_logout(session_key: str) -> None:
    try:
        broker().publish(session=session_digest(session_key))
    except Exception:
        logger.warning("push: publishing a logout failed", exc_info=True)
