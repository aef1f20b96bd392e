"""Everything live on an open thread page, in one poll: new, edited and deleted messages, who is typing, "seen
by", the participants panel and topic, and the end of one's part (design: README, "Live updates").

The page says what it shows (live.page.PageState): the message marker, and the versions its typing line, "seen by" and
panel come from. When all of them are current, the poll is idle: one cache round trip (live.snapshot), no
query, no ACS call. Otherwise only what moved is looked at again, and the answer hands the page the versions
its next poll sends. Selectors only read: what a poll read from ACS comes back in `LiveUpdate.read` for the view
to hand to services.changes (the membership record, the mirror, the inbox), and what the person read is the
page's POST (services.presence.receipt_send), bounded by newest_shown.
"""

import dataclasses

from django.core.cache import cache

from ..actors import Actor
from ..live import keys, snapshot
from ..live.cache import TYPING
from ..live.page import PageState
from .membership import RECEIPTS_LIMIT, access
from .messages import PollResult, background_reads, messages_poll
from .presence import receipts_listing, receipts_listing_now, seen_text, typing_names


@dataclasses.dataclass(frozen=True)
class Status:
    typing: list[str]
    seen: str  # "Seen by …" for `seen_after`, or ""
    seen_after: str | None
    panel: bool  # the roster version moved: the panel and the topic are drawn again


@dataclasses.dataclass(frozen=True)
class LiveUpdate:
    ended: str | None = None  # state.LEFT, REMOVED, DELETED: nothing else is sent
    messages: PollResult | None = None
    status: Status | None = None
    next: PageState | None = None  # what the page shows after this answer (its messages: the caller's to move)
    read: tuple = ()  # what this poll read from ACS (records.Message): the caller hands it to services.changes

    @property
    def idle(self) -> bool:
        return self.ended is None and self.messages is None and self.status is None


def thread_live(*, actor: Actor, thread_id: str, page: PageState) -> LiveUpdate | None:
    """What changed on the page since its last poll, or None when nothing did (the common case)."""
    seen = snapshot.read(thread_id=thread_id, user_pk=actor.user.pk)
    viewer = access(actor=actor, thread_id=thread_id, seen=seen)
    if viewer.ended is not None:
        return LiveUpdate(ended=viewer.ended)
    supported = len(viewer.read.members) <= RECEIPTS_LIMIT
    status_idle = (
        page.roster == str(seen.roster_version)
        and page.typing == str(seen.typing_version)
        and (
            not page.own
            or page.own == page.seen_for
            and page.receipts
            == receipts_listing(receipts_version=seen.receipts_version, receipts=seen.receipts, supported=supported)
        )
    )
    messages_idle = page.marker == seen.marker and not background_reads()
    if status_idle and messages_idle:
        return None  # the idle poll: one cache round trip, no query, no ACS call

    update = (
        None
        if messages_idle
        else messages_poll(actor=actor, thread_id=thread_id, marker=page.marker, seen=seen, viewer=viewer)
    )
    read = update.read if update is not None else ()
    if update is not None and update.ended is not None:
        return LiveUpdate(ended=update.ended, read=read)
    if update is not None and update.unchanged:
        update = None
    status, following = None, page
    if not status_idle:
        status, following = _status(actor, thread_id, page, viewer, supported)
    if update is None and status is None:
        return LiveUpdate(read=read) if read else None
    return LiveUpdate(messages=update, status=status, next=following, read=read)


def newest_shown(*, thread_id: str, user_pk: int) -> int | None:
    """The newest message id the site showed this person in this thread (services.presence.messages_shown), or
    None when it remembers none: how far their page may mark the thread read."""
    return cache.get(keys.shown(thread_id, user_pk))


def _status(actor, thread_id, page: PageState, viewer, supported) -> tuple[Status, PageState]:
    """Typing, "seen by" and whether the panel is drawn again, and the page with the versions they come from."""
    roster = viewer.roster
    typing_version = TYPING.current(thread_id)  # before the names: a change in between is seen next time
    names = typing_names(actor=actor, thread_id=thread_id)
    following = dataclasses.replace(page, typing="" if names else str(typing_version))
    seen = ""
    if page.own:
        seen = seen_text(actor=actor, thread_id=thread_id, message_id=page.own, roster=roster)
        receipts = receipts_listing_now(thread_id=thread_id, supported=supported) or ""
        following = dataclasses.replace(following, seen_for=page.own, receipts=receipts)
    panel = page.roster != str(roster.version)
    following = dataclasses.replace(following, roster=str(roster.version))
    return Status(names, seen, page.own, panel), following
