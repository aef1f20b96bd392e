"""Messages: the latest page, older pages, one message, and what changed for an open page (the poll)."""

import dataclasses
from datetime import datetime

from django.utils import timezone

from ..actors import Actor
from ..live import polling
from ..live.cache import MARKER
from ..presentation import Message, present
from .paging import sign, thread_reads, unsign

MESSAGES_PER_PAGE = 30


@dataclasses.dataclass
class MessagePage:
    messages: list[Message]  # oldest first
    older: str | None  # signed token for the page before, if any


@dataclasses.dataclass
class PollResult:
    marker: int
    messages: list[Message]  # changed since the page's marker, by sequence number
    resync: MessagePage | None = None  # the latest page, when the page must be redrawn


def message_page(*, actor: Actor, thread_id: str, older: str | None = None) -> MessagePage:
    with thread_reads():
        page = actor.acs.messages_page(
            thread_id, page_size=MESSAGES_PER_PAGE, continuation=unsign(older, scope=thread_id)
        )
    messages = sorted(present(page.items), key=lambda m: m.sequence_id)
    return MessagePage(messages, sign(page.continuation, scope=thread_id))


def message_get(*, actor: Actor, thread_id: str, message_id: str) -> Message:
    with thread_reads():
        item = actor.acs.message_get(thread_id, message_id)
    return present([item])[0]


def thread_page_opened(*, actor: Actor, thread_id: str) -> tuple[int, MessagePage]:
    """The latest page for a page being opened, and the change marker it is current with."""
    marker = MARKER.current(thread_id)
    read_at = timezone.now()
    page = message_page(actor=actor, thread_id=thread_id)
    polling.page_opened(thread_id=thread_id, viewer=actor.user.pk, marker=marker, read_at=read_at)
    return marker, page


def messages_poll(*, actor: Actor, thread_id: str, marker: int) -> PollResult | None:
    """What changed since `marker` for this viewer, or None (the common case, no ACS call)."""

    def changes_since(since: datetime, limit: int):
        with thread_reads():
            page = actor.acs.messages_page(thread_id, page_size=limit, start_time=since)
        return page.items, bool(page.continuation)

    reader = polling.Reader(changes_since=changes_since, latest=lambda: message_page(actor=actor, thread_id=thread_id))
    update = polling.poll(thread_id=thread_id, viewer=actor.user.pk, marker=marker, reader=reader)
    if update is None:
        return None
    if update.resync is not None:
        return PollResult(update.marker, update.resync.messages, update.resync)
    return PollResult(update.marker, present(update.messages))
