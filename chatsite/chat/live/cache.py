"""Versioned counters, locks and rate gates in Django's cache, written once for the whole live path.

With Redis (REDIS_URL) every worker process shares them; the local in-process cache serves one runserver. Their
keys, and every other key, are named in live/keys.py; callers pass the names (`keys.Count`, `Lock`, `Gate`,
`Budget`) and a scope.
"""

import time
from collections.abc import Callable

from django.core.cache import cache

from . import keys
from .keys import Count


class Counter:
    """A per-scope integer that only moves forward: a thread's change marker, its roster or receipts version."""

    def __init__(self, name: str):
        self.name = name

    def key(self, scope) -> keys.Key[int]:
        return keys.counter(self.name, scope)

    def current(self, scope) -> int:
        counter = self.key(scope)
        value = cache.get(counter)
        if value is None:
            # Start from the clock, not 0, so a cache that lost the counter never hands out a value seen before.
            cache.add(counter, time.time_ns() // 1_000_000, timeout=None)
            value = cache.get(counter)
        return value

    def bump(self, scope) -> int:
        self.current(scope)
        try:
            return cache.incr(self.key(scope))
        except ValueError:  # evicted in between: a fresh value from the clock is a change too
            return self.current(scope)

    def bump_many(self, scopes) -> None:
        """Move many scopes' counters in two round trips whatever their number (a send in a 250-person thread
        moves 250 lists' markers). Not atomic as `bump` is, and need not be for markers compared for equality
        (INBOX): two bumps racing may both write old + 1, but each wrote its change before reading the old value,
        so a poll that sees old + 1 (after either wrote it) reads both changes."""
        names = {self.key(scope): scope for scope in scopes}
        if not names:
            return
        found = cache.get_many(list(names))
        start = time.time_ns() // 1_000_000  # a lost counter starts from the clock, as in `current`
        cache.set_many({key: found[key] + 1 if key in found else start + 1 for key in names}, timeout=None)


class Pushed(Counter):
    """A per-thread counter whose every move is also pushed to the open pages of the thread's people (chat/push).
    The change marker's hint carries its value, so a page that already shows it does not poll; the others (who is
    typing, "Seen by", the panel) carry 0: "look again"."""

    def __init__(self, name: str, *, carries_value: bool = False):
        super().__init__(name)
        self.carries_value = carries_value

    def bump(self, scope) -> int:
        from ..push.broker import publish_moved

        value = super().bump(scope)
        publish_moved(scope, value if self.carries_value else 0)
        return value


# What open thread pages compare against (keys.Count says of what); INBOX is per person (user pk), the rest per thread.
MARKER = Pushed(Count.MARKER, carries_value=True)
ROSTER = Pushed(Count.ROSTER)
RECEIPTS = Pushed(Count.RECEIPTS)
TYPING = Pushed(Count.TYPING)
INBOX = Counter(Count.INBOX)


def run_locked(name: str, scope, work: Callable, *, ttl: int):
    """`work()` if this caller takes the lock (one per name and scope at a time), else None."""
    lock = keys.lock(name, scope)
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
    return cache.add(keys.gate(name, scope), True, seconds)


def within_budget(name: str, scope, *, budget: int, window: int) -> bool:
    """True for the first `budget` calls in each `window`-second slot."""
    slot = keys.budget(name, scope, int(time.time() // window))
    cache.add(slot, 0, window * 2)
    try:
        return cache.incr(slot) <= budget
    except ValueError:
        return False
