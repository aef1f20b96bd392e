"""Live updates for open thread pages without one ACS read per viewer per poll (design: README, "Live updates").

Every thread has a change marker (cache.MARKER), bumped by each write the site makes through ACS. A page polls
with the marker it has seen: the same marker costs no ACS call. A new marker is paid for once: the first poller
to take the thread's lock reads what changed since the last sync and caches that delta under the marker; every
other viewer is served from the cache. Changes made by other ACS clients are found by a background read, at most
one per thread per BACKGROUND_INTERVAL (3 s; 30 s for a thread each viewer reads for themself), taken by
whichever poller gets the lock. The poller that takes the lock looks again at what the one before it read
meanwhile, so a change costs one ACS read however polls interleave.

This module keeps the cache's side of it; the caller passes the ACS reads (`Reader`), so nothing here calls ACS.
Deltas are stored under a `scope`: the thread itself when they are read by an identity that sees everything in
it (the site's service identity) and shared by every viewer, or the thread and one viewer when they are read as
that viewer and must not reach anyone else.
"""

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from . import keys
from .cache import MARKER, ROSTER, run_locked
from .keys import Delta, Lock, Synced

# A thread the service identity reads for everyone: one read per 3 s while any page of it is open (ACS allows 400
# list reads a minute a thread), so another client's change (a removal) reaches every surface within 5 s. A thread
# read by each viewer for themself (the site does not host it) costs one read per viewer: every 30 s.
BACKGROUND_INTERVAL = timedelta(seconds=3)
PERSONAL_BACKGROUND_INTERVAL = timedelta(seconds=30)
# Read a little before the last sync: ACS times have second precision and clocks differ. Re-seen messages are
# harmless, pages apply changes by message id and sequence number.
OVERLAP = timedelta(seconds=5)
DELTA_TTL = 300
LOCK_TTL = 30
MAX_CHAIN = 20
DELTA_LIMIT = 200  # ACS's largest list page: a busier burst makes pages reload their latest messages instead
# How long a poll for a new marker waits for the read another viewer's poll is making of it. A page told by a push
# polls once per change: answered "nothing new" meanwhile, it would have no next beat to learn it from.
READ_WAIT = 5.0


@dataclasses.dataclass(frozen=True)
class Reader:
    """The ACS reads the live path may need, made by the caller."""

    # Messages created, edited or deleted since a time (one ACS read), and whether there were more.
    changes_since: Callable[[datetime, int], tuple[list, bool]]
    # The latest page as the viewer sees it, with the marker it is current with, for a viewer who cannot be
    # brought up to date from cached deltas.
    latest: Callable[[], tuple[int, Any]]
    # What else the site learns from the messages a read found (membership changes, unread counts): called once
    # per read, by the poll that made it, after the thread's lock is released, so other viewers never wait on it.
    read_done: Callable[[list], None] = lambda messages: None


@dataclasses.dataclass
class Update:
    marker: int
    messages: list  # changed since the viewer's marker, by sequence number
    resync: Any = None  # the latest page (Reader.latest), when the changes cannot be replayed


@dataclasses.dataclass(frozen=True)
class _Claim:
    """What a poll that took the thread's lock found: how far the cached deltas reach (None: nothing changed), and
    the messages it read from ACS, if it made the read."""

    marker: int | None
    read: list | None = None


def page_opened(*, thread_id: str, scope: str, marker: int, read_at: datetime, messages=()) -> None:
    """A page showed the latest `messages` as of `read_at`, having seen `marker` before reading. The first page of
    a scope (or the first since its sync record was lost) starts the chain of reads that deltas come from."""
    if cache.get(keys.synced(scope)) is not None:
        return  # the chain of reads is under way: a page open changes nothing
    if cache.add(keys.synced(scope), _synced_record(marker, read_at, messages, page=True), timeout=None):
        _chain_started(thread_id, read_at)


def redraw(*, thread_id: str) -> int:
    """Something only the site knows changed how the thread's messages look (a moderator hid one): ACS has no change
    to read, so open pages of the thread reload their latest messages at the new marker."""
    marker = MARKER.bump(thread_id)
    cache.set(keys.delta(thread_id, marker), Delta(prev=marker, messages=(), resync=True), DELTA_TTL)
    return marker


