"""Managing a conversation in ACS: adding and removing people, leaving, the topic, deleting the thread.

Each write bumps the thread's poll marker (its system message reaches every open page) and, when membership
changed, the roster version. Who left, was removed, or saw the thread deleted is also noted in the cache, so
open pages learn it on their next poll without asking ACS.
"""

import dataclasses
import logging
from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from chatsite.acs import clients
from chatsite.acs.errors import AcsForbidden, AcsNotFound, acs_errors
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.models import AcsIdentity
from chatsite.acs.participants import identifier, participant, raw_id

from . import polling, roster
from .models import Thread
from .people import display_name

logger = logging.getLogger(__name__)

LEFT = "left"
REMOVED = "removed"
DELETED = "deleted"
# Long enough for any open page to poll; a later page load checks membership with ACS anyway.
STATE_TTL = 24 * 3600


@dataclasses.dataclass(frozen=True)
class Refusal:
    name: str
    reason: str


def participants_add(*, user, thread_id: str, people, history_from: datetime | None) -> list[Refusal]:
    """Add `people` in one ACS call, sharing history from `history_from` (None: all of it).

    Returns the people ACS refused, with why; the others are added.
    """
    credentials = credentials_for(user)
    by_acs_id = {identity_for(person).acs_user_id: person for person in people}
    members = [participant(acs_id, display_name(p), history_from) for acs_id, p in by_acs_id.items()]
    with _participant_errors(), acs_errors():
        failures = clients.thread_client(credentials.token, thread_id).add_participants(members)
    refused_ids = {raw_id(refused.identifier) for refused, _error in failures}
    for acs_id in set(by_acs_id) - refused_ids:
        _set_state(thread_id, by_acs_id[acs_id].pk, None)
    if len(refused_ids) < len(members):
        _changed(thread_id)
    return [
        Refusal(display_name(by_acs_id[raw_id(refused.identifier)]), _refusal_reason(error))
        for refused, error in failures
    ]


def participant_remove(*, user, thread_id: str, acs_user_id: str) -> None:
    """Remove another person; they read "You were removed" on their next poll."""
    current = roster.roster(user=user, thread_id=thread_id)
    if acs_user_id == credentials_for(user).acs_user_id or not current.has(acs_user_id):
        raise AcsNotFound(_("This person is not in the chat."))
    _remove(user, thread_id, acs_user_id)
    removed = _user_pk(acs_user_id)
    if removed is not None:
        _set_state(thread_id, removed, REMOVED)


def thread_leave(*, user, thread_id: str) -> None:
    _remove(user, thread_id, credentials_for(user).acs_user_id)
    _set_state(thread_id, user.pk, LEFT)


def topic_update(*, user, thread_id: str, topic: str) -> None:
    credentials = credentials_for(user)
    with _participant_errors(), acs_errors():
        clients.thread_client(credentials.token, thread_id).update_topic(topic)
    Thread.objects.filter(acs_thread_id=thread_id).update(topic=topic)
    polling.bump(thread_id)
    roster.changed(thread_id)  # open pages re-read the header with the panel


def thread_delete(*, user, thread_id: str) -> None:
    """Only the person who created the thread on the site may delete it."""
    thread = Thread.objects.filter(acs_thread_id=thread_id, created_by=user, deleted_at=None).first()
    if thread is None:
        raise AcsForbidden(_("Only the person who started this chat can delete it."))
    credentials = credentials_for(user)
    with acs_errors():
        clients.chat_client(credentials.token).delete_chat_thread(thread_id)
    thread.deleted_at = timezone.now()
    thread.save(update_fields=["deleted_at"])
    # No marker bump: open pages would ask ACS about a thread that is gone; they read this flag instead.
    cache.set(_key("deleted", thread_id), True, STATE_TTL)


def viewer_state(*, user, thread_id: str) -> str | None:
    """LEFT, REMOVED or DELETED when the site saw this person's part in the thread end; None otherwise."""
    if cache.get(_key("deleted", thread_id)):
        return DELETED
    return cache.get(_key("state", thread_id, user.pk))


def membership_changed(*, thread_id: str, acs_user_id: str, state: str | None) -> None:
    """Staff added (state None) or removed (REMOVED) someone: open pages learn it on their next poll."""
    _changed(thread_id)
    person = _user_pk(acs_user_id)
    if person is not None:
        _set_state(thread_id, person, state)


def thread_deleted(*, thread_id: str) -> None:
    """Staff deleted the thread: open pages read this flag instead of asking ACS."""
    cache.set(_key("deleted", thread_id), True, STATE_TTL)


def _remove(user, thread_id: str, acs_user_id: str) -> None:
    credentials = credentials_for(user)
    with _participant_errors(), acs_errors():
        clients.thread_client(credentials.token, thread_id).remove_participant(identifier(acs_user_id))
    _changed(thread_id)


def _changed(thread_id: str) -> None:
    polling.bump(thread_id)
    roster.changed(thread_id)


def _set_state(thread_id: str, user_pk: int, state: str | None) -> None:
    if state is None:
        cache.delete(_key("state", thread_id, user_pk))
    else:
        cache.set(_key("state", thread_id, user_pk), state, STATE_TTL)


def _user_pk(acs_user_id: str) -> int | None:
    return AcsIdentity.objects.filter(acs_user_id=acs_user_id).values_list("user_id", flat=True).first()


def _refusal_reason(error) -> str:
    # invalidParticipants codes: "404" no such ACS identity, "403" the thread is full (250 people).
    if error is not None and error.code == "403":
        return _("the chat is full")
    if error is not None and error.code == "404":
        return _("their chat account no longer exists")
    return _("the chat service refused")


class _participant_errors:
    """A removed person acting in the thread: ACS says 403; they read that they are no longer part of it."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is AcsForbidden:
            raise AcsForbidden(_("You are no longer part of this chat.")) from None
        return False


def _key(kind: str, thread_id: str, *parts) -> str:
    return ":".join(["chat", "conversation", kind, thread_id, *map(str, parts)])
