"""Who is in a thread, read from ACS once per change and shared by every viewer through the cache.

ACS allows 10 participant listings per 10 s per person per thread. The site's own adds and removes bump the
thread's roster version (live.cache.ROSTER); a viewer who finds a new version pays for the one read; changes made
by other ACS clients are picked up at most once per REFRESH_AFTER.
"""

import dataclasses
import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from chatsite.acs.errors import AcsNotFound
from chatsite.acs.service import is_service_identity

from ..actors import Actor
from ..live import state
from ..live.cache import ROSTER, key, run_locked
from .accounts import names_by_acs_id
from .paging import thread_reads
from .threads import thread_can_delete

REFRESH_AFTER = 60
LOCK_TTL = 10
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


def roster(*, actor: Actor, thread_id: str) -> Roster:
    current = ROSTER.current(thread_id)
    cached = cache.get(key("roster", thread_id))
    if cached is not None and cached["version"] == current and time.time() - cached["at"] < REFRESH_AFTER:
        return _named(cached)

    def read() -> dict:
        with thread_reads():
            members = actor.acs.participants_list(thread_id)
        fetched = {"version": current, "at": time.time(), "ids": [(m.acs_user_id, m.display_name) for m in members]}
        cache.set(key("roster", thread_id), fetched, timeout=None)
        return fetched

    # One reader per thread at a time; the others keep the previous list until it lands.
    fetched = read() if cached is None else run_locked("roster", thread_id, read, ttl=LOCK_TTL) or cached
    return _named(fetched)


def panel_context(*, actor: Actor, thread_id: str) -> dict:
    """What the thread page needs to show the participants panel, or that this person is no longer in the chat."""
    current = roster(actor=actor, thread_id=thread_id)
    viewer = actor.acs_user_id
    gone = None
    if not current.has(viewer):
        gone = gone_text(state.viewer_state(thread_id=thread_id, user_pk=actor.user.pk))
    return {
        "roster": current,
        "viewer_id": viewer,
        "gone": gone,
        "can_delete": thread_can_delete(user=actor.user, thread_id=thread_id),
    }


def gone_text(ended: str | None) -> str:
    if ended == state.DELETED:
        return _("This chat was deleted.")
    if ended == state.LEFT:
        return _("You left this chat.")
    return _("You were removed from this chat.")


def _named(cached: dict) -> Roster:
    ids = [(acs_id, name) for acs_id, name in cached["ids"] if not is_service_identity(acs_id)]
    names = names_by_acs_id(acs_id for acs_id, _ in ids)
    people = [Person(acs_id, names.get(acs_id, name)) for acs_id, name in ids]
    people.sort(key=lambda p: p.name.casefold())
    return Roster(cached["version"], people, len(cached["ids"]))


def member_roster(*, actor: Actor, thread_id: str) -> Roster:
    """The roster, for a current participant only: anyone else gets the same not-found as for no thread."""
    current = roster(actor=actor, thread_id=thread_id)
    if not current.has(actor.acs_user_id):
        raise AcsNotFound()
    return current
