"""Messages: the latest page, older pages, one message, and what changed for an open page (the poll)."""

import dataclasses
from datetime import datetime

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from chatsite.acs import records
from chatsite.acs.errors import AcsForbidden, AcsNotFound

from .. import visibility
from ..actors import Actor
from ..live import keys, polling, state
from ..live.cache import MARKER, ROSTER, shared_once
from ..live.keys import Delta, LatestPage, Lock
from ..live.snapshot import Snapshot
from ..presentation import Message, moderated, present
from ..services.changes import membership_ends
from .membership import Access, access, read_for
from .paging import sign, thread_reads, unsign
from .record import hidden_ids
from .threads import ThreadInfo, thread_get, thread_is_shared, thread_mirror_info

MESSAGES_PER_PAGE = 30
LOCK_TTL = 10
# How long a page open waits for another request's read of the same page (an ACS read takes ~50-500 ms, at most
# ACS_TIMEOUT): as long as that request may hold the lock, after which a waiter takes it.
PAGE_WAIT = LOCK_TTL + 1


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
    read: tuple = ()  # records.Message this request read from ACS: the caller hands them to services.changes
    unchanged: bool = False  # read, but nothing changed for the page


def message_page(*, actor: Actor, thread_id: str, older: str | None = None) -> MessagePage:
    return _presented(thread_id, _read_page(actor, thread_id, older))


def _read_page(actor: Actor, thread_id: str, older: str | None = None) -> records.Page:
    with thread_reads():
        return actor.acs.messages_page(
            thread_id, page_size=MESSAGES_PER_PAGE, continuation=unsign(older, scope=thread_id)
        )


def _presented(thread_id: str, page: records.Page) -> MessagePage:
    messages = sorted(present_for(page.items, thread_id=thread_id), key=lambda m: m.sequence_id)
    return MessagePage(messages, sign(page.continuation, scope=thread_id))


def older_messages(*, actor: Actor, thread_id: str, older: str) -> MessagePage:
    """An older page, for participants and for people who left or were removed (their history stays theirs)."""
    access(actor=actor, thread_id=thread_id)
    return message_page(actor=actor, thread_id=thread_id, older=older)


def message_get(*, actor: Actor, thread_id: str, message_id: str) -> Message:
    with thread_reads():
        item = actor.acs.message_get(thread_id, message_id)
    if item.id.isdigit() and int(item.id) in hidden_ids(thread_id=thread_id):
        raise AcsNotFound()  # hidden by a moderator: as if ACS had not found it
    return present([item])[0]


def own_message_get(*, actor: Actor, thread_id: str, message_id: str) -> Message:
    """One of the actor's own messages, to edit: anyone else's is refused as ACS would refuse the edit."""
    message = message_get(actor=actor, thread_id=thread_id, message_id=message_id)
    if not message.sent_by(actor.acs_user_id):
        raise AcsForbidden(_("You can only change your own messages."))
    return message


@dataclasses.dataclass
class OpenedPage:
    marker: int  # the change marker the page is current with
    thread: ThreadInfo
    page: MessagePage


