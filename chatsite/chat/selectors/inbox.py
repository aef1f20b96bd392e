"""A person's thread list: rows from the site's mirror (Thread, InboxEntry) for the threads it hosts, merged with
ACS's own list for the threads it does not; where the "New messages" divider goes; one-to-one chats.

Only the full page asks ACS (its list, paged); the list's poll serves the mirror and what that page read, which
is cached per person, so a change costs no ACS read (README, "The thread list").
"""

import dataclasses
from datetime import UTC, datetime

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models import OuterRef, Prefetch, Q, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from chatsite.acs.models import AcsIdentity

from .. import visibility
from ..actors import Actor
from ..live import keys
from ..live.cache import INBOX
from ..live.keys import InboxListed, ListedThread
from ..live.page import ListState
from ..models import InboxEntry, Thread, UnreadMessage
from ..presentation import Message
from ..timeline import when_label
from .accounts import display_name
from .record import hidden_pairs, windows_by_thread
from .threads import ThreadInfo, thread_list, thread_mirror_info

_NEVER = datetime.min.replace(tzinfo=UTC)


@dataclasses.dataclass
class InboxRow:
    id: str
    name: str
    at: datetime | None = None
    preview: str = ""
    sender: str = ""  # who sent the previewed message, as the list names them
    own: bool = False  # the viewer sent it
    unread: int = 0
    note: str = ""  # what happened, said in place of a preview (a hidden or deleted message, the viewer's part ended)

    @property
    def when(self) -> str:
        return when_label(self.at)


@dataclasses.dataclass
class Inbox:
    rows: list[InboxRow]
    version: int  # the person's INBOX marker the rows are current with
    next_page: str | None  # signed continuation of ACS's list
    listed: InboxListed | None = None  # what ACS's list said, for services.inbox.listing_remember (the list poll's)

    @property
    def unread(self) -> int:
        return sum(row.unread for row in self.rows)

    @property
    def poll(self) -> ListState:
        """What the list's poller says it shows."""
        return ListState(version=str(self.version))


def inbox_page(*, actor: Actor) -> Inbox:
    """The list as the page opens it: ACS's first page (one ACS call) and the mirror."""
    version = INBOX.current(actor.user.pk)
    listed, next_page = thread_list(actor=actor)
    hosted = _hosted_ids(listed)
    remembered = InboxListed(
        listed=tuple(t.id for t in listed),
        foreign=tuple(ListedThread(t.id, t.topic, t.last_message_at) for t in listed if t.id not in hosted),
        next=next_page,
    )
    return Inbox(_rows(actor.user, remembered), version, next_page, listed=remembered)


def inbox_more(*, actor: Actor, page: str) -> Inbox:
    """ACS's next page: only the threads the site does not host (the hosted ones are all on the list already)."""
    listed, next_page = thread_list(actor=actor, page=page)
    hosted = _hosted_ids(listed)
    foreign = tuple(ListedThread(t.id, t.topic, t.last_message_at) for t in listed if t.id not in hosted)
    remembered = cache.get(keys.inbox_listed(actor.user.pk))
    if remembered is not None:
        remembered = InboxListed(
            listed=(*remembered.listed, *(t.id for t in listed)),
            foreign=(*remembered.foreign, *foreign),
            next=next_page,
        )
    return Inbox(_foreign_rows(foreign), INBOX.current(actor.user.pk), next_page, listed=remembered)


def inbox_poll(*, user, version: str | None) -> Inbox | None:
    """The list again when anything of the person's changed since `version`, else None: one cache read, no query
    and no ACS call."""
    current = INBOX.current(user.pk)
    if version == str(current):
        return None
    remembered = cache.get(keys.inbox_listed(user.pk)) or InboxListed(listed=(), foreign=(), next=None)
    return Inbox(_rows(user, remembered), current, remembered.next)


def _hosted_ids(listed) -> set[str]:
    return set(Thread.objects.filter(acs_thread_id__in=[t.id for t in listed]).values_list("acs_thread_id", flat=True))


def _rows(user, remembered: InboxListed) -> list[InboxRow]:
    unread = InboxEntry.objects.filter(thread=OuterRef("pk"), user=user).values("unread_count")[:1]
    threads = (
        Thread.objects.filter(deleted_at=None)
        .filter(Q(participants=user) | Q(acs_thread_id__in=remembered.listed))
        .distinct()
        .annotate(unread=Coalesce(Subquery(unread), 0))
        .prefetch_related(
            Prefetch("participants", queryset=get_user_model().objects.select_related("profile"), to_attr="people")
        )
    )
    me = AcsIdentity.objects.filter(user=user).values_list("acs_user_id", flat=True).first()
    threads = list(threads)
    ids = [t.acs_thread_id for t in threads]
    windows, hidden = windows_by_thread(user_pk=user.pk, thread_ids=ids), hidden_pairs(thread_ids=ids)
    rows = [_row(thread, user, me, windows.get(thread.acs_thread_id), hidden) for thread in threads]
    rows += _foreign_rows(remembered.foreign)
    rows.sort(key=lambda row: row.at or _NEVER, reverse=True)
    return rows


def _foreign_rows(foreign) -> list[InboxRow]:
    """Threads the site does not host, as ACS's list names them (no preview, no unread count: the site has none)."""
    return [InboxRow(t.id, t.topic, t.at) for t in foreign]


