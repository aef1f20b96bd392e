"""Messages laid out for the page: day separators and who is speaking, from one viewer's point of view."""

import dataclasses
from datetime import date, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .messages import Message


@dataclasses.dataclass
class Row:
    message: Message
    own: bool
    day: date | None = None  # set on the first message of a day: a separator goes before it

    @property
    def day_label(self) -> str:
        today = timezone.localdate()
        if self.day == today:
            return _("Today")
        if self.day == today - timedelta(days=1):
            return _("Yesterday")
        return date_format(self.day, "DATE_FORMAT")


def day_of(message: Message) -> date:
    return timezone.localtime(message.created_on).date()


def rows(messages: list[Message], *, viewer_id: str, previous_day: date | None = None) -> list[Row]:
    result = []
    for message in messages:
        day = day_of(message)
        result.append(Row(message, message.sent_by(viewer_id), day if day != previous_day else None))
        previous_day = day
    return result
