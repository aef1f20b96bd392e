"""The poll's cache side (live.polling): what is read from ACS, once, and what every viewer is served.

The ACS reads are passed in (polling.Reader); here they are plain functions that record each call.
"""

import dataclasses
from datetime import timedelta

import pytest
from django.utils import timezone

from chatsite.chat.live import polling
from chatsite.chat.live.cache import MARKER, run_locked

pytestmark = pytest.mark.unit

THREAD = "19:lunch@thread.v2"
# Viewers of a thread the site's service identity reads share its scope; elsewhere each viewer has their own.
ANA = BRUNO = THREAD


@dataclasses.dataclass(frozen=True)
class Msg:
    id: str
    sequence_id: int
    content: str = ""


@dataclasses.dataclass
class LatestPage:
    messages: list


class FakeAcs:
    """Stands in for the caller's ACS reads: answers what the test queued and counts the calls."""

    def __init__(self):
        self.changes: list = []
        self.more = False
        self.reads: list = []
        self.latest_page = LatestPage([Msg("1", 1, "hello")])

    def reader(self) -> polling.Reader:
        return polling.Reader(changes_since=self._changes_since, latest=self._latest)

    def _changes_since(self, since, limit):
        self.reads.append(("changes", since, limit))
        return list(self.changes), self.more

    def _latest(self):
        self.reads.append(("latest",))
        return MARKER.current(THREAD), self.latest_page


@pytest.fixture
def acs():
    return FakeAcs()


def open_page(scope, *, ago=timedelta(0), read_at=None) -> int:
    marker = MARKER.current(THREAD)
    read_at = read_at or timezone.now() - ago
    polling.page_opened(scope=scope, marker=marker, read_at=read_at)
    return marker


def poll(scope, marker, acs):
    return polling.poll(thread_id=THREAD, scope=scope, marker=marker, reader=acs.reader())


def test_an_idle_poll_reads_nothing(acs):
    marker = open_page(ANA)

    assert [poll(ANA, marker, acs) for _ in range(3)] == [None, None, None]
    assert acs.reads == []


def test_a_change_is_read_once_and_served_to_every_viewer(acs):
    opened = timezone.now()
    marker = open_page(ANA, read_at=opened)
    open_page(BRUNO)
    acs.changes = [Msg("2", 2, "Anyone hungry?")]
    changed = MARKER.bump(THREAD)  # a write through the site

    for_ana = poll(ANA, marker, acs)
    for_bruno = poll(BRUNO, marker, acs)

    assert for_ana == for_bruno == polling.Update(changed, [Msg("2", 2, "Anyone hungry?")])
    # One read, from a little before the first page's read (ACS times have second precision).
    assert acs.reads == [("changes", opened - polling.OVERLAP, polling.DELTA_LIMIT)]
    assert poll(ANA, changed, acs) is None  # up to date again, for free


def test_a_viewer_several_changes_behind_gets_the_newest_version_of_each(acs):
    old = open_page(ANA)
    open_page(BRUNO)
    acs.changes = [Msg("2", 2, "typo")]
    first = MARKER.bump(THREAD)
    poll(ANA, old, acs)
    acs.changes = [Msg("2", 2, "fixed"), Msg("3", 3, "and more")]
    second = MARKER.bump(THREAD)
    poll(ANA, first, acs)
    acs.reads.clear()

    update = poll(BRUNO, old, acs)

    assert update == polling.Update(second, [Msg("2", 2, "fixed"), Msg("3", 3, "and more")])
    assert acs.reads == []


def test_a_change_in_a_scope_never_synced_reads_the_latest_page(acs):
    marker = MARKER.current(THREAD)  # no page opened in this scope: nothing to read changes since
    MARKER.bump(THREAD)

    update = poll(ANA, marker, acs)

    assert update.resync is acs.latest_page
    assert update.messages == acs.latest_page.messages
    assert acs.reads == [("latest",)]


def test_per_viewer_scopes_share_nothing(acs):
    ana, bruno = f"{THREAD}:1", f"{THREAD}:2"
    marker = open_page(ana)
    open_page(bruno)
    acs.changes = [Msg("2", 2, "what Ana may see")]
    MARKER.bump(THREAD)

    poll(ana, marker, acs)
    poll(bruno, marker, acs)

    assert [read[0] for read in acs.reads] == ["changes", "changes"]  # each read as its own viewer


def test_a_burst_too_big_for_one_read_makes_pages_reload(acs):
    marker = open_page(ANA)
    acs.changes, acs.more = [Msg(str(n), n) for n in range(2, 202)], True
    MARKER.bump(THREAD)

    update = poll(ANA, marker, acs)

    assert update.resync is acs.latest_page
    assert [read[0] for read in acs.reads] == ["changes", "latest"]


def test_a_marker_from_the_future_reloads(acs):
    marker = open_page(ANA)

    update = poll(ANA, marker + 1000, acs)  # the cache restarted and its counter moved back

    assert update.resync is acs.latest_page


def test_while_another_viewer_reads_acs_the_poll_waits_for_the_next_round(acs):
    marker = open_page(ANA)
    open_page(BRUNO)
    MARKER.bump(THREAD)

    during = run_locked("poll", THREAD, lambda: poll(BRUNO, marker, acs), ttl=30)

    assert during is None
    assert acs.reads == []


def test_changes_by_other_acs_clients_are_found_by_one_background_read(acs):
    marker = open_page(ANA, ago=polling.BACKGROUND_INTERVAL + timedelta(seconds=1))
    open_page(BRUNO)
    acs.changes = [Msg("5", 5, "from a Teams client")]

    for_ana = poll(ANA, marker, acs)
    for_bruno = poll(BRUNO, marker, acs)

    assert for_ana.marker > marker
    assert for_ana == for_bruno == polling.Update(for_ana.marker, [Msg("5", 5, "from a Teams client")])
    assert len(acs.reads) == 1


def test_a_background_read_that_finds_nothing_is_not_repeated_at_once(acs):
    marker = open_page(ANA, ago=polling.BACKGROUND_INTERVAL + timedelta(seconds=1))

    assert poll(ANA, marker, acs) is None
    assert poll(ANA, marker, acs) is None
    assert len(acs.reads) == 1
    assert MARKER.current(THREAD) == marker