def _row(thread: Thread, user, me: str | None, windows, hidden) -> InboxRow:
    """One thread as the list shows it to this person: its last message (the preview a desktop notification says)
    only if they could open it (chat/visibility.py), and the unread messages they could open (services.inbox
    counts only those)."""
    name = thread_name(thread, user, people=thread.people)
    if windows is None:
        # Nothing recorded (a thread from before the record): the mirror's participants, as ACS last listed them.
        windows = (visibility.Window(),) if user in thread.people else visibility.NEVER
    last = thread.last_message_id
    current = visibility.current(windows)
    # No message yet: when it began is all there is.
    shown = current is not None and current.is_open if last is None else visibility.counts(windows, last)
    if not shown:
        # Its last message is from before their share-history time or after their part ended (their history stays
        # readable): not theirs to see, nor when it was sent. Said instead: how their part ended, if it did.
        return InboxRow(id=thread.acs_thread_id, name=name, unread=thread.unread, note=_ended_note(windows))
    row = InboxRow(id=thread.acs_thread_id, name=name, at=thread.last_activity_at, unread=thread.unread)
    if visibility.ended(windows):
        row.note = _ended_note(windows)  # what happened to them matters more than the last words they saw
    elif last is not None and (thread.acs_thread_id, last) in hidden:
        row.note = _("Removed by a moderator")
    elif last is not None and not thread.last_message_preview:
        # ACS keeps a deleted message without its content. Said as such, as chat apps do, rather than the message
        # before it: that one would need an ACS read per row, and the row's time is the deleted message's.
        row.note = _("Message deleted")
    else:
        row.preview, row.sender = thread.last_message_preview, thread.last_message_sender_name
        row.own = bool(me) and thread.last_message_sender_id == me
    return row


def _ended_note(windows) -> str:
    return {
        "left": _("You left this chat"),
        "removed": _("You were removed from this chat"),
    }.get(visibility.ended(windows) or "", "")


def thread_name(thread: Thread, user, *, people=None) -> str:
    """A one-to-one chat is named after the other person; any other chat by its topic."""
    if thread.direct:
        others = [p for p in (thread.participants.select_related("profile") if people is None else people) if p != user]
        if len(others) == 1:
            return display_name(others[0])
    return thread.topic


def thread_title(*, user, thread_id: str, topic: str) -> str:
    """The thread page's heading: the other person's name in a one-to-one chat, else ACS's topic."""
    thread = Thread.objects.filter(acs_thread_id=thread_id, direct=True, deleted_at=None).first()
    return thread_name(thread, user) if thread is not None else topic


def thread_header(*, user, thread_id: str) -> ThreadInfo:
    """The header as the site last saw it (no ACS call), named for this person."""
    info = thread_mirror_info(thread_id=thread_id)
    return ThreadInfo(thread_id, thread_title(user=user, thread_id=thread_id, topic=info.topic))


def direct_thread_with(*, user, other) -> Thread | None:
    """The one-to-one chat these two already have, if any."""
    return (
        Thread.objects.filter(direct=True, deleted_at=None, participants=user)
        .filter(participants=other)
        .order_by("-created_at")
        .first()
    )


@dataclasses.dataclass(frozen=True)
class Unread:
    """What a person has not read of a thread as its page opens: how many messages, the true first one (which may
    be older than the messages loaded) and, when it is among them, the message the "New messages" divider goes
    above. Nothing unread: count 0 and no ids."""

    count: int = 0
    first_id: str | None = None  # the oldest unread message, loaded or not
    divider_id: str | None = None  # the loaded message the divider goes above; None while the first is not loaded

    @property
    def beyond(self) -> bool:
        """Unread messages older than those loaded: the page says how many and offers to jump to the first."""
        return self.first_id is not None and self.divider_id is None


def unread_on_open(*, user, thread_id: str, messages: list[Message], viewer_id: str, more: bool) -> Unread:
    """Where the person stopped reading, from the site's own record (no ACS call): the oldest of their unread
    messages (UnreadMessage rows, written by services.inbox only for messages they may open), and whether it is
    among `messages` (the page's, oldest first; `more`: older pages exist)."""
    entry = (
        InboxEntry.objects.filter(thread__acs_thread_id=thread_id, user=user, unread_count__gt=0)
        .values_list("unread_count", "last_read_message_id")
        .first()
    )
    if entry is None:
        return Unread()
    count, last_read = entry
    first = (
        UnreadMessage.objects.filter(thread__acs_thread_id=thread_id, user=user)
        .order_by("message_id")
        .values_list("message_id", flat=True)
        .first()
    )
    return unread_placed(
        count=count, first=first, last_read=last_read, messages=messages, viewer_id=viewer_id, more=more
    )


def unread_placed(
    *, count: int, first: int | None, last_read: int, messages: list[Message], viewer_id: str, more: bool
) -> Unread:
    """Pure: the divider goes above the first message from someone else at or after the first unread (or, with no
    unread row to go by, after the last read); the first unread is not loaded when it is older than every message
    on the page and older pages exist."""
    ids = [int(m.id) for m in messages if m.id.isdigit()]
    if first is not None and more and (not ids or first < min(ids)):
        return Unread(count=count, first_id=str(first))
    for message in messages:
        if message.is_system or message.sender_id == viewer_id or not message.id.isdigit():
            continue
        if (first is not None and int(message.id) >= first) or (first is None and int(message.id) > last_read):
            return Unread(count=count, first_id=str(first or message.id), divider_id=message.id)
    return Unread(count=count)  # counted, but not on any page it could load (a message deleted since): no divider