def thread_page_opened(*, actor: Actor, thread_id: str) -> OpenedPage:
    """What a thread page shows when it opens. For a participant of a thread the site hosts, the latest page is
    read once per change by the service identity and shared, filtered for each viewer like the poll's deltas;
    the topic comes from the site's mirror. Anyone else (left, removed, a thread the site does not host, or not
    yet in the cached roster) reads as themself and ACS decides."""
    marker = MARKER.current(thread_id)
    shared, scope = _scope(actor, thread_id)
    try:
        viewer = access(actor=actor, thread_id=thread_id) if shared else None
    except AcsNotFound:
        viewer = None  # perhaps added by another client since the roster was read: ACS will say
    if viewer is not None and viewer.ended is None:
        # One request reads the page for this marker; the others wait for it rather than read ACS too, so a
        # hundred people reloading at once cost one read, however their requests interleave.
        latest = shared_once(
            Lock.PAGE,
            thread_id,
            find=lambda: cache.get(keys.page(thread_id, marker)),
            make=lambda: _latest_shared(thread_id, marker),
            ttl=LOCK_TTL,
            wait=PAGE_WAIT,
        )
        if latest is not None:
            polling.page_opened(
                thread_id=thread_id, scope=scope, marker=marker, read_at=latest.at, messages=latest.items
            )
            items = visible_to(latest.items, viewer=actor.acs_user_id, since=viewer.history_from)
            messages = sorted(present_for(items, thread_id=thread_id), key=lambda m: m.sequence_id)
            page = MessagePage(messages, sign(latest.link, scope=thread_id))
            return OpenedPage(marker, thread_mirror_info(thread_id=thread_id), page)
    read_at = timezone.now()
    info = thread_get(actor=actor, thread_id=thread_id)
    page = message_page(actor=actor, thread_id=thread_id)
    if viewer is None and shared:
        ROSTER.bump(thread_id)  # ACS let them in though the cached roster did not have them: read it again
    polling.page_opened(thread_id=thread_id, scope=scope, marker=marker, read_at=read_at, messages=page.messages)
    return OpenedPage(marker, info, page)


def _latest_shared(thread_id: str, marker: int) -> LatestPage:
    """The thread's latest page as the service identity reads it, cached for the marker like a delta."""
    read_at = timezone.now()
    page = Actor.service().acs.messages_page(thread_id, page_size=MESSAGES_PER_PAGE)
    latest = LatestPage(items=page.items, link=page.continuation, at=read_at)
    cache.set(keys.page(thread_id, marker), latest, polling.DELTA_TTL)
    return latest


def background_reads() -> bool:
    """Whether open pages look for other ACS clients' changes with a periodic read: only without Event Grid
    (ACS_EVENTS=eventgrid moves the marker for them)."""
    return settings.ACS_EVENTS == "poll"


def messages_poll(*, actor: Actor, thread_id: str, marker: int, seen: Snapshot, viewer: Access) -> PollResult | None:
    """What changed since `marker` that this viewer may see, or None (the common case: no ACS call).

    The caller checked membership from the cache (`viewer`, made from the snapshot `seen`): someone who left or
    was removed gets their ended state and never a new message; someone who never took part gets a 404.
    """
    background = background_reads()
    if marker == seen.marker and not background:
        return None  # the idle poll: one cache round trip, no query, no ACS call
    shared, scope = _scope(actor, thread_id, seen=seen)

    def changes_since(since: datetime, limit: int):
        page, _ = read_for(
            actor=actor,
            thread_id=thread_id,
            read=lambda reader: reader.acs.messages_page(thread_id, page_size=limit, start_time=since),
        )
        return page.items, bool(page.continuation)

    learned: list[records.Message] = []  # what this request reads, for the caller to hand to services.changes

    def read_done(items: list[records.Message]):
        learned.extend(items)

    def latest():
        current = MARKER.current(thread_id)
        read_at = timezone.now()
        read = _read_page(actor, thread_id)
        learned.extend(read.items)  # a removal by another client among it reaches every surface, as a delta's would
        page = _presented(thread_id, read)
        polling.page_opened(thread_id=thread_id, scope=scope, marker=current, read_at=read_at, messages=page.messages)
        return current, page

    reader = polling.Reader(changes_since=changes_since, latest=latest, read_done=read_done)
    update = polling.poll(thread_id=thread_id, scope=scope, marker=marker, reader=reader, background=background)
    if update is None:
        return PollResult(marker, [], read=tuple(learned), unchanged=True) if learned else None
    read = tuple(learned)
    if update.resync is not None:
        ended = state.viewer_state(thread_id=thread_id, user_pk=actor.user.pk)
        if ended is not None:
            return PollResult(marker, [], ended=ended, read=read)
        return PollResult(update.marker, update.resync.messages, update.resync, read=read)
    since = viewer.history_from if shared else None  # a viewer's own read is what ACS shows them already
    ended, visible = viewers_share(actor=actor, thread_id=thread_id, items=update.messages, since=since)
    if ended is not None:
        return PollResult(marker, [], ended=ended, read=read)
    return PollResult(update.marker, present_for(visible, thread_id=thread_id), read=read)


