"""The inbox: each thread's last message and each person's unread count, and the per-person change marker
(live.cache.INBOX) their thread list polls.

Three sources tell of a message: the site's own send, ACS's events (services/events.py) and the deltas open pages
read (services.changes). Each may tell of the same message, in any order: a message is counted once per person
(an UnreadMessage row), only for people who may open it (chat/visibility.py over the membership record), and the
last message only moves to a newer id or a newer version of the same one. Nothing here calls ACS.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import Count, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from .. import visibility
from ..live import keys
from ..live.cache import INBOX
from ..models import InboxEntry, Thread, UnreadMessage
from ..presentation import preview_text
from ..selectors.accounts import display_name, people_by_acs_id

CHAT_TYPES = {"text", "html", "richtext/html"}

# How long the "read up to" shortcut is kept (a lost one costs a query, nothing else).
COUNTED_TTL = 2 * 24 * 3600


def now_version() -> int:
    """A version (epoch ms) for a change the site made itself, comparable with ACS's."""
    return time.time_ns() // 1_000_000


def last_message_set(
    *, thread_id: str, message_id: str, version: int | None, preview: str, sender_name: str, sender_id: str
) -> bool:
    """Show the newest message, in its newest version: a message newer than the one shown replaces it, a newer
    version of the one shown updates it. True when the row changed."""
    order = _number(message_id)
    if order is None:
        return False
    version = version or order
    newer = Q(last_message_id__lt=order) | Q(last_message_id=None)
    newer_version = Q(last_message_id=order) & (Q(last_message_version__lt=version) | Q(last_message_version=None))
    return bool(
        _hosted(thread_id)
        .filter(newer | newer_version)
        .update(
            last_message_id=order,
            last_message_version=version,
            last_message_preview=preview[: Thread._meta.get_field("last_message_preview").max_length],
            last_message_sender_name=sender_name[:256],
            last_message_sender_id=(sender_id or "")[:255],
        )
    )


def message_arrived(*, thread: Thread, message_id: str, user_pks) -> list[int]:
    """One more unread message for each of `user_pks` who may open it (chat/visibility.py; never its sender),
    unless already counted (an UnreadMessage row per message and person) or read past; returns whom it counted
    for. A few queries whatever the number of people: a thread of 250 costs its sender no more than one of 2."""
    order = _number(message_id)
    if order is None:
        return []
    people = openers(thread_id=thread.acs_thread_id, message_ms=order, user_pks=user_pks)
    if not people:
        return []
    read_up_to = dict(
        InboxEntry.objects.filter(thread=thread, user_id__in=people).values_list("user_id", "last_read_message_id")
    )
    if missing := [pk for pk in people if pk not in read_up_to]:
        # Only the first message makes entries: building 250 rows a send to have them ignored cost more than the send.
        InboxEntry.objects.bulk_create([InboxEntry(thread=thread, user_id=pk) for pk in missing], ignore_conflicts=True)
        read_up_to |= dict(
            InboxEntry.objects.filter(thread=thread, user_id__in=missing).values_list("user_id", "last_read_message_id")
        )
    waiting = {pk for pk, last_read in read_up_to.items() if last_read < order}
    counted = set(
        UnreadMessage.objects.filter(thread=thread, message_id=order, user_id__in=waiting).values_list(
            "user_id", flat=True
        )
    )
    new = sorted(waiting - counted)  # told before, by another source: counted once
    if not new:
        return []
    UnreadMessage.objects.bulk_create(
        [UnreadMessage(thread=thread, user_id=pk, message_id=order) for pk in new], ignore_conflicts=True
    )
    _recount_many(thread, new)
    return new


def _recount_many(thread: Thread, user_pks) -> None:
    """Each person's unread count is the number of their rows (two sources racing count a message once)."""
    rows = (
        UnreadMessage.objects.filter(thread_id=OuterRef("thread_id"), user_id=OuterRef("user_id"))
        .order_by()
        .values("user_id")
        .annotate(count=Count("pk"))
        .values("count")
    )
    InboxEntry.objects.filter(thread=thread, user_id__in=list(user_pks)).update(
        unread_count=Coalesce(Subquery(rows), 0)
    )


def openers(*, thread_id: str, message_ms: int, user_pks) -> list[int]:
    """Those of `user_pks` who could open the message: their recorded windows say so (people the record has never
    seen in a thread from before it are taken as the mirror lists them: the caller's `user_pks`)."""
    from ..selectors.record import hidden_ids, windows_by_person

    user_pks = [pk for pk in user_pks if pk is not None]
    if message_ms in hidden_ids(thread_id=thread_id):
        return []
    windows = windows_by_person(thread_id=thread_id, user_pks=user_pks)
    return [pk for pk in user_pks if pk not in windows or visibility.counts_unread(windows[pk], message_ms)]


def thread_read(*, user_pk: int, thread_id: str, message_id: str) -> None:
    """The person saw the thread up to `message_id`: what is older is read, later messages stay unread."""
    order = _number(message_id)
    seen = keys.inbox_read(thread_id, user_pk)
    if order is None or cache.get(seen) == order:
        return  # the page asks again when its newest message changes: an unchanged answer costs no query
    thread = _hosted(thread_id).first()
    if thread is None:
        cache.set(seen, order, COUNTED_TTL)  # a thread the site does not host has no inbox entry to keep
        return
    entry, _ = InboxEntry.objects.get_or_create(thread=thread, user_id=user_pk)
    if InboxEntry.objects.filter(pk=entry.pk, last_read_message_id__lt=order).update(last_read_message_id=order):
        UnreadMessage.objects.filter(thread=thread, user_id=user_pk, message_id__lte=order).delete()
        if _recount(entry) != entry.unread_count:
            INBOX.bump(user_pk)
    cache.set(seen, order, COUNTED_TTL)


