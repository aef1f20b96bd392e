"""Live updates for open thread pages without one ACS read per viewer per poll (design: README, "Live updates").

Every thread has a change marker (cache.MARKER), bumped by each write the site makes through ACS. A page polls
with the marker it has seen: the same marker costs no ACS call. A new marker is paid for once: the first poller
to take the thread's lock reads what changed since the last sync and caches that delta under the marker; every
other viewer is served from the cache. Changes made by other ACS clients are found by a background read, at most
one per thread per BACKGROUND_INTERVAL, taken by whichever poller gets the lock.

This module keeps the cache's side of it; the caller passes the ACS reads (`Reader`), so nothing here calls ACS.
Deltas are stored under a `scope`: the thread itself when they are read by an identity that sees everything in
it (the site's service identity) and shared by every viewer, or the thread and one viewer when they are read as
that viewer and must not reach anyone else.
"""

import dataclasses
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.utils import timezone

from .cache import MARKER, key, run_locked

BACKGROUND_INTERVAL = timedelta(seconds=30)
# Read a little before the last sync: ACS times have second precision and clocks differ. Re-seen messages are
# harmless, pages apply changes by message id and sequence number.
OVERLAP = timedelta(seconds=5)
DELTA_TTL = 300
LOCK_TTL = 30
MAX_CHAIN = 20
DELTA_LIMIT = 200  # ACS's largest list page: a busier burst makes pages reload their latest messages instead


@dataclasses.dataclass(frozen=True)
class Reader:
    """The two ACS reads the live path may need, made by the caller."""

    # Messages created, edited or deleted since a time (one ACS read), and whether there were more.
    changes_since: Callable[[datetime, int], tuple[list, bool]]
    # The latest page as the viewer sees it, with the marker it is current with, for a viewer who cannot be
    # brought up to date from cached deltas.
    latest: Callable[[], tuple[int, Any]]


@dataclasses.dataclass
class Update:
    marker: int
    messages: list  # changed since the viewer's marker, by sequence number
    resync: Any = None  # the latest page (Reader.latest), when the changes cannot be replayed


def page_opened(*, scope: str, marker: int, read_at: datetime) -> None:
    """A page showed the latest messages as of `read_at`, having seen `marker` before reading."""
    cache.add(key("synced", scope), {"marker": marker, "at": read_at}, timeout=None)


def poll(*, thread_id: str, scope: str, marker: int, reader: Reader, background: bool = True) -> Update | None:
    """What changed since `marker`, or None when nothing did (the common case, free of ACS calls).

    The caller has checked that the viewer may see the thread now; `reader` reads what they may see. Without
    `background`, changes by other ACS clients arrive only through the marker (Event Grid moves it).
    """
    latest = MARKER.current(thread_id)
    if marker == latest:
        if not background or not _background_due(scope):
            return None
        latest = run_locked("poll", scope, lambda: _background_sync(thread_id, scope, reader), ttl=LOCK_TTL)
        if latest is None:
            return None
    elif cache.get(key("delta", scope, latest)) is None:
        synced = cache.get(key("synced", scope))
        if synced is not None and synced["marker"] == latest:
            return _resync(scope, reader)  # the delta was evicted
        if run_locked("poll", scope, lambda: _sync(scope, latest, reader), ttl=LOCK_TTL) is None:
            return None  # another viewer is reading ACS for this change; the next poll gets it
    return _replay(scope, reader, since=marker, latest=latest)


def replay_chain(chunks: list[list]) -> list:
    """Merge deltas given newest first: the newest version of each message wins; ordered by sequence number."""
    by_id = {}
    for chunk in reversed(chunks):
        by_id.update((m.id, m) for m in chunk)
    return sorted(by_id.values(), key=lambda m: m.sequence_id)


def _replay(scope: str, reader: Reader, *, since: int, latest: int) -> Update:
    if since > latest:
        return _resync(scope, reader)
    chunks = []
    step = latest
    for _ in range(MAX_CHAIN):
        delta = cache.get(key("delta", scope, step))
        if delta is None or delta["resync"]:
            return _resync(scope, reader)
        chunks.append(delta["messages"])
        step = delta["prev"]
        if step <= since:
            break
    else:
        return _resync(scope, reader)
    return Update(latest, replay_chain(chunks))


def _sync(scope: str, target: int, reader: Reader) -> int:
    synced = cache.get(key("synced", scope))
    started = timezone.now()
    if synced is None:
        delta = {"prev": target, "messages": [], "resync": True}
    else:
        messages, more = reader.changes_since(synced["at"] - OVERLAP, DELTA_LIMIT)
        delta = {"prev": synced["marker"], "messages": messages, "resync": more}
    cache.set(key("delta", scope, target), delta, DELTA_TTL)
    cache.set(key("synced", scope), {"marker": target, "at": started}, timeout=None)
    return target


def _background_sync(thread_id: str, scope: str, reader: Reader) -> int | None:
    synced = cache.get(key("synced", scope))
    if synced is None or not _background_due(scope):
        return None  # another poller synced while this one waited for the lock
    started = timezone.now()
    messages, more = reader.changes_since(synced["at"] - OVERLAP, DELTA_LIMIT)
    if MARKER.current(thread_id) != synced["marker"]:
        return None  # the site wrote meanwhile: that change's own sync reads everything again
    if not messages:
        cache.set(key("synced", scope), {"marker": synced["marker"], "at": started}, timeout=None)
        return None
    marker = MARKER.bump(thread_id)
    delta = {"prev": synced["marker"], "messages": messages, "resync": more}
    cache.set(key("delta", scope, marker), delta, DELTA_TTL)
    cache.set(key("synced", scope), {"marker": marker, "at": started}, timeout=None)
    return marker


def _background_due(scope: str) -> bool:
    synced = cache.get(key("synced", scope))
    return synced is not None and timezone.now() - synced["at"] > BACKGROUND_INTERVAL


def _resync(scope: str, reader: Reader) -> Update:
    marker, page = reader.latest()
    return Update(marker, page.messages, resync=page)
