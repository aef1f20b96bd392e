"""Who is in a thread, and whether this viewer may see it now, at no ACS call on the live path.

The roster is read from ACS once per change and shared by every viewer through the cache: by the site's service
identity where it is a participant (threads the site created or imported), otherwise by the viewer. The site's
own adds and removes bump the roster version (live.cache.ROSTER); a removal or addition made by another ACS
client reaches it through Event Grid (services.events) or its system message in a poll's read (handed to
services.changes by the poll's view); never by a timer. Nothing here writes the membership record. A roster read
before the poll's chain of reads began is read again (live.polling), since a change between the two is in no read.
"""

import dataclasses
import time
from collections.abc import Callable
from datetime import datetime
from functools import cached_property

from django.core.cache import cache
from django.utils.translation import gettext as _

from chatsite.acs.errors import AcsForbidden, AcsNotFound
from chatsite.acs.service import known_id

from ..actors import Actor
from ..live import keys, snapshot, state
from ..live.cache import ROSTER, shared_once
from ..live.keys import Listed, Lock, RosterRead
from ..live.snapshot import Snapshot
from .accounts import names_by_acs_id
from .paging import thread_reads
from .record import exact_history
from .threads import thread_can_delete, thread_is_shared, thread_unshare

type T = object

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
    history_from: dict[str, datetime | None] = dataclasses.field(default_factory=dict)  # by ACS user id

    def has(self, acs_user_id: str) -> bool:
        return acs_user_id in self.history_from

    @property
    def receipts_supported(self) -> bool:
        return self.size <= RECEIPTS_LIMIT


@dataclasses.dataclass(frozen=True)
class Access:
    """What this viewer may do in the thread now: `ended` is None for a participant."""

    ended: str | None  # state.LEFT, REMOVED or DELETED
    read: RosterRead | None = None  # the roster read the decision was made on (participants only)
    history_from: datetime | None = None  # the viewer's share-history time: nothing earlier is theirs

    @cached_property
    def roster(self) -> Roster | None:
        """The roster with the site's names (a query): only what a page shows needs it."""
        return _named(self.read) if self.read else None


def read_for(*, actor: Actor, thread_id: str, read: Callable[[Actor], T]) -> tuple[T, bool]:
    """`read(reader)` by whoever reads the thread for this viewer, and whether the result may be shared with every
    viewer: the service identity sees everything in threads the site created or imported; in any other thread
    the viewer reads for themself and shares nothing."""
    if thread_is_shared(thread_id=thread_id):
        try:
            with thread_reads():
                return read(Actor.service()), True
        except AcsNotFound:
            thread_unshare(thread_id=thread_id)  # another ACS client removed the service identity
    with thread_reads():
        return read(actor), False


def roster(*, actor: Actor, thread_id: str) -> Roster:
    return _named(_roster_read(actor=actor, thread_id=thread_id))


def _roster_read(*, actor: Actor, thread_id: str, seen: Snapshot | None = None) -> RosterRead:
    """The cached roster read (ids, names as ACS has them, share-history times). It is read from ACS again only
    when it changed (the site's own writes, Event Grid's events and the membership system messages a poll's read
    finds bump live.cache.ROSTER) or was never read: never by a timer, so an idle page costs nothing. One request
    reads each version; `seen` spares the cache reads an idle poll made already."""
    if seen is not None and seen.roster_version is not None:
        current, cached = seen.roster_version, seen.roster
    else:
        current, cached = ROSTER.current(thread_id), cache.get(keys.roster_read(thread_id))
    if cached is not None and cached.version >= current:
        return cached

    def find() -> RosterRead | None:
        found = cache.get(keys.roster_read(thread_id))
        return found if found is not None and found.version >= current else None

    def read() -> RosterRead:
        # Both taken before the read: a change made during it is read again next time.
        version, started = ROSTER.current(thread_id), time.time()
        members, _shared = read_for(
            actor=actor, thread_id=thread_id, read=lambda reader: reader.acs.participants_list(thread_id)
        )
        exact = exact_history(thread_id=thread_id)
        fetched = RosterRead(
            version=version,
            at=started,
            members=tuple(
                Listed(
                    m.acs_user_id,
                    m.display_name,
                    _exact(m.share_history_time, exact.get(m.acs_user_id)),
                )
                for m in members
            ),
        )
        cache.set(keys.roster_read(thread_id), fetched, timeout=None)
        return fetched

    if cached is not None:  # the others keep the previous list until the new one lands
        return shared_once(Lock.ROSTER, thread_id, find=find, make=read, ttl=LOCK_TTL) or cached
    # Never read: nobody can be let in without it, so the others wait for the one read.
    return shared_once(Lock.ROSTER, thread_id, find=find, make=read, ttl=LOCK_TTL, wait=LOCK_TTL + 1) or read()


def access(*, actor: Actor, thread_id: str, seen: Snapshot | None = None) -> Access:
    """The viewer's part in the thread now, from the cache; never a participant: AcsNotFound (the same 404).

    The ended state comes first: the membership record (services.record: the site's own writes, other clients'
    system messages, roster reads) says the person's latest part ended, whatever an older roster read says.
    """
    seen = seen or snapshot.read(thread_id=thread_id, user_pk=actor.user.pk)
    # A lost copy of the record is read from the record: losing the cache never lets anyone in.
    ended = state.from_copies(deleted=seen.deleted, copy=seen.ended, thread_id=thread_id, user_pk=actor.user.pk)
    if ended is not None:
        return Access(ended)
    read = _roster_read(actor=actor, thread_id=thread_id, seen=seen)
    viewer = seen.acs_user_id or actor.acs_user_id
    history_from = {acs_id: since for acs_id, _name, since in read.members}
    if viewer not in history_from:
        raise AcsNotFound()
    return Access(None, read, history_from.get(viewer))


def member_roster(*, actor: Actor, thread_id: str) -> Roster:
    """The roster, for a current participant only: never a participant gets the same 404 as for no thread;
    someone who left or was removed is told they are no longer part of it."""
    current = access(actor=actor, thread_id=thread_id)
    if current.ended is not None:
        raise AcsForbidden(_("You are no longer part of this chat."))
    return current.roster


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


def roster_read_at(thread_id: str) -> float | None:
    """When the cached roster was read from ACS (epoch seconds), if there is one."""
    cached = cache.get(keys.roster_read(thread_id))
    return cached and cached.at


def gone_text(ended: str | None) -> str:
    if ended == state.DELETED:
        return _("This chat was deleted.")
    if ended == state.LEFT:
        return _("You left this chat.")
    return _("You were removed from this chat.")


def _named(cached: RosterRead) -> Roster:
    service_id = known_id()
    ids = [(acs_id, name) for acs_id, name, _since in cached.members if acs_id != service_id]
    names = names_by_acs_id(acs_id for acs_id, _ in ids)
    people = [Person(acs_id, names.get(acs_id, name)) for acs_id, name in ids]
    people.sort(key=lambda p: p.name.casefold())
    history_from = {acs_id: since for acs_id, _name, since in cached.members if acs_id != service_id}
    return Roster(cached.version, people, len(cached.members), history_from)


def _exact(listed: datetime | None, recorded: datetime | None) -> datetime | None:
    """The share-history time the site set (to the microsecond) when ACS lists that one (to the second)."""
    if listed is not None and recorded is not None and recorded.replace(microsecond=0) == listed.replace(microsecond=0):
        return recorded
    return listed
