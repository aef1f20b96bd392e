"""Read receipts ("Seen by …") and typing, as an open page shows them.

The thread's receipts are listed once per change (a receipt sent through the site bumps live.cache.RECEIPTS)
and at most once per LIST_EVERY, however many people watch (ACS allows 5 listings per 10 s); receipts from
other ACS clients show after REFRESH_AFTER.
"""

import time

from django.core.cache import cache
from django.utils.translation import gettext as _

from chatsite.acs.errors import AcsError

from ..actors import Actor
from ..live import keys, typing
from ..live.cache import RECEIPTS, gate
from ..live.keys import Gate, ReceiptsListing
from .membership import Roster

LIST_EVERY = 2.5  # per thread, so per person too: at most 4 per 10 s, inside ACS's 5
REFRESH_AFTER = 30


def seen_by(*, actor: Actor, thread_id: str, message_id: str, roster: Roster) -> list[str] | None:
    """Who, besides the actor, read `message_id` or a later message; None when ACS cannot say."""
    if not roster.receipts_supported:
        return None
    read = _latest_read(actor, thread_id)
    if read is None:
        return None
    me = actor.acs_user_id
    return [p.name for p in roster.people if p.acs_user_id != me and read.get(p.acs_user_id, 0) >= int(message_id)]


def seen_text(*, actor: Actor, thread_id: str, message_id: str, roster: Roster) -> str:
    """ "Seen by Ana, Bruno", "Seen by everyone", or nothing (nobody yet, or more than 20 participants)."""
    names = seen_by(actor=actor, thread_id=thread_id, message_id=message_id, roster=roster)
    if not names:
        return ""
    if len(names) == len(roster.people) - 1:
        return _("Seen by everyone")
    return _("Seen by %(names)s") % {"names": ", ".join(names)}


def receipts_listing(*, receipts_version: int | None, receipts: ReceiptsListing | None, supported: bool) -> str | None:
    """Which receipts listing a page's "seen by" comes from, as its next poll sends it back: the same answer
    means nothing to look at again. None while the listing is not current (a receipt was sent since, or it is
    older than REFRESH_AFTER): the page looks again on every poll, listings stay gated by LIST_EVERY."""
    if not supported:
        return "-"
    if receipts is None or receipts.version != receipts_version or time.time() - receipts.at >= REFRESH_AFTER:
        return None
    return f"{receipts.version}.{int(receipts.at * 1000)}"


def receipts_listing_now(*, thread_id: str, supported: bool) -> str | None:
    """receipts_listing as the cache has it now (after this poll's own listing, if it made one)."""
    return receipts_listing(
        receipts_version=RECEIPTS.current(thread_id),
        receipts=cache.get(keys.receipts(thread_id)),
        supported=supported,
    )


def typing_names(*, actor: Actor, thread_id: str) -> list[str]:
    """Who else is typing now (cache only)."""
    return typing.typing_names(thread_id=thread_id, except_pk=actor.user.pk)


def _latest_read(actor: Actor, thread_id: str) -> dict[str, int] | None:
    version = RECEIPTS.current(thread_id)
    cached = cache.get(keys.receipts(thread_id))
    fresh = cached is not None and cached.version == version and time.time() - cached.at < REFRESH_AFTER
    if fresh or not gate(Gate.RECEIPTS_LIST, thread_id, seconds=LIST_EVERY):
        return cached and cached.read
    try:
        items = actor.acs.read_receipts_list(thread_id)
    except AcsError:
        return cached and cached.read
    read = {}
    for item in items:
        read[item.acs_user_id] = max(read.get(item.acs_user_id, 0), int(item.message_id))
    cache.set(keys.receipts(thread_id), ReceiptsListing(version=version, at=time.time(), read=read), timeout=None)
    return read