def unread_check(*, thread_id: str, user_pk: int) -> None:
    """The person's part changed (ended, began again with another share-history time): what was counted unread
    for them and is not theirs to open any more no longer counts."""
    from ..selectors.record import hidden_ids, windows

    entry = InboxEntry.objects.filter(thread__acs_thread_id=thread_id, user_id=user_pk).first()
    if entry is None:
        return
    mine, hidden = windows(thread_id=thread_id, user_pk=user_pk), hidden_ids(thread_id=thread_id)
    counted = UnreadMessage.objects.filter(thread_id=entry.thread_id, user_id=user_pk)
    gone = [
        n for n in counted.values_list("message_id", flat=True) if not visibility.counts(mine, n, hidden=n in hidden)
    ]
    if gone:
        counted.filter(message_id__in=gone).delete()
        _recount(entry)
        INBOX.bump(user_pk)


def message_hidden(*, thread_id: str, message_id: int) -> None:
    """A moderator hid the message: it is nobody's unread message or preview any more."""
    message_gone(thread_id=thread_id, message_id=message_id)
    thread_changed(thread_id=thread_id)


def message_gone(*, thread_id: str, message_id: int) -> None:
    """The message was deleted or hidden: nobody has it to read any more, so it is nobody's unread message. Moves
    the lists of those who had it unread (and nobody else's: a delta that sees the deletion again changes nothing)."""
    rows = UnreadMessage.objects.filter(thread__acs_thread_id=thread_id, message_id=message_id)
    people = set(rows.values_list("user_id", flat=True))
    if not people:
        return
    rows.delete()
    for entry in InboxEntry.objects.filter(thread__acs_thread_id=thread_id, user_id__in=people):
        _recount(entry)
    people_changed(user_pks=people)


def _recount(entry: InboxEntry) -> int:
    count = UnreadMessage.objects.filter(thread_id=entry.thread_id, user_id=entry.user_id).count()
    InboxEntry.objects.filter(pk=entry.pk).update(unread_count=count)
    return count


def deltas_seen(*, thread_id: str, items) -> None:
    """Messages an open page's poll read from ACS (records.Message): without Event Grid, the only way the site
    hears of other ACS clients' messages; with it, a repeat that changes nothing."""
    thread = _hosted(thread_id).first()
    chat = [m for m in items if m.type in CHAT_TYPES]
    if thread is None or not chat:
        return
    people = _people(thread)
    senders = people_by_acs_id(m.sender_id for m in chat)
    newest = max(chat, key=lambda m: m.sequence_id)
    moment = newest.deleted_on or newest.edited_on or newest.created_on
    sender = senders.get(newest.sender_id)
    changed = last_message_set(
        thread_id=thread_id,
        message_id=newest.id,
        version=_read_version(newest, moment),
        preview="" if newest.deleted_on else preview_text(newest.content, newest.type),
        sender_name=display_name(sender) if sender else newest.sender_display_name,
        sender_id=newest.sender_id or "",
    )
    # The list orders chats by last activity, which only ever moves forward. ACS lists times to the second; a
    # message id is its creation time in epoch ms.
    created = datetime.fromtimestamp(int(newest.id) / 1000, UTC) if newest.id.isdigit() else newest.created_on
    active = max(t for t in (created, newest.edited_on, newest.deleted_on) if t is not None)
    _hosted(thread_id).filter(Q(last_activity_at__lt=active) | Q(last_activity_at=None)).update(last_activity_at=active)
    for message in chat:
        if message.deleted_on is None:
            others = people - {getattr(senders.get(message.sender_id), "pk", None)}
            changed |= bool(message_arrived(thread=thread, message_id=message.id, user_pks=others))
        elif message.id.isdigit():
            message_gone(thread_id=thread_id, message_id=int(message.id))
    if changed:
        people_changed(user_pks=people)


def _read_version(message, moment) -> int:
    """The version a read gives the shown message. ACS gives edit and delete times to the second, and a read shows
    the message as it is now: an edit or deletion outranks what the site wrote itself within that second (a send at
    .700, another client's edit at .900). A message as first sent keeps its creation to the millisecond (its id), so a
    read that began before the site deleted it never brings it back."""
    if message.edited_on or message.deleted_on:
        return int(moment.timestamp()) * 1000 + 999
    return int(message.id) if message.id.isdigit() else int(moment.timestamp() * 1000)


def thread_changed(*, thread_id: str, also=()) -> None:
    """Every person of the thread (and `also`, user pks the mirror may not list any more) sees it on their list's
    next poll."""
    people = set(
        Thread.participants.through.objects.filter(thread__acs_thread_id=thread_id).values_list("user_id", flat=True)
    )
    people_changed(user_pks=people | {pk for pk in also if pk is not None})


def people_changed(*, user_pks) -> None:
    INBOX.bump_many(user_pks)


def _people(thread: Thread) -> set[int]:
    """Everyone who may have a part in the thread: the mirror's participants and everyone the record knows."""
    from ..models import Membership

    mirror = set(thread.participants.values_list("pk", flat=True))
    return mirror | set(Membership.objects.filter(thread_id=thread.acs_thread_id).values_list("user_id", flat=True))


def _hosted(thread_id: str):
    return Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None)


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


LISTED_TTL = 24 * 3600


def listing_remember(*, user_pk: int, listed) -> None:
    """What ACS's list of the person's threads said (keys.InboxListed), for their list's poll: it serves the
    threads the site does not host from it without asking ACS again."""
    if listed is not None:
        cache.set(keys.inbox_listed(user_pk), listed, LISTED_TTL)