def poll(*, thread_id: str, scope: str, marker: int, reader: Reader, background: bool = True) -> Update | None:
    """What changed since `marker`, or None when nothing did (the common case, free of ACS calls).

    The caller has checked that the viewer may see the thread now; `reader` reads what they may see. Without
    `background`, changes by other ACS clients arrive only through the marker (Event Grid moves it).
    At most one ACS read per change, whatever the timing: the poll that takes the thread's lock looks again at
    what the poll before it may have read meanwhile, and reads only what nobody has.
    """
    latest = MARKER.current(thread_id)
    if marker == latest:
        if not background or not _background_due(cache.get(keys.synced(scope)), thread_id, scope):
            return None
        claim = run_locked(Lock.POLL, scope, lambda: _background_sync(thread_id, scope, reader), ttl=LOCK_TTL)
    elif cache.get(keys.delta(scope, latest)) is None:
        claim = _sync_or_wait(thread_id, scope, latest, reader)
    else:
        claim = _Claim(latest)
    if claim is None:
        return None  # another viewer's read of ACS outlasted READ_WAIT (or a background read): the next poll
    if claim.read:
        reader.read_done(claim.read)
    if claim.marker is None:
        return None
    return _replay(scope, reader, since=marker, latest=claim.marker)


def delta_at(*, thread_id: str, scope: str, marker: int, reader: Reader) -> Delta | None:
    """The delta that moved the scope to `marker`, for the push (chat/push/change.py): read now if no poll has
    read it yet, under the same lock as the polls' reads (one read per change, whoever asks), or None when there
    is none to lay out (the read went past it, or it outlasted READ_WAIT). The caller checked who may see what."""
    delta = cache.get(keys.delta(scope, marker))
    if delta is not None:
        return delta
    claim = _sync_or_wait(thread_id, scope, marker, reader)
    if claim is not None and claim.read:
        reader.read_done(claim.read)
    return cache.get(keys.delta(scope, marker))


def read_ahead(*, thread_id: str, scope: str, marker: int, reader: Reader) -> list | None:
    """The site's own write moved the scope to `marker`: read its delta now, before a page asks, so the first
    stream or poll of it finds it cached instead of making the read and the others waiting for it. Never a second
    read and never a wait: nothing when the delta is cached or a poll or stream holds the lock (it is reading), and
    nothing when no page started a chain of reads (no page open: nobody to read it for). What the read found, for
    the caller to hand to the change pipeline; None when it read nothing. A failed read raises, leaving nothing
    behind: pages read the change themselves, as without this."""
    if cache.get(keys.synced(scope)) is None or cache.get(keys.delta(scope, marker)) is not None:
        return None
    claim = run_locked(Lock.POLL, scope, lambda: _sync(thread_id, scope, marker, reader), ttl=LOCK_TTL)
    return claim.read if claim is not None else None


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
        delta = cache.get(keys.delta(scope, step))
        if delta is None or delta.resync:
            return _resync(scope, reader)
        chunks.append(delta.messages)
        step = delta.prev
        if step <= since:
            break
    else:
        return _resync(scope, reader)
    return Update(latest, replay_chain(chunks))


def _sync_or_wait(thread_id: str, scope: str, target: int, reader: Reader) -> _Claim | None:
    """Read up to `target` under the thread's lock, or, while another viewer's poll holds it, wait for the delta
    that poll caches (a few cache reads per waiter: the read takes tens of milliseconds)."""
    deadline = time.monotonic() + READ_WAIT
    step = 0.01
    while True:
        claim = run_locked(Lock.POLL, scope, lambda: _sync(thread_id, scope, target, reader), ttl=LOCK_TTL)
        if claim is not None:
            return claim
        if cache.get(keys.delta(scope, target)) is not None:
            return _Claim(target)
        if time.monotonic() >= deadline:
            return None
        _release_connection()
        time.sleep(step)
        step = min(step * 2, 0.1)


def _release_connection() -> None:
    """Hold no database connection while waiting: when a push brings 150 pages' polls to one worker at once, the
    waiters held its whole connection pool and the rest (the reader's own work among them) timed out. The next
    query takes one again (from the pool under ASGI)."""
    if not connection.in_atomic_block:
        connection.close()


def _sync(thread_id: str, scope: str, target: int, reader: Reader) -> _Claim:
    """Under the thread's lock: read what changed up to the marker `target`, unless the poll that held the lock
    before this one already did (it may have finished between this poll's first look and its taking the lock)."""
    if cache.get(keys.delta(scope, target)) is not None:
        return _Claim(target)
    synced = cache.get(keys.synced(scope))
    if synced is not None and synced.marker >= target:
        return _Claim(synced.marker)  # read up to then or later (if that delta was evicted, pages reload)
    started = timezone.now()
    if synced is None:  # nothing to read changes since: pages reload their latest messages
        _chain_started(thread_id, started)
        delta, read = Delta(prev=target, messages=(), resync=True), None
    else:
        read, more = reader.changes_since(synced.at - OVERLAP, DELTA_LIMIT)
        delta = Delta(prev=synced.marker, messages=tuple(read), resync=more, base=synced.newest)
    cache.set(keys.delta(scope, target), delta, DELTA_TTL)
    cache.set(keys.synced(scope), _synced_record(target, started, read or (), after=synced), timeout=None)
    return _Claim(target, read)


