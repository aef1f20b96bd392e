"""The one ACS read of a change the site made itself, started as soon as the write has answered.

A send, an edit or a delete moves the thread's marker and publishes a hint: every open page's stream, and the
writer's own poll, then needs the change's delta. Without this, the first of them to ask made the read while the
others waited on the thread's lock; here the writer's request makes it after its answer has gone
(services/later.py), usually before any page asks, so they find it cached. Still one read per change: it is the
read the polls and streams make (live/polling.read_ahead, under their lock), never made when one of them is
making it.
"""

import logging

from chatsite.acs.errors import AcsError

from ..actors import Actor
from ..live import polling
from ..live.cache import MARKER
from ..selectors.paging import thread_reads
from ..selectors.threads import thread_is_shared
from .changes import POLL, changes_apply
from .later import after_answer

logger = logging.getLogger(__name__)


def change_made(*, thread_id: str, read_ahead: bool) -> None:
    """Move the thread's marker after the site's own write to ACS (its hint wakes the open pages) and, with
    `read_ahead` (the write came from a page with script, views/messages.py), read the change as the answer goes.
    Called before the write's other after-answer work: the pages wait for the read, nobody waits for that."""
    marker = MARKER.bump(thread_id)
    if read_ahead:
        after_answer(lambda: change_read_ahead(thread_id=thread_id, marker=marker))


def change_read_ahead(*, thread_id: str, marker: int) -> None:
    """Read the delta that moved a thread the site hosts to `marker` (the caller's own write) as the service
    identity, as a page's stream would, and hand what it found to the change pipeline, as a poll's read is.
    A thread each viewer reads for themself is left to them (their reads are theirs alone). A failed read (ACS
    throttles, errors) leaves nothing behind: the pages read the change themselves, as they would without this."""
    if not thread_is_shared(thread_id=thread_id):
        return

    def changes_since(since, limit):
        with thread_reads():
            page = Actor.service().acs.messages_page(thread_id, page_size=limit, start_time=since)
        return page.items, bool(page.continuation)

    reader = polling.Reader(changes_since=changes_since, latest=_no_latest)
    try:
        read = polling.read_ahead(thread_id=thread_id, scope=thread_id, marker=marker, reader=reader)
    except AcsError:
        logger.warning("reading a site write's change ahead failed: the pages read it themselves", exc_info=True)
        return
    if read:
        changes_apply(thread_id=thread_id, messages=read, source=POLL)


def _no_latest():
    raise AssertionError("a read ahead continues the chain of reads, never reloads the latest page")
