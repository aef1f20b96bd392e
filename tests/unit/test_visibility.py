"""The one visibility rule (chat/visibility.py), as pure functions over a person's windows."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from chatsite.chat import visibility
from chatsite.chat.visibility import Window

T0 = 1_700_000_000_000  # epoch ms


def at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


def test_never_a_member_sees_nothing():
    assert not visibility.can_open(visibility.NEVER, T0)
    assert visibility.ended(visibility.NEVER) is None


def test_all_history_sees_everything_before_and_after_joining():
    windows = (Window(history_from=None, joined=T0),)
    assert visibility.can_open(windows, T0 - 10_000)
    assert visibility.can_open(windows, T0 + 10_000)


def test_from_a_time_sees_only_from_that_time_on_and_the_message_that_added_them():
    windows = (Window(history_from=at(T0 + 1), joined=T0 + 5),)
    assert not visibility.can_open(windows, T0)
    assert visibility.can_open(windows, T0 + 1)
    assert visibility.can_open(windows, T0 - 1, adds_viewer=True)
    assert not visibility.counts(windows, T0)


def test_a_time_known_to_the_second_leaves_that_second_out():
    windows = (Window(history_from=at(T0 - T0 % 1000)),)
    assert not visibility.can_open(windows, T0 - T0 % 1000 + 999)
    assert visibility.can_open(windows, T0 - T0 % 1000 + 1000)


def test_a_removed_person_sees_up_to_and_including_their_removal():
    windows = (Window(joined=T0, until=T0 + 100, ended="removed"),)
    assert visibility.can_open(windows, T0 + 100)
    assert not visibility.can_open(windows, T0 + 101)
    assert visibility.ended(windows) == "removed"


def test_added_again_the_latest_window_is_the_one_acs_answers_for():
    windows = (
        Window(joined=T0, until=T0 + 100, ended="removed"),
        Window(history_from=at(T0 + 200), joined=T0 + 300),
    )
    assert visibility.ended(windows) is None
    assert not visibility.can_open(windows, T0 + 50)  # ACS replaced the old share-history time
    assert visibility.can_open(windows, T0 + 250)


def test_a_deleted_thread_and_a_hidden_message_show_nothing():
    assert not visibility.can_open((Window(joined=T0, until=T0 + 1, ended="deleted"),), T0)
    assert not visibility.can_open((Window(),), T0, hidden=True)
    assert not visibility.counts((Window(),), None)


windows_strategy = st.lists(
    st.builds(
        Window,
        history_from=st.one_of(st.none(), st.integers(0, 10_000).map(lambda d: at(T0 + d))),
        joined=st.integers(0, 10_000).map(lambda d: T0 + d),
        until=st.one_of(st.none(), st.integers(0, 10_000).map(lambda d: T0 + d)),
        ended=st.sampled_from(["", "left", "removed"]),
    ),
    max_size=4,
)


@given(windows_strategy, st.integers(-1_000, 12_000))
def test_what_counts_is_always_something_the_person_could_open(windows, offset):
    message = T0 + offset
    if visibility.counts(windows, message):
        assert visibility.can_open(windows, message)
        window = visibility.current(windows)
        assert window.until is None or message <= window.until
        assert message >= visibility.lower_bound(window.history_from)


@given(windows_strategy, st.integers(-1_000, 12_000), st.integers(0, 5_000))
def test_an_earlier_end_never_shows_more(windows, offset, earlier):
    """Narrowing a window's end (ACS's removal message after the site's clock) never widens what it shows."""
    window = visibility.current(windows)
    if window is None or window.until is None:
        return
    narrowed = [w if w is not window else Window(w.history_from, w.joined, w.until - earlier, w.ended) for w in windows]
    if visibility.can_open(narrowed, T0 + offset):
        assert visibility.can_open(windows, T0 + offset)
