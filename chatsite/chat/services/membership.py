"""Who is in a thread: add people (with how much history they see), remove someone, leave.

Each change moves the thread's marker (its system message reaches every open page) and roster version, and is
handed to services.changes (the membership record, the mirror, the inbox) so that the pages of whoever left or
was removed end on the next poll without asking ACS.
"""

import dataclasses
from datetime import UTC, datetime

from django.utils.translation import gettext as _

from chatsite.acs import records, service
from chatsite.acs.errors import AcsNotFound, AcsRejected
from chatsite.acs.identities import identity_for
from chatsite.acs.records import Member

from ..actors import Actor
from ..live import own, state
from ..live.cache import MARKER, ROSTER
from ..models import Thread
from ..selectors.accounts import display_name, user_pk_by_acs_id
from ..selectors.membership import roster
from . import inbox
from .changes import SITE_WRITE, changes_apply
from .errors import as_participant


@dataclasses.dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


class NotAllowed(AcsRejected):
    """A change the site refuses before asking ACS; its message says why."""


def participants_add(*, actor: Actor, thread_id: str, people, history_from: datetime | None) -> list[Refusal]:
    """Add `people` in one ACS call, sharing history from `history_from` (None: all of it).

    Returns the people ACS refused, with why; the others are added.
    """
    by_acs_id = {identity_for(person).acs_user_id: person for person in people}
    members = [Member(acs_id, display_name(p), history_from) for acs_id, p in by_acs_id.items()]
    with as_participant(), own.writing(thread_id=thread_id, kind=own.ADDED, refs=[m.acs_user_id for m in members]):
        refused = actor.acs.participants_add(thread_id, members)
    refused_ids = {r.acs_user_id for r in refused}
    added = [p for acs_id, p in by_acs_id.items() if acs_id not in refused_ids]
    if added:
        # The system message ACS wrote for the add, with the exact share-history time the site set (ACS lists it
        # to the second) and the site's clock for its id: its poll's copy later changes nothing.
        joined = [m for m in members if m.acs_user_id not in refused_ids]
        changes_apply(thread_id=thread_id, messages=[_system(actor, "participantadded", joined)], source=SITE_WRITE)
        _count(thread_id, len(added))
        _changed(thread_id)
        inbox.thread_changed(thread_id=thread_id)
    return [Refusal(display_name(by_acs_id[r.acs_user_id]), _refusal_reason(r.code)) for r in refused]


def participant_remove(*, actor: Actor, thread_id: str, acs_user_id: str) -> None:
    """Remove someone else; they read "You were removed" on their next poll."""
    if service.is_service_identity(acs_user_id):
        # Without it staff could no longer see or change the thread.
        raise NotAllowed(_("The site's service identity stays in every thread it moderates."))
    if not actor.is_service and (
        acs_user_id == actor.acs_user_id or not roster(actor=actor, thread_id=thread_id).has(acs_user_id)
    ):
        raise AcsNotFound(_("This person is not in the chat."))
    _remove(actor, thread_id, acs_user_id, ended=state.REMOVED)


def thread_leave(*, actor: Actor, thread_id: str) -> None:
    _remove(actor, thread_id, actor.acs_user_id, ended=state.LEFT)


def _remove(actor: Actor, thread_id: str, acs_user_id: str, *, ended: str) -> None:
    with as_participant(), own.writing(thread_id=thread_id, kind=own.REMOVED, refs=[acs_user_id]):
        actor.acs.participant_remove(thread_id, acs_user_id)
    _changed(thread_id)
    # ACS's system message names the remover as initiator: someone who left removed themself.
    initiator = acs_user_id if ended == state.LEFT else actor.acs_user_id
    removal = _system(actor, "participantremoved", [Member(acs_user_id)], initiator=initiator)
    changes_apply(thread_id=thread_id, messages=[removal], source=SITE_WRITE)
    _count(thread_id, -1)
    inbox.thread_changed(thread_id=thread_id, also=[user_pk_by_acs_id(acs_user_id)])


def _system(actor: Actor, kind: str, people, *, initiator: str | None = None) -> records.Message:
    """The system message ACS wrote for a membership write of the site, as far as the site knows it: its id is the
    site's clock after ACS answered (ACS's own id is earlier; its poll's copy narrows a removal to it)."""
    version = inbox.now_version()
    return records.Message(
        id=str(version),
        sequence_id=0,
        type=kind,
        created_on=datetime.fromtimestamp(version / 1000, UTC),
        initiator_id=initiator or actor.acs_user_id,
        participants=tuple(people),
    )


def _changed(thread_id: str) -> None:
    MARKER.bump(thread_id)
    ROSTER.bump(thread_id)


def _count(thread_id: str, change: int) -> None:
    thread = Thread.objects.filter(acs_thread_id=thread_id).first()
    if thread is None:
        return
    thread.participant_count = max(0, (thread.participant_count or 0) + change)
    # A one-to-one with a third person is a group: it keeps the name it had.
    thread.direct = thread.direct and change < 0
    thread.save(update_fields=["participant_count", "direct"])


def _refusal_reason(code: str | None) -> str:
    # invalidParticipants codes: "404" no such ACS identity, "403" the thread is full (250 people).
    if code == "403":
        return _("the chat is full")
    if code == "404":
        return _("their chat account no longer exists")
    return _("the chat service refused")
