"""Keys, versioned counters, locks and rate gates in Django's cache, written once for the whole live path.

With Redis (REDIS_URL) every worker process shares them; the local in-process cache serves one runserver.
"""

import time
from collections.abc import Callable

from django.core.cache import cache


def key(*parts) -> str:
    return ":".join(["chat", *map(str, parts)])


class Counter:
    """A per-scope integer that only moves forward: a thread's change marker, its roster or receipts version."""

    def __init__(self, name: str):
        self.name = name

    def current(self, scope) -> int:
        counter = key("counter", self.name, scope)
        # Start from the clock, not 0, so a cache that lost the counter never hands out a value seen before.
        cache.add(counter, time.time_ns() // 1_000_000, timeout=None)
        return cache.get(counter)

    def bump(self, scope) -> int:
        self.current(scope)
        try:
            return cache.incr(key("counter", self.name, scope))
        except ValueError:  # evicted in between: a fresh value from the clock is a change too
            return self.current(scope)


# What open thread pages compare against: any change to the messages; the participants; the read receipts; who
# is typing.
MARKER = Counter("marker")
ROSTER = Counter("roster")
RECEIPTS = Counter("receipts")
TYPING = Counter("typing")
# What a person's open thread list compares against, keyed by user pk: any change to any of their threads.
INBOX = Counter("inbox")


def run_locked(name: str, scope, work: Callable, *, ttl: int):
    """`work()` if this caller takes the lock (one per name and scope at a time), else None."""
    lock = key("lock", name, scope)
    if not cache.add(lock, True, ttl):
        return None
    try:
        return work()
    finally:
        cache.delete(lock)


def shared_once(name: str, scope, *, find: Callable, make: Callable, ttl: int, wait: float = 0.0):
    """What `find()` returns when it is not None, else `make()` run by one caller at a time (the lock `name`):
    that caller looks again under the lock, so one that arrives just as another finishes does not make it twice.
    The others wait up to `wait` seconds for it, trying the lock again meanwhile (its holder may have failed);
    None when the wait ran out. `make()` must not return None."""
    deadline = time.monotonic() + wait
    step = 0.025
    while True:
        found = find()
        if found is not None:
            return found
        made = run_locked(name, scope, lambda: _found_or_made(find, make), ttl=ttl)
        if made is not None or time.monotonic() >= deadline:
            return made
        time.sleep(step)
        step = min(step * 2, 0.2)  # a few cache round trips per waiter, however long the read takes


def _found_or_made(find: Callable, make: Callable):
    found = find()
    return make() if found is None else found


def gate(name: str, scope, *, seconds: float) -> bool:
    """True at most once per `seconds` for this name and scope."""
    return cache.add(key("gate", name, scope), True, seconds)


def within_budget(name: str, scope, *, budget: int, window: int) -> bool:
    """True for the first `budget` calls in each `window`-second slot."""
    slot = key("budget", name, scope, int(time.time() // window))
    cache.add(slot, 0, window * 2)
    try:
        return cache.incr(slot) <= budget
    except ValueError:
        return False