def _background_sync(thread_id: str, scope: str, reader: Reader) -> _Claim:
    """Under the thread's lock: look for changes by other ACS clients, if no poll did since BACKGROUND_INTERVAL.
    Finding only what earlier reads found (ACS's list overlaps them by OVERLAP) is finding nothing."""
    synced = cache.get(keys.synced(scope))
    if not _background_due(synced, thread_id, scope):
        return _Claim(None)  # another poller read between this one's first look and its taking the lock
    started = timezone.now()
    messages, more = reader.changes_since(synced.at - OVERLAP, DELTA_LIMIT)
    if MARKER.current(thread_id) != synced.marker:
        return _Claim(None)  # the site wrote meanwhile: that change's own sync reads everything again
    known = set(synced.seen)
    if not more and all(_fingerprint(m) in known for m in messages):
        cache.set(keys.synced(scope), _synced_record(synced.marker, started, messages, after=synced), timeout=None)
        return _Claim(None)
    marker = MARKER.bump(thread_id)
    delta = Delta(prev=synced.marker, messages=tuple(messages), resync=more, base=synced.newest)
    cache.set(keys.delta(scope, marker), delta, DELTA_TTL)
    cache.set(keys.synced(scope), _synced_record(marker, started, messages, after=synced), timeout=None)
    return _Claim(marker, messages)


def hinted_sync(*, thread_id: str, scope: str, reader: Reader, wait: float = LOCK_TTL) -> list | None:
    """An event hinted that the thread changed: read what changed since the scope's last read, under the same lock
    as the polls' reads (waiting up to `wait` for one in flight, which may have begun before the change). When
    the read finds anything the reads before it did not (another client's change, or the site's own write no
    poll has read yet), the marker moves and the delta is cached under it, so open pages replay it on their next
    poll and a reload reads the page at the new marker; finding only what was read already moves nothing.

    Returns the messages read (for the caller to hand to the change pipeline), or None when the scope has no chain
    of reads to continue (no page opened since the cache had it): the caller reads the latest page instead."""
    deadline = time.monotonic() + wait
    while True:
        claim = run_locked(Lock.POLL, scope, lambda: _hinted_read(thread_id, scope, reader), ttl=LOCK_TTL)
        if claim is not None or time.monotonic() >= deadline:
            return claim.read if claim is not None else None
        time.sleep(0.05)


def _hinted_read(thread_id: str, scope: str, reader: Reader) -> _Claim:
    synced = cache.get(keys.synced(scope))
    if synced is None:
        return _Claim(None)
    before = MARKER.current(thread_id)
    started = timezone.now()
    messages, more = reader.changes_since(synced.at - OVERLAP, DELTA_LIMIT)
    known = set(synced.seen)
    if before == synced.marker and not more and all(_fingerprint(m) in known for m in messages):
        cache.set(keys.synced(scope), _synced_record(synced.marker, started, messages, after=synced), timeout=None)
        return _Claim(None, messages)
    marker = MARKER.bump(thread_id)
    delta = Delta(prev=synced.marker, messages=tuple(messages), resync=more, base=synced.newest)
    cache.set(keys.delta(scope, marker), delta, DELTA_TTL)
    cache.set(keys.synced(scope), _synced_record(marker, started, messages, after=synced), timeout=None)
    return _Claim(marker, messages)


def _background_due(synced: Synced | None, thread_id: str, scope: str) -> bool:
    interval = BACKGROUND_INTERVAL if scope == thread_id else PERSONAL_BACKGROUND_INTERVAL
    return synced is not None and timezone.now() - synced.at > interval


def _synced_record(marker: int, at: datetime, messages, *, after: Synced | None = None, page: bool = False) -> Synced:
    """What a read found. Its newest message: the last of the latest `page`, or the newest of the record the read
    continues (`after`) and what it found; unknown when that record's is."""
    newest = None
    found = [(m.sequence_id, m.created_on) for m in messages]
    if page:
        newest = max(found, key=lambda n: n[0], default=(0, None))
    elif after is not None and after.newest is not None:
        newest = max([after.newest, *found], key=lambda n: n[0])
    return Synced(marker=marker, at=at, seen=tuple(_fingerprint(m) for m in messages), newest=newest)


def _fingerprint(message) -> tuple:
    return message.id, message.edited_on, message.deleted_on


def _chain_started(thread_id: str, at: datetime) -> None:
    """Deltas hold every change from `at` on, and none before: a roster read earlier than that may lack a change
    another ACS client made in between (its system message is in no delta), so the roster is read again, once."""
    roster = cache.get(keys.roster_read(thread_id))
    if roster is not None and roster.at < (at - OVERLAP).timestamp():
        ROSTER.bump(thread_id)


def _resync(scope: str, reader: Reader) -> Update:
    marker, page = reader.latest()
    return Update(marker, page.messages, resync=page)
