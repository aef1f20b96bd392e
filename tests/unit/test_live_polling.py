"""The poll's cache side (live.polling): what is read from ACS, once, and what every viewer is served.

The ACS reads are passed in (polling.Reader); here they are plain functions that record each call.
"""

import contextlib
import dataclasses
import threading
import time
from datetime import datetime, timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from chatsite.chat.live import keys, polling
from chatsite.chat.live.cache import MARKER, ROSTER, run_locked

pytestmark = pytest.mark.unit

THREAD = "19:lunch@thread.v2"
# Viewers of a thread the site's service identity reads share its scope; elsewhere each viewer has their own.
ANA = BRUNO = THREAD


@dataclasses.dataclass(frozen=True)
class Msg:
    id: str
    sequence_id: int
    content: str = ""
    edited_on: datetime | None = None
    deleted_on: datetime | None = None
    created_on: datetime | None = None


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
    polling.page_opened(thread_id=THREAD, scope=scope, marker=marker, read_at=read_at)
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


def test_each_delta_knows_the_newest_message_a_page_at_its_previous_marker_shows(acs):
    """What the push lays a change out from (chat/push/change.py): the page that opened shows message 1 last; the
    first change brings 2; the next, an edit of 1 only, leaves 2 the newest."""
    at = timezone.now()
    opened = MARKER.current(THREAD)
    polling.page_opened(thread_id=THREAD, scope=ANA, marker=opened, read_at=at, messages=[Msg("1", 1, created_on=at)])
    acs.changes = [Msg("2", 2, "new", created_on=at)]
    first = MARKER.bump(THREAD)
    poll(ANA, opened, acs)
    acs.changes = [Msg("1", 1, "edited", edited_on=at, created_on=at)]
    second = MARKER.bump(THREAD)
    poll(ANA, first, acs)

    assert cache.get(keys.delta(ANA, first)).base == (1, at)
    assert cache.get(keys.delta(ANA, second)).base == (2, at)
    assert cache.get(keys.synced(ANA)).newest == (2, at)


def test_a_chain_of_reads_begun_without_the_newest_message_never_guesses_it(acs):
    marker = open_page(ANA)
    cache.set(keys.synced(ANA), dataclasses.replace(cache.get(keys.synced(ANA)), newest=None))  # kept before
    acs.changes = [Msg("2", 2, "new")]
    changed = MARKER.bump(THREAD)
    poll(ANA, marker, acs)

    assert cache.get(keys.delta(ANA, changed)).base is None  # the push leaves this change to the poll


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


def test_while_another_viewer_reads_acs_the_poll_waits_for_what_it_read(acs):
    """A page told by a push polls once per change: "nothing new" while Ana's poll reads would lose Bruno the
    message until the next change."""
    marker = open_page(ANA)
    open_page(BRUNO)
    target = MARKER.bump(THREAD)
    acs.changes = [Msg("5", 5, "hi")]
    for_bruno = {}
    bruno = threading.Thread(target=lambda: for_bruno.update(update=poll(BRUNO, marker, acs)))

    def anas_read():
        bruno.start()
        time.sleep(0.2)  # Bruno's poll finds the lock taken
        return polling._sync(THREAD, ANA, target, acs.reader())

    run_locked("poll", THREAD, anas_read, ttl=30)
    bruno.join(10)

    assert for_bruno["update"] == polling.Update(target, [Msg("5", 5, "hi")])
    assert len(acs.reads) == 1


def test_a_poll_gives_up_waiting_for_a_read_that_outlasts_the_wait(acs, monkeypatch):
    monkeypatch.setattr(polling, "READ_WAIT", 0.1)
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


@contextlib.contextmanager
def interrupted_at(moment: int, other):
    """Inside the block, `other()` runs in full just before the `moment`-th round trip to the cache (from 0): one
    poll overtaken by another at a chosen point, as on a loaded server. Yields a list that holds True once it ran."""
    ran, count, busy = [], [0], [False]
    originals = {name: getattr(cache, name) for name in ("get", "get_many", "add", "set", "incr", "delete")}

    def wrapped(original):
        def call(*args, **kwargs):
            if not busy[0]:
                if count[0] == moment and not ran:
                    busy[0] = True
                    try:
                        other()
                    finally:
                        busy[0] = False
                    ran.append(True)
                count[0] += 1
            return original(*args, **kwargs)

        return call

    for name, original in originals.items():
        setattr(cache, name, wrapped(original))
    try:
        yield ran
    finally:
        for name, original in originals.items():
            setattr(cache, name, original)


