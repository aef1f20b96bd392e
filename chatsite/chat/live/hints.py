"""Event Grid events are hints: "read this thread again". However many arrive for one scope (a thread, or a thread
and one person), at most one read is in flight and one queued.

`hint(scope, read, received_at=…)` queues a read and, when no other caller is reading the scope, makes it, then
the one queued meanwhile, until none is. A caller that finds the scope being read only leaves its hint queued for
the reader, and a hint whose delivery arrived before the last read began is already answered by it, so a burst of
events, in one delivery or in many at once, costs the read in flight and at most one more. Reads of a scope
begin at least SPACING apart (the reader waits out the rest), so a stream of deliveries one after another, forged
or real, costs at most one read per SPACING per scope: well inside ACS's 400 message reads a minute per thread
(LIMITS.md), with a change still shown within a second.

The lock and the queued flag are cache entries (keys in live/keys.py): losing them costs at most one more read.
Nothing here calls ACS: the caller passes the read.
"""

import time
from collections.abc import Callable

from django.core.cache import cache

from . import keys
from .keys import Lock

SPACING = 0.5  # seconds between the starts of two reads of one scope for hints
LOCK_TTL = 30  # longer than a read's worst case (ACS_TIMEOUT, one retry)
QUEUED_TTL = 60


def hint(scope: str, read: Callable[[], None], *, received_at: float) -> None:
    """Queue a read of `scope` and make it, with any queued meanwhile, unless another caller is making it.

    `received_at` (epoch seconds) is when the hint's delivery arrived: whatever it tells of happened before then,
    so a read that began after it has seen it already and the hint is dropped. Deliveries that arrive together
    (Event Grid delivers concurrently) thus cost one read however long each takes to handle.

    A read that fails raises here, its hint still queued (the caller's delivery fails and Event Grid delivers it
    again, which hints again)."""
    if (cache.get(keys.hint_read(scope)) or 0.0) > received_at:
        return
    queued = keys.hint_queued(scope)
    lock = keys.lock(Lock.HINT, scope)
    cache.set(queued, True, QUEUED_TTL)  # first: a reader that is finishing sees it after releasing the lock
    while cache.get(queued) and cache.add(lock, True, LOCK_TTL):
        try:
            while cache.delete(queued):  # taken: hints that arrive from now on queue the next read
                _spaced(scope)
                try:
                    read()
                except BaseException:
                    cache.set(queued, True, QUEUED_TTL)
                    raise
        finally:
            cache.delete(lock)


def idle(scope: str) -> bool:
    """No read of the scope is in flight or queued (for tests and benchmarks that wait for hints to settle)."""
    return cache.get(keys.hint_queued(scope)) is None and cache.get(keys.lock(Lock.HINT, scope)) is None


def _spaced(scope: str) -> None:
    last = cache.get(keys.hint_read(scope)) or 0.0
    wait = last + SPACING - time.time()
    if wait > 0:
        time.sleep(min(wait, SPACING))
    cache.set(keys.hint_read(scope), time.time(), QUEUED_TTL)
    cache.touch(keys.lock(Lock.HINT, scope), LOCK_TTL)
