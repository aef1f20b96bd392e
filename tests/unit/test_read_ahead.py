"""A site write's change read ahead (live.polling.read_ahead): the read the polls would make, made once, before
they ask, or not at all — never a second read, never a wait, never a chain of reads no page started.

The ACS reads are passed in, as in test_live_polling.py (FakeAcs records each call)."""

import pytest
from django.core.cache import cache

from chatsite.chat.live import keys, polling
from chatsite.chat.live.cache import MARKER
from chatsite.chat.live.keys import Lock

from .test_live_polling import ANA, THREAD, FakeAcs, Msg, open_page, poll

pytestmark = pytest.mark.unit


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


def read_ahead(marker, acs):
    return polling.read_ahead(thread_id=THREAD, scope=ANA, marker=marker, reader=acs.reader())


def test_the_pages_replay_the_read_made_ahead_and_read_nothing_themselves():
    acs = FakeAcs()
    seen = open_page(ANA)
    acs.changes = [Msg("2", 2, "noon?")]
    moved = MARKER.bump(THREAD)

    assert [m.content for m in read_ahead(moved, acs)] == ["noon?"]
    update = poll(ANA, seen, acs)

    assert [m.content for m in update.messages] == ["noon?"]
    assert len(acs.reads) == 1


def test_nothing_is_read_ahead_while_a_poll_holds_the_lock_or_once_it_has_read():
    acs = FakeAcs()
    seen = open_page(ANA)
    moved = MARKER.bump(THREAD)
    cache.add(keys.lock(Lock.POLL, ANA), True, 30)  # a poll is reading it

    assert read_ahead(moved, acs) is None
    cache.delete(keys.lock(Lock.POLL, ANA))
    poll(ANA, seen, acs)  # that poll's read
    assert read_ahead(moved, acs) is None

    assert len(acs.reads) == 1


def test_without_an_open_page_nothing_is_read_ahead_and_no_chain_starts():
    acs = FakeAcs()
    moved = MARKER.bump(THREAD)

    assert read_ahead(moved, acs) is None

    assert acs.reads == []
    assert cache.get(keys.synced(ANA)) is None  # the first page to open starts it, from its own read


def test_a_failed_read_leaves_nothing_behind_and_the_next_poll_reads():
    acs = FakeAcs()
    seen = open_page(ANA)
    moved = MARKER.bump(THREAD)

    def throttled(since, limit):
        raise RuntimeError("ACS: 429")

    with pytest.raises(RuntimeError):
        polling.read_ahead(
            thread_id=THREAD, scope=ANA, marker=moved, reader=polling.Reader(changes_since=throttled, latest=None)
        )
    acs.changes = [Msg("2", 2, "noon?")]

    assert [m.content for m in poll(ANA, seen, acs).messages] == ["noon?"]
    assert len(acs.reads) == 1
