"""Who is in a thread, read from ACS once per change and shared by every viewer through the cache.

ACS allows 10 participant listings per 10 s per person per thread. The site's own adds and removes bump the
thread's roster version; a viewer who finds a new version pays for the one read; changes made by other ACS
clients are picked up at most once per REFRESH_AFTER.
"""

import dataclasses
import time

from django.core.cache import cache

from chatsite.acs import clients
from chatsite.acs.errors import AcsForbidden, AcsNotFound, acs_errors
from chatsite.acs.identities import credentials_for
from chatsite.acs.participants import raw_id
from chatsite.acs.service import is_service_identity

from .people import names_by_acs_id

REFRESH_AFTER = 60
LOCK_TTL = 10
ACS_MAX_PARTICIPANTS = 250
# Read receipts and typing notifications: ACS supports them only up to this many participants.
RECEIPTS_LIMIT = 20


@dataclasses.dataclass(frozen=True)
class Person:
    acs_user_id: str
    name: str


@dataclasses.dataclass(frozen=True)
class Roster:
    version: int
    people: list[Person]  # the thread's people, without the site's service identity
    size: int  # every ACS participant, as ACS counts them for its 20-participant limits

    def has(self, acs_user_id: str) -> bool:
        return any(p.acs_user_id == acs_user_id for p in self.people)

    @property
    def receipts_supported(self) -> bool:
        return self.size <= RECEIPTS_LIMIT


def version(thread_id: str) -> int:
    key = _key("v", thread_id)
    cache.add(key, time.time_ns() // 1_000_000, timeout=None)
    return cache.get(key)


def changed(thread_id: str) -> None:
    """The site changed who is in the thread: the next reader lists the participants again."""
    version(thread_id)
    try:
        cache.incr(_key("v", thread_id))
    except ValueError:  # evicted in between: a fresh version is a change too
        version(thread_id)


def roster(*, user, thread_id: str) -> Roster:
    current = version(thread_id)
    cached = cache.get(_key("roster", thread_id))
    if cached is not None and cached["version"] == current and time.time() - cached["at"] < REFRESH_AFTER:
        return _named(cached)
    # One reader per thread at a time; the others keep the previous list until it lands.
    if cached is not None and not cache.add(_key("lock", thread_id), True, LOCK_TTL):
        return _named(cached)
    try:
        fetched = {"version": current, "at": time.time(), "ids": _list(user, thread_id)}
        cache.set(_key("roster", thread_id), fetched, timeout=None)
    finally:
        cache.delete(_key("lock", thread_id))
    return _named(fetched)


def _list(user, thread_id: str) -> list[tuple[str, str]]:
    credentials = credentials_for(user)
    try:
        with acs_errors():
            items = list(
                clients.thread_client(credentials.token, thread_id).list_participants(
                    results_per_page=ACS_MAX_PARTICIPANTS
                )
            )
    except AcsForbidden:
        raise AcsNotFound() from None
    return [(raw_id(item.identifier), item.display_name or "") for item in items]


def _named(cached: dict) -> Roster:
    ids = [(acs_id, name) for acs_id, name in cached["ids"] if not is_service_identity(acs_id)]
    names = names_by_acs_id(acs_id for acs_id, _ in ids)
    people = [Person(acs_id, names.get(acs_id, name)) for acs_id, name in ids]
    people.sort(key=lambda p: p.name.casefold())
    return Roster(cached["version"], people, len(cached["ids"]))


def _key(kind: str, thread_id: str) -> str:
    return f"chat:roster:{kind}:{thread_id}"