def test_a_change_is_read_once_whenever_the_first_reader_finishes(acs):
    """Bruno's poll is overtaken by Ana's whole poll before each of its cache round trips in turn (after it found
    no delta, after it looked at the sync record, before it took the lock, ...): one ACS read each time, and a
    third viewer still behind replays it for free."""
    moment = 0
    while True:
        cache.clear()
        acs.reads.clear()
        marker = open_page(ANA)
        acs.changes = [Msg("2", 2, "Anyone hungry?")]
        changed = MARKER.bump(THREAD)
        expected = polling.Update(changed, [Msg("2", 2, "Anyone hungry?")])
        answers = {}

        def ana_polls(answers=answers, marker=marker):
            answers["ana"] = poll(ANA, marker, acs)

        with interrupted_at(moment, ana_polls) as overtaken:
            answers["bruno"] = poll(BRUNO, marker, acs)
        if not overtaken:
            break  # Bruno's poll made fewer round trips than this: every moment was tried
        # A poll that found the lock taken answers nothing new and gets the change on its next poll.
        for viewer in ("ana", "bruno"):
            answers[viewer] = answers[viewer] or poll(ANA, marker, acs)
        answers["carla"] = poll(ANA, marker, acs)

        assert answers == {"ana": expected, "bruno": expected, "carla": expected}, f"overtaken at {moment}"
        assert [read[0] for read in acs.reads] == ["changes"], f"overtaken at {moment}: {acs.reads}"
        moment += 1
    assert moment > 3  # the loop did interleave the polls


def test_what_a_read_found_is_noted_once_after_the_lock_is_released(acs):
    marker = open_page(ANA)
    open_page(BRUNO)
    acs.changes = [Msg("2", 2, "Anyone hungry?")]
    MARKER.bump(THREAD)
    noted = []

    def read_done(messages):
        # Other viewers may take the lock meanwhile: they are served the cached delta, not held up.
        noted.append((messages, run_locked("poll", THREAD, lambda: "free", ttl=30)))

    reader = dataclasses.replace(acs.reader(), read_done=read_done)
    for scope in (ANA, BRUNO, ANA):
        polling.poll(thread_id=THREAD, scope=scope, marker=marker, reader=reader)

    assert noted == [([Msg("2", 2, "Anyone hungry?")], "free")]


def test_a_background_read_that_finds_only_what_was_seen_changes_nothing(acs):
    shown = [Msg("1", 1, "hello")]
    marker = MARKER.current(THREAD)
    read_at = timezone.now() - polling.BACKGROUND_INTERVAL - timedelta(seconds=1)
    polling.page_opened(thread_id=THREAD, scope=ANA, marker=marker, read_at=read_at, messages=shown)
    acs.changes = shown  # ACS's list starts OVERLAP before the page's read: it finds the page's newest again

    assert poll(ANA, marker, acs) is None
    assert MARKER.current(THREAD) == marker  # no change for any page to fetch
    assert len(acs.reads) == 1

    # The same message edited since is a change.
    edited = [Msg("1", 1, "hello!", edited_on=timezone.now())]
    acs.changes = edited
    cache.set(keys.synced(ANA), dataclasses.replace(cache.get(keys.synced(ANA)), at=read_at), None)
    update = poll(ANA, marker, acs)
    assert update == polling.Update(MARKER.current(THREAD), edited)


@pytest.mark.parametrize(("roster_age", "read_again"), [(timedelta(minutes=5), True), (timedelta(0), False)])
def test_a_roster_read_before_the_reads_began_is_read_again_once(roster_age, read_again):
    """What another ACS client changed before the first page's read is in no delta: a roster read earlier than
    that is read again (the roster has no timer), one read just before the page's is kept."""
    version = ROSTER.current(THREAD)
    at = (timezone.now() - roster_age).timestamp()
    cache.set(keys.roster_read(THREAD), keys.RosterRead(version=version, at=at, members=()), None)

    open_page(ANA)
    open_page(BRUNO)  # the chain has begun: a second page changes nothing

    assert ROSTER.current(THREAD) == (version + 1 if read_again else version)
