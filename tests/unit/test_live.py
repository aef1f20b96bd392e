"""The live path's cache mechanics: counters only move forward, locks and gates admit one caller, deltas merge."""

import dataclasses

import pytest
from django.core.cache import cache
from hypothesis import given
from hypothesis import strategies as st

from chatsite.chat.live import cache as live_cache
from chatsite.chat.live.cache import Counter, gate, run_locked, shared_once, within_budget
from chatsite.chat.live.polling import replay_chain
from chatsite.chat.live.typing import typing_names, typing_record

pytestmark = pytest.mark.unit

# A window no test outlives, so every call lands in the same budget slot.
FOREVER = 10**9


def test_a_counter_moves_forward_per_scope():
    marker = Counter("test-marker")
    first = marker.current("thread-a")

    assert marker.current("thread-a") == first  # reading does not move it
    assert marker.bump("thread-a") == first + 1
    assert marker.bump("thread-a") == first + 2
    assert marker.current("thread-a") == first + 2
    other = marker.current("thread-b")
    marker.bump("thread-b")
    assert marker.current("thread-a") == first + 2  # scopes are independent
    assert marker.current("thread-b") == other + 1


def test_counters_of_different_names_move_independently():
    roster, receipts = Counter("test-roster"), Counter("test-receipts")
    receipts_before = receipts.current("t")
    roster_before = roster.current("t")

    roster.bump("t")
    roster.bump("t")

    assert roster.current("t") == roster_before + 2
    assert receipts.current("t") == receipts_before


def test_a_lost_counter_restarts_from_the_clock_not_from_zero():
    marker = Counter("test-lost")
    marker.current("t")
    cache.clear()  # evicted, or the cache restarted

    assert marker.current("t") > 1_000_000_000_000  # milliseconds since 1970: a page never saw a small value
    assert marker.bump("t") == marker.current("t")


def test_the_marker_counters_of_the_live_path_are_distinct():
    names = {live_cache.MARKER.name, live_cache.ROSTER.name, live_cache.RECEIPTS.name}

    assert len(names) == 3


def test_run_locked_admits_one_caller_per_name_and_scope():
    inner = {}

    def work():
        inner["same"] = run_locked("poll", "thread-a", lambda: "second", ttl=30)
        inner["other scope"] = run_locked("poll", "thread-b", lambda: "other scope", ttl=30)
        inner["other name"] = run_locked("roster", "thread-a", lambda: "other name", ttl=30)
        return "first"

    assert run_locked("poll", "thread-a", work, ttl=30) == "first"
    assert inner == {"same": None, "other scope": "other scope", "other name": "other name"}
    # Released afterwards.
    assert run_locked("poll", "thread-a", lambda: "again", ttl=30) == "again"


def test_run_locked_releases_the_lock_when_the_work_fails():
    def failing():
        raise RuntimeError("ACS away")

    with pytest.raises(RuntimeError):
        run_locked("poll", "thread-a", failing, ttl=30)

    assert run_locked("poll", "thread-a", lambda: "next caller", ttl=30) == "next caller"


def test_shared_once_is_made_once_when_the_first_maker_finishes_between_a_callers_look_and_its_lock():
    made = []

    def make():
        made.append("read")
        cache.set("page", "the page")
        return "the page"

    def find():
        return cache.get("page")

    def late_find():  # the second caller's look; the first caller runs in full right after it
        found = find()
        if not made:
            assert shared_once("page", "t", find=find, make=make, ttl=30) == "the page"
        return found

    assert shared_once("page", "t", find=late_find, make=make, ttl=30) == "the page"
    assert made == ["read"]


def test_shared_once_waits_for_the_lock_holder_instead_of_making_it_too():
    looks = []

    def find():  # the holder's read lands while the waiter waits
        looks.append("look")
        return "the page" if len(looks) > 2 else None

    def make():
        raise AssertionError("made twice")

    waited = run_locked("page", "t", lambda: shared_once("page", "t", find=find, make=make, ttl=30, wait=30), ttl=30)

    assert waited == "the page"
    assert shared_once("page", "t", find=lambda: None, make=lambda: "made", ttl=30) == "made"  # lock released


def test_a_gate_opens_once_per_name_and_scope():
    assert gate("receipt", "t:1", seconds=60) is True
    assert gate("receipt", "t:1", seconds=60) is False
    assert gate("receipt", "t:2", seconds=60) is True
    assert gate("typing", "t:1", seconds=60) is True


def test_a_budget_admits_its_size_per_window_and_scope():
    admitted = [within_budget("typing", "thread-a", budget=3, window=FOREVER) for _ in range(5)]

    assert admitted == [True, True, True, False, False]
    assert within_budget("typing", "thread-b", budget=3, window=FOREVER) is True


@dataclasses.dataclass(frozen=True)
class Delta:
    id: str
    sequence_id: int
    version: int  # which delta carried this version: lower is newer


def test_replay_keeps_the_newest_version_of_each_message_by_sequence_number():
    newest = [Delta("2", 2, 0), Delta("9", 9, 0)]
    older = [Delta("5", 5, 1), Delta("2", 2, 1)]
    oldest = [Delta("1", 1, 2), Delta("5", 5, 2)]

    assert replay_chain([newest, older, oldest]) == [
        Delta("1", 1, 2),
        Delta("2", 2, 0),
        Delta("5", 5, 1),
        Delta("9", 9, 0),
    ]
    assert replay_chain([]) == []
    assert replay_chain([[], []]) == []


@given(st.lists(st.lists(st.integers(min_value=1, max_value=30), unique=True, max_size=10), max_size=8))
def test_replay_keeps_exactly_the_newest_version_of_every_id(chunks_of_ids):
    # Chunk i holds version i of each message it carries; chunks are given newest first, as deltas are chained.
    chunks = [[Delta(str(seq), seq, age) for seq in ids] for age, ids in enumerate(chunks_of_ids)]

    merged = replay_chain(chunks)

    seen = {seq for ids in chunks_of_ids for seq in ids}
    assert [m.sequence_id for m in merged] == sorted(seen)
    for m in merged:
        assert m.version == min(age for age, ids in enumerate(chunks_of_ids) if m.sequence_id in ids)


def test_who_is_typing_leaves_out_the_viewer_and_is_sorted():
    typing_record(thread_id="t", user_pk=3, name="Carla")
    typing_record(thread_id="t", user_pk=1, name="Ana")
    typing_record(thread_id="t", user_pk=2, name="Bruno")
    typing_record(thread_id="other", user_pk=4, name="Dora")

    assert typing_names(thread_id="t", except_pk=1) == ["Bruno", "Carla"]
    assert typing_names(thread_id="nobody", except_pk=1) == []
