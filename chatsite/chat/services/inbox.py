"""The inbox: each thread's last message and each person's unread count, and the per-person change marker
(live.cache.INBOX) their thread list polls.

Three sources tell of a message: the site's own send, ACS's events (services/events.py) and the deltas open pages
read (selectors/messages.py). Each may tell of the same message, in any order: a message is counted once per
person (a cache key per message and person), and the last message only moves to a newer id or a newer version
of the same one. Nothing here calls ACS.
"""

import time
from datetime import UTC, datetime

from django.core.cache import cache
from django.db.models import F, Q

from ..live import keys
from ..live.cache import INBOX
from ..models import InboxEntry, Thread
from ..presentation import preview_text
from ..selectors.accounts import display_name, people_by_acs_id

CHAT_TYPES = {"text", "html", "richtext/html"}

# Event Grid retries a delivery for up to 24 hours: a message told twice within that is counted once.
COUNTED_TTL = 2 * 24 * 3600
# The unread messages remembered per person and thread, so that reading up to one of them keeps later ones unread.
REMEMBERED = 100


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
    """One more unread message for each of `user_pks` (never its sender), unless already counted or read past;
    returns whom it counted for."""
    order = _number(message_id)
    if order is None:
        return []
    counted = []
    for user_pk in user_pks:
        if not cache.add(keys.unread(thread.acs_thread_id, message_id, user_pk), True, COUNTED_TTL):
            continue  # told before, by another source
        entry, _ = InboxEntry.objects.get_or_create(thread=thread, user_id=user_pk)
        if InboxEntry.objects.filter(pk=entry.pk, last_read_message_id__lt=order).update(
            unread_count=F("unread_count") + 1
        ):
            remembered = keys.unread_ids(thread.acs_thread_id, user_pk)
            cache.set(remembered, [*(cache.get(remembered) or [])[-REMEMBERED + 1 :], order], COUNTED_TTL)
            counted.append(user_pk)
    return counted


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
    remembered = keys.unread_ids(thread_id, user_pk)
    later = [n for n in cache.get(remembered) or [] if n > order]
    changed = InboxEntry.objects.filter(pk=entry.pk, last_read_message_id__lt=order).update(
        last_read_message_id=order, unread_count=len(later)
    )
    cache.set(remembered, later, COUNTED_TTL)
    cache.set(seen, order, COUNTED_TTL)
    if changed and entry.unread_count != len(later):
        INBOX.bump(user_pk)


def deltas_seen(*, thread_id: str, items) -> None:
    """Messages an open page's poll read from ACS (records.Message): without Event Grid, the only way the site
    hears of other ACS clients' messages; with it, a repeat that changes nothing."""
    thread = _hosted(thread_id).first()
    chat = [m for m in items if m.type in CHAT_TYPES]
    if thread is None or not chat:
        return
    people = set(thread.participants.values_list("pk", flat=True))
    senders = people_by_acs_id(m.sender_id for m in chat)
    newest = max(chat, key=lambda m: m.sequence_id)
    moment = newest.deleted_on or newest.edited_on or newest.created_on
    sender = senders.get(newest.sender_id)
    changed = last_message_set(
        thread_id=thread_id,
        message_id=newest.id,
        version=int(moment.timestamp() * 1000),
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
    if changed:
        people_changed(user_pks=people)


def thread_changed(*, thread_id: str, also=()) -> None:
    """Every person of the thread (and `also`, user pks the mirror may not list any more) sees it on their list's
    next poll."""
    people = set(Thread.participants.through.objects.filter(thread__acs_thread_id=thread_id).values_list(
        "user_id", flat=True
    ))
    people_changed(user_pks=people | {pk for pk in also if pk is not None})


def people_changed(*, user_pks) -> None:
    for user_pk in user_pks:
        INBOX.bump(user_pk)


def _hosted(thread_id: str):
    return Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None)


def _number(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None
