"""Who is in a thread: add people (with how much history they see), remove someone, leave.

Each change moves the thread's marker (its system message reaches every open page) and roster version; who
left or was removed is noted (live.state) so their open pages end on the next poll without asking ACS.
"""

import dataclasses
from datetime import datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils.translation import gettext as _

from chatsite.acs import service
from chatsite.acs.errors import AcsNotFound, AcsRejected
from chatsite.acs.identities import identity_for
from chatsite.acs.records import Member

from ..actors import Actor
from ..live import keys, own, state
from ..live.cache import MARKER, ROSTER
from ..models import Thread
from ..selectors.accounts import display_name, user_pk_by_acs_id
from ..selectors.membership import roster
from . import inbox
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
    for person in added:
        state.set_viewer_state(thread_id=thread_id, user_pk=person.pk, state=None)
    if history_from is not None:
        # ACS lists share-history times to the second; the exact one lets the live path filter as ACS does.
        exact = {
            keys.history_from(thread_id, acs_id): history_from for acs_id in by_acs_id if acs_id not in refused_ids
        }
        cache.set_many(exact, timeout=None)
    if added:
        _mirror_people(thread_id, add=added)
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
    removed = get_user_model().objects.filter(acs_identity__acs_user_id=acs_user_id)
    _mirror_people(thread_id, remove=removed)
    user_pk = user_pk_by_acs_id(acs_user_id)
    if user_pk is not None:
        state.set_viewer_state(thread_id=thread_id, user_pk=user_pk, state=ended)
    inbox.thread_changed(thread_id=thread_id, also=[user_pk])


def _changed(thread_id: str) -> None:
    MARKER.bump(thread_id)
    ROSTER.bump(thread_id)


def _mirror_people(thread_id: str, *, add=(), remove=()) -> None:
    thread = Thread.objects.filter(acs_thread_id=thread_id).first()
    if thread is None:
        return
    thread.participants.add(*add)
    thread.participants.remove(*remove)
    thread.participant_count = max(0, (thread.participant_count or 0) + len(add) - len(remove))
    # A one-to-one with a third person is a group: it keeps the name it had.
    thread.direct = thread.direct and not add
    thread.save(update_fields=["participant_count", "direct"])


def _refusal_reason(code: str | None) -> str:
    # invalidParticipants codes: "404" no such ACS identity, "403" the thread is full (250 people).
    if code == "403":
        return _("the chat is full")
    if code == "404":
        return _("their chat account no longer exists")
    return _("the chat service refused")