def viewers_share(
    *, actor: Actor, thread_id: str, items, since: datetime | None
) -> tuple[str | None, list[records.Message]]:
    """What of a change (`items`, as read) the viewer's poll shows, by the one rule (share_for), their part's end
    as the record has it now."""
    ended = state.viewer_state(thread_id=thread_id, user_pk=actor.user.pk)
    return share_for(viewer_id=actor.acs_user_id, items=items, since=since, ended=ended)


def share_for(
    *, viewer_id: str, items, since: datetime | None, ended: str | None
) -> tuple[str | None, list[records.Message]]:
    """The one rule for what of a change (`items`, as read) a viewer gets, for their poll and for the push: nothing
    once their part ended (`ended`, the record's state.LEFT, REMOVED, DELETED, returned first) — a read may itself
    show that they were removed (by another ACS client), before anyone has noted it — else what ACS would show them
    (`since`: their share-history time, for messages read by the service identity)."""
    if ended is None:
        ended = membership_ends(items).get(viewer_id)
    if ended is not None:
        return ended, []
    return None, visible_to(items, viewer=viewer_id, since=since)


def pushed_delta(*, thread_id: str, marker: int) -> tuple[Delta | None, tuple]:
    """The delta that moved a thread the site hosts to `marker`, for the push (chat/push), read now by the service
    identity if no poll has (one read per change, as for polls), with what that read found (the caller hands it to
    services.changes as a poll's view does). None when there is none to lay out: the page polls."""
    learned: list[records.Message] = []

    def changes_since(since: datetime, limit: int):
        with thread_reads():
            page = Actor.service().acs.messages_page(thread_id, page_size=limit, start_time=since)
        return page.items, bool(page.continuation)

    def no_latest():
        raise AssertionError("the push never resyncs: the page polls")

    reader = polling.Reader(changes_since=changes_since, latest=no_latest, read_done=learned.extend)
    delta = polling.delta_at(thread_id=thread_id, scope=thread_id, marker=marker, reader=reader)
    return delta, tuple(learned)


def visible_to(items: list[records.Message], *, viewer: str, since: datetime | None) -> list[records.Message]:
    """What ACS would show a participant (share-history time `since`) of messages read by an identity that sees
    everything: chat/visibility.py decides each (what a moderator hid keeps its place: present_for)."""
    window = (visibility.Window(history_from=since),)
    return [
        m
        for m in items
        if visibility.can_open(
            window,
            _epoch_ms(m),
            adds_viewer=m.type == "participantadded" and any(p.acs_user_id == viewer for p in m.participants),
        )
    ]


def present_for(items: list[records.Message], *, thread_id: str) -> list[Message]:
    """Messages ACS shows the reader, ready for a page: what a moderator hid on the site says so, without its words."""
    return moderated(present(items), hidden_ids(thread_id=thread_id))


def _epoch_ms(message: records.Message) -> int:
    """When ACS created the message, to the millisecond: its id (ACS: an epoch-ms string)."""
    if message.id.isdigit():
        return int(message.id)
    return int(message.created_on.timestamp() * 1000)


def _scope(actor: Actor, thread_id: str, seen: Snapshot | None = None) -> tuple[bool, str]:
    """Where the thread's deltas live: shared by every viewer, or this viewer's own."""
    shared = seen.shared if seen is not None and seen.shared is not None else thread_is_shared(thread_id=thread_id)
    if shared:
        return True, thread_id
    return False, keys.person_scope(thread_id, actor.user.pk)
