"""Messages: the latest page, older pages, one message, and what changed for an open page (the poll)."""

import dataclasses
from datetime import datetime

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from chatsite.acs import records
from chatsite.acs.errors import AcsForbidden

from ..actors import Actor
from ..live import polling, state
from ..live.cache import MARKER, ROSTER
from ..presentation import Message, present
from ..services import inbox
from .accounts import user_pk_by_acs_id
from .membership import Roster, access, read_for, roster_read_at
from .paging import sign, thread_reads, unsign
from .threads import thread_is_shared

MESSAGES_PER_PAGE = 30
MEMBERSHIP_TYPES = {"participantadded", "participantremoved"}


@dataclasses.dataclass
class MessagePage:
    messages: list[Message]  # oldest first
    older: str | None  # signed token for the page before, if any


@dataclasses.dataclass
class PollResult:
    marker: int
    messages: list[Message]  # changed since the page's marker, by sequence number
    resync: MessagePage | None = None  # the latest page, when the page must be redrawn
    ended: str | None = None  # the viewer's part ended (state.LEFT, REMOVED, DELETED): nothing else is sent


def message_page(*, actor: Actor, thread_id: str, older: str | None = None) -> MessagePage:
    with thread_reads():
        page = actor.acs.messages_page(
            thread_id, page_size=MESSAGES_PER_PAGE, continuation=unsign(older, scope=thread_id)
        )
    messages = sorted(present(page.items), key=lambda m: m.sequence_id)
    return MessagePage(messages, sign(page.continuation, scope=thread_id))


def older_messages(*, actor: Actor, thread_id: str, older: str) -> MessagePage:
    """An older page, for participants and for people who left or were removed (their history stays theirs)."""
    access(actor=actor, thread_id=thread_id)
    return message_page(actor=actor, thread_id=thread_id, older=older)


def message_get(*, actor: Actor, thread_id: str, message_id: str) -> Message:
    with thread_reads():
        item = actor.acs.message_get(thread_id, message_id)
    return present([item])[0]


def own_message_get(*, actor: Actor, thread_id: str, message_id: str) -> Message:
    """One of the actor's own messages, to edit: anyone else's is refused as ACS would refuse the edit."""
    message = message_get(actor=actor, thread_id=thread_id, message_id=message_id)
    if not message.sent_by(actor.acs_user_id):
        raise AcsForbidden(_("You can only change your own messages."))
    return message


def thread_page_opened(*, actor: Actor, thread_id: str) -> tuple[int, MessagePage]:
    """The latest page for a page being opened, and the change marker it is current with."""
    marker = MARKER.current(thread_id)
    read_at = timezone.now()
    page = message_page(actor=actor, thread_id=thread_id)
    _shared, scope = _scope(actor, thread_id)
    polling.page_opened(scope=scope, marker=marker, read_at=read_at)
    return marker, page


def messages_poll(*, actor: Actor, thread_id: str, marker: int) -> PollResult | None:
    """What changed since `marker` that this viewer may see, or None (the common case: no ACS call).

    Membership is checked first, from the cache: someone who left or was removed gets their ended state and never
    a new message; someone who never took part gets a 404.
    """
    viewer = access(actor=actor, thread_id=thread_id)
    if viewer.ended is not None:
        return PollResult(marker, [], ended=viewer.ended)
    shared, scope = _scope(actor, thread_id)

    def changes_since(since: datetime, limit: int):
        page, _ = read_for(
            actor=actor,
            thread_id=thread_id,
            read=lambda reader: reader.acs.messages_page(thread_id, page_size=limit, start_time=since),
        )
        _note_membership(thread_id, page.items)
        inbox.deltas_seen(thread_id=thread_id, items=page.items)
        return page.items, bool(page.continuation)

    def latest():
        current = MARKER.current(thread_id)
        read_at = timezone.now()
        page = message_page(actor=actor, thread_id=thread_id)
        polling.page_opened(scope=scope, marker=current, read_at=read_at)
        return current, page

    reader = polling.Reader(changes_since=changes_since, latest=latest)
    # With Event Grid (ACS_EVENTS=eventgrid) other clients' changes move the marker; only without it do open
    # pages look for them with a periodic read.
    background = settings.ACS_EVENTS == "poll"
    update = polling.poll(thread_id=thread_id, scope=scope, marker=marker, reader=reader, background=background)
    if update is None:
        return None
    # The read this poll made may itself have shown that the viewer was removed (by another ACS client).
    ended = state.viewer_state(thread_id=thread_id, user_pk=actor.user.pk)
    if ended is not None:
        return PollResult(marker, [], ended=ended)
    if update.resync is not None:
        return PollResult(update.marker, update.resync.messages, update.resync)
    visible = update.messages
    if shared:
        visible = visible_to(visible, viewer=actor.acs_user_id, roster=viewer.roster)
    return PollResult(update.marker, present(visible))


def visible_to(items: list[records.Message], *, viewer: str, roster: Roster) -> list[records.Message]:
    """What ACS would show this participant of messages read by an identity that sees everything: nothing from
    before their share-history time (ACS: from that time on)."""
    since = roster.history_from.get(viewer)
    if since is None:
        return items
    return [m for m in items if m.created_on >= since]


def _scope(actor: Actor, thread_id: str) -> tuple[bool, str]:
    """Where the thread's deltas live: shared by every viewer, or this viewer's own."""
    if thread_is_shared(thread_id=thread_id):
        return True, thread_id
    return False, f"{thread_id}:{actor.user.pk}"


def _note_membership(thread_id: str, items: list[records.Message]) -> None:
    """Another ACS client added or removed someone: the roster is read again and removed people's pages end."""
    changes = sorted((m for m in items if m.type in MEMBERSHIP_TYPES), key=lambda m: m.sequence_id)
    if not changes:
        return
    read_at = roster_read_at(thread_id)
    if read_at is None or changes[-1].created_on.timestamp() > read_at:
        ROSTER.bump(thread_id)  # the cached roster predates the change
    for message in changes:
        for person in message.participants:
            user_pk = user_pk_by_acs_id(person.acs_user_id)
            if user_pk is None:
                continue
            if message.type == "participantadded":
                ended = None
            else:
                ended = state.LEFT if person.acs_user_id == message.initiator_id else state.REMOVED
            state.set_viewer_state(thread_id=thread_id, user_pk=user_pk, state=ended)
