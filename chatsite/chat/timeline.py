"""Messages laid out for the page: day separators and who is speaking, from one viewer's point of view."""

import dataclasses
from datetime import date, datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .presentation import Message

# Consecutive messages of one person this close together show one name and avatar (as chat apps group them).
GROUP_WINDOW = timedelta(minutes=5)


@dataclasses.dataclass
class Row:
    message: Message
    own: bool
    day: date | None = None  # set on the first message of a day: a separator goes before it
    continued: bool = False  # the same person's message just before, within GROUP_WINDOW: no name or avatar again

    @property
    def day_label(self) -> str:
        today = timezone.localdate()
        if self.day == today:
            return _("Today")
        if self.day == today - timedelta(days=1):
            return _("Yesterday")
        return date_format(self.day, "DATE_FORMAT")


def when_label(moment: datetime | None, *, now: datetime | None = None) -> str:
    """When, as the thread list says it: the time today (the locale's TIME_FORMAT, as the thread page shows
    times: "10:42 a.m.", "10:42"), "Yesterday", "Mon" within the week, else the date."""
    if moment is None:
        return ""
    now = timezone.localtime(now)
    moment = timezone.localtime(moment)
    days = (now.date() - moment.date()).days
    if days <= 0:
        return date_format(moment, "TIME_FORMAT")
    if days == 1:
        return _("Yesterday")
    if days < 7:
        return date_format(moment, "D")
    return date_format(moment, "SHORT_DATE_FORMAT")


def day_of(message: Message) -> date:
    return timezone.localtime(message.created_on).date()


def rows(messages: list[Message], *, viewer_id: str, previous_day: date | None = None) -> list[Row]:
    """The messages in order, a day separator where the day turns, and runs of one person's messages grouped.
    (A run that a page's later answer continues is joined there by static/js/thread/grouping.js, by the same rule.)"""
    result = []
    previous = None
    for message in messages:
        day = day_of(message)
        new_day = day if day != previous_day else None
        continued = new_day is None and _continues(previous, message)
        result.append(Row(message, message.sent_by(viewer_id), new_day, continued))
        previous_day, previous = day, message
    return result


def _continues(previous: Message | None, message: Message) -> bool:
    return (
        previous is not None
        and not previous.is_system
        and not message.is_system
        and previous.sender_id == message.sender_id
        and timedelta(0) <= message.created_on - previous.created_on <= GROUP_WINDOW
    )


def poll_state(marker: int, messages: list[Message]) -> dict:
    """What a page's poller carries: the marker it has seen, its newest sequence number and that message's day."""
    return {
        "marker": marker,
        "seq": messages[-1].sequence_id if messages else 0,
        "day": day_of(messages[-1]) if messages else None,
    }


def poll_changes(messages: list[Message], *, marker: int, seq: int, day: date | None, viewer_id: str) -> dict:
    """A delta laid out for a page that shows messages up to `seq`: changed rows replace theirs, new ones are
    appended (a day separator where the day turns), others' new messages are announced to screen readers."""
    new = [m for m in messages if m.sequence_id > seq]
    return {
        "changed": rows([m for m in messages if m.sequence_id <= seq], viewer_id=viewer_id),
        "new_rows": rows(new, viewer_id=viewer_id, previous_day=day),
        "announce": [m for m in new if not m.sent_by(viewer_id) and not m.is_system],
        "poll": {
            "marker": marker,
            "seq": max([seq, *(m.sequence_id for m in new)]),
            "day": day_of(new[-1]) if new else day,
        },
    }
