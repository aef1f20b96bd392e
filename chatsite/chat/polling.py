"""Live updates for open thread pages without one ACS read per viewer per poll (design: README, "Live updates").

Every thread has a change marker in the cache, bumped by each write the site makes through ACS. A page
polls with the marker it has seen: the same marker costs no ACS call. A new marker is paid for once: the
first poller to take the thread's lock reads what changed since the last sync (one list_messages with
start_time) and caches that delta under the marker; every other viewer is served from the cache. Changes
made by other ACS clients are found by a background read, at most one per thread per BACKGROUND_INTERVAL,
taken by whichever poller gets the lock.
"""

import dataclasses
import time
from datetime import datetime, timedelta

from django.core.cache import cache
from django.utils import timezone

from . import selectors
from .messages import Message

BACKGROUND_INTERVAL = timedelta(seconds=30)
# Read a little before the last sync: ACS times have second precision and clocks differ. Re-seen messages are
# harmless, pages apply changes by message id and sequence number.
OVERLAP = timedelta(seconds=5)
DELTA_TTL = 300
MEMBER_TTL = 600
LOCK_TTL = 30
MAX_CHAIN = 20
DELTA_LIMIT = 200  # ACS's largest list page: a busier burst makes pages reload their latest messages instead


@dataclasses.dataclass
class Update:
    marker: int
    messages: list[Message]  # changed since the viewer's marker, by sequence number
    resync: selectors.MessagePage | None = None  # the latest page, when the changes cannot be replayed


def current(thread_id: str) -> int:
    key = _key("marker", thread_id)
    # Start from the clock, not 0, so a cache that lost the marker never hands out a marker seen before.
    cache.add(key, time.time_ns() // 1_000_000, timeout=None)
    return cache.get(key)


def bump(thread_id: str) -> int:
    current(thread_id)
    try:
        return cache.incr(_key("marker", thread_id))
    except ValueError:  # evicted in between
        return current(thread_id)


def page_opened(*, user, thread_id: str, marker: int, read_at: datetime) -> None:
    """A page showed the latest messages as of `read_at`, having seen `marker` before reading."""
    cache.set(_key("member", thread_id, user.pk), True, MEMBER_TTL)
    cache.add(_key("synced", thread_id), {"marker": marker, "at": read_at}, timeout=None)


def poll(*, user, thread_id: str, marker: int) -> Update | None:
    """What changed since `marker`, or None when nothing did (the common case, free of ACS calls)."""
    if not cache.get(_key("member", thread_id, user.pk)):
        # Membership is re-checked by ACS now and then: the person reads their latest page themself.
        return _resync(user, thread_id)
    latest = current(thread_id)
    if marker == latest:
        if not _background_due(thread_id):
            return None
        latest = _with_lock(thread_id, lambda: _background_sync(user, thread_id)) or marker
        if latest == marker:
            return None
    elif cache.get(_key("delta", thread_id, latest)) is None:
        synced = cache.get(_key("synced", thread_id))
        if synced is not None and synced["marker"] == latest:
            return _resync(user, thread_id)  # the delta was evicted
        if _with_lock(thread_id, lambda: _sync(user, thread_id, latest)) is None:
            return None  # another viewer is reading ACS for this change; the next poll gets it
    return _replay(user, thread_id, since=marker, latest=latest)


def _replay(user, thread_id: str, *, since: int, latest: int) -> Update:
    if since > latest:
        return _resync(user, thread_id)
    chunks = []
    step = latest
    for _ in range(MAX_CHAIN):
        delta = cache.get(_key("delta", thread_id, step))
        if delta is None or delta["resync"]:
            return _resync(user, thread_id)
        chunks.append(delta["messages"])
        step = delta["prev"]
        if step <= since:
            break
    else:
        return _resync(user, thread_id)
    by_id = {}
    for chunk in reversed(chunks):  # oldest delta first, so the newest version of a message wins
        by_id.update((m.id, m) for m in chunk)
    return Update(latest, sorted(by_id.values(), key=lambda m: m.sequence_id))


def _sync(user, thread_id: str, target: int) -> int:
    synced = cache.get(_key("synced", thread_id))
    started = timezone.now()
    if synced is None:
        delta = {"prev": target, "messages": [], "resync": True}
    else:
        messages, more = selectors.messages_changed_since(
            user=user, thread_id=thread_id, since=synced["at"] - OVERLAP, limit=DELTA_LIMIT
        )
        delta = {"prev": synced["marker"], "messages": messages, "resync": more}
    cache.set(_key("delta", thread_id, target), delta, DELTA_TTL)
    cache.set(_key("synced", thread_id), {"marker": target, "at": started}, timeout=None)
    return target


def _background_sync(user, thread_id: str) -> int | None:
    synced = cache.get(_key("synced", thread_id))
    if synced is None or not _background_due(thread_id):
        return None  # another poller synced while this one waited for the lock
    started = timezone.now()
    messages, more = selectors.messages_changed_since(
        user=user, thread_id=thread_id, since=synced["at"] - OVERLAP, limit=DELTA_LIMIT
    )
    if current(thread_id) != synced["marker"]:
        return None  # the site wrote meanwhile: that change's own sync reads everything again
    if not messages:
        cache.set(_key("synced", thread_id), {"marker": synced["marker"], "at": started}, timeout=None)
        return None
    marker = bump(thread_id)
    delta = {"prev": synced["marker"], "messages": messages, "resync": more}
    cache.set(_key("delta", thread_id, marker), delta, DELTA_TTL)
    cache.set(_key("synced", thread_id), {"marker": marker, "at": started}, timeout=None)
    return marker


def _background_due(thread_id: str) -> bool:
    synced = cache.get(_key("synced", thread_id))
    return synced is not None and timezone.now() - synced["at"] > BACKGROUND_INTERVAL


def _resync(user, thread_id: str) -> Update:
    marker = current(thread_id)
    read_at = timezone.now()
    page = selectors.message_page(user=user, thread_id=thread_id)
    page_opened(user=user, thread_id=thread_id, marker=marker, read_at=read_at)
    return Update(marker, page.messages, resync=page)


def _with_lock(thread_id: str, work):
    lock = _key("lock", thread_id)
    if not cache.add(lock, True, LOCK_TTL):
        return None
    try:
        return work()
    finally:
        cache.delete(lock)


def _key(kind: str, thread_id: str, *parts) -> str:
    return ":".join(["chat", kind, thread_id, *map(str, parts)])
