"""The thread page's rows: day separators, own vs others' messages, and how a poll's delta is laid out."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from chatsite.chat.timeline import poll_changes, poll_state, rows

from .conftest import message

pytestmark = pytest.mark.unit

ANA = "8:acs:ana"
BRUNO = "8:acs:bruno"
MONDAY = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TUESDAY = MONDAY + timedelta(days=1)


def separators(laid_out):
    return [(row.message.id, row.day) for row in laid_out if row.day is not None]


def test_a_separator_goes_before_the_first_message_of_each_day():
    messages = [
        message(1, MONDAY),
        message(2, MONDAY + timedelta(hours=3)),
        message(3, TUESDAY),
        message(4, TUESDAY + timedelta(minutes=1)),
        message(5, TUESDAY + timedelta(days=5)),
    ]

    laid_out = rows(messages, viewer_id=ANA)

    assert [row.message for row in laid_out] == messages
    assert separators(laid_out) == [("1", date(2026, 3, 2)), ("3", date(2026, 3, 3)), ("5", date(2026, 3, 8))]


def test_no_separator_when_the_page_above_ends_on_the_same_day():
    laid_out = rows([message(7, MONDAY), message(8, TUESDAY)], viewer_id=ANA, previous_day=date(2026, 3, 2))

    assert separators(laid_out) == [("8", date(2026, 3, 3))]


def test_days_are_the_viewers_local_days():
    late_evening_in_sao_paulo = datetime(2026, 3, 3, 1, 30, tzinfo=UTC)  # 22:30 on the 2nd there
    messages = [message(1, MONDAY), message(2, late_evening_in_sao_paulo)]

    with timezone.override("America/Sao_Paulo"):
        laid_out = rows(messages, viewer_id=ANA)

    assert separators(laid_out) == [("1", date(2026, 3, 2))]


def test_own_messages_are_the_viewers_and_never_system_messages():
    messages = [
        message(1, MONDAY, sender=ANA),
        message(2, MONDAY, sender=BRUNO),
        message(3, MONDAY, sender=ANA, type="participantadded", initiator_id=ANA),
        message(4, MONDAY, sender=ANA, type="html"),
    ]

    assert [row.own for row in rows(messages, viewer_id=ANA)] == [True, False, False, True]
    assert [row.own for row in rows(messages, viewer_id=BRUNO)] == [False, True, False, False]


def test_day_labels_read_today_yesterday_or_the_date():
    today = timezone.localdate()
    [first, second, third] = rows(
        [
            message(1, datetime(2026, 1, 15, 12, tzinfo=UTC)),
            message(2, timezone.now() - timedelta(days=1)),
            message(3, timezone.now()),
        ],
        viewer_id=ANA,
    )

    assert first.day_label == "Jan. 15, 2026"
    assert second.day == today - timedelta(days=1) and second.day_label == "Yesterday"
    assert third.day == today and third.day_label == "Today"


@given(
    created=st.lists(
        st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2027, 1, 1), timezones=st.just(UTC)),
        max_size=40,
    ),
    previous_day=st.none() | st.dates(min_value=date(2024, 12, 31), max_value=date(2027, 1, 1)),
)
def test_rows_keep_every_message_in_order_with_one_separator_per_new_day(created, previous_day):
    messages = [message(seq, moment) for seq, moment in enumerate(sorted(created), start=1)]

    laid_out = rows(messages, viewer_id=ANA, previous_day=previous_day)

    assert [row.message for row in laid_out] == messages
    days = [row.day for row in laid_out if row.day is not None]
    # One separator per distinct day, except the day the page above already ends on.
    expected = sorted({moment.date() for moment in created})
    assert days == (expected[1:] if expected and expected[0] == previous_day else expected)
    for row, before in zip(laid_out[1:], laid_out, strict=False):
        assert (row.day is not None) == (row.message.created_on.date() != before.message.created_on.date())


def test_poll_state_carries_the_newest_message():
    messages = [message(4, MONDAY), message(9, TUESDAY)]

    assert poll_state(17, messages) == {"marker": 17, "seq": 9, "day": date(2026, 3, 3)}
    assert poll_state(17, []) == {"marker": 17, "seq": 0, "day": None}


def test_a_poll_replaces_changed_rows_appends_new_ones_and_announces_others_messages():
    edited = message(3, MONDAY, sender=BRUNO, edited_on=TUESDAY)
    own = message(5, MONDAY, sender=ANA)
    others = message(6, TUESDAY, sender=BRUNO)
    system = message(7, TUESDAY, sender=None, type="participantremoved", initiator_id=BRUNO)

    delta = poll_changes([edited, own, others, system], marker=42, seq=4, day=date(2026, 3, 2), viewer_id=ANA)

    assert [row.message for row in delta["changed"]] == [edited]
    assert [(row.message, row.own) for row in delta["new_rows"]] == [(own, True), (others, False), (system, False)]
    # The page shows Monday already: the separator goes before the first message of Tuesday only.
    assert separators(delta["new_rows"]) == [("6", date(2026, 3, 3))]
    assert delta["announce"] == [others]
    assert delta["poll"] == {"marker": 42, "seq": 7, "day": date(2026, 3, 3)}


def test_a_poll_with_only_changes_keeps_the_pages_newest_message():
    delta = poll_changes(
        [message(2, MONDAY, deleted_on=TUESDAY)], marker=43, seq=8, day=date(2026, 3, 3), viewer_id=ANA
    )

    assert [row.message.id for row in delta["changed"]] == ["2"]
    assert delta["new_rows"] == []
    assert delta["announce"] == []
    assert delta["poll"] == {"marker": 43, "seq": 8, "day": date(2026, 3, 3)}


def test_own_messages_and_system_messages_are_never_announced():
    new = [
        message(1, MONDAY, sender=ANA),
        message(2, MONDAY, sender=None, type="topicupdated", initiator_id=BRUNO, topic="Lunch"),
        message(3, MONDAY, sender=None, type="participantadded", initiator_id=BRUNO),
    ]

    assert poll_changes(new, marker=1, seq=0, day=None, viewer_id=ANA)["announce"] == []
