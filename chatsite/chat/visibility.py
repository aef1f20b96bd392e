"""The one rule of what a person may see of a thread: pure functions over their membership windows
(models.Membership, read by selectors.record) and a message's time.

Every surface asks it: the thread page, its poll, older messages, one message, the edit form, the chat list's rows
and their poll, previews, unread counts, the title total, desktop notifications. A message counts for a person
(preview, unread, notification) only if they could open it. Staff in the admin see the whole thread and do not
ask.

What ACS shows a participant (checked against the emulator, docs/chat.md, and ACS's docs: removed participants
"are able to view previous message history but can't send or receive new messages"): messages created at or after
their share-history time (all of them without one), up to and including the system message that removed them.
ACS keeps one participant entry per person: added again, the new share-history time replaces the old one, so the
latest window is the one that counts. A message's id is its creation time in epoch ms.
A removed person still reads the thread's properties, the current topic included (the emulator answers
GET /chat/threads/{id} to removed participants with the thread as it is now, as ACS does): the site follows that.
"""

import dataclasses
import math
from collections.abc import Sequence
from datetime import datetime


@dataclasses.dataclass(frozen=True)
class Window:
    """One part of a person in a thread."""

    history_from: datetime | None = None  # None: all of the history
    joined: int = 0  # epoch ms of the add (for ordering only)
    until: int | None = None  # the last message id they may see; None while the part lasts
    ended: str = ""  # "", "left", "removed", "deleted"

    @property
    def is_open(self) -> bool:
        return self.until is None


# A person the site has never recorded in the thread: they see nothing (a never-member).
NEVER: tuple[Window, ...] = ()


def current(windows: Sequence[Window]) -> Window | None:
    """The window ACS answers for: the latest one."""
    return max(windows, key=lambda w: w.joined, default=None)


def lower_bound(history_from: datetime | None) -> int:
    """The first epoch ms a share-history time lets a person see. ACS lists share-history times to the second (the
    site records the exact ones it sets): a time known only to the second leaves that whole second out (never
    show what ACS might not)."""
    if history_from is None:
        return 0
    if history_from.microsecond:
        return math.ceil(history_from.timestamp() * 1000)
    return int(history_from.timestamp()) * 1000 + 1000


def can_open(
    windows: Sequence[Window],
    message_ms: int,
    *,
    hidden: bool = False,
    adds_viewer: bool = False,
) -> bool:
    """Whether a person with these windows may open the message created at `message_ms`.

    `adds_viewer`: the message is the system message that added this person, which ACS shows them whatever their
    share-history time. `hidden`: a moderator hid the message on the site.
    """
    window = current(windows)
    if window is None or hidden or window.ended == "deleted":
        return False
    if window.until is not None and message_ms > window.until:
        return False
    return adds_viewer or message_ms >= lower_bound(window.history_from)


def counts(windows: Sequence[Window], message_ms: int | None, *, hidden: bool = False) -> bool:
    """Whether a message counts for a person: as a preview, unread, a notification. Only what they could open."""
    return message_ms is not None and can_open(windows, message_ms, hidden=hidden)


def counts_unread(windows: Sequence[Window], message_ms: int, *, hidden: bool = False) -> bool:
    """Whether a message is new to the person: they could open it and it came after they joined (history shared
    with them is theirs to read, not unread)."""
    window = current(windows)
    return counts(windows, message_ms, hidden=hidden) and message_ms >= window.joined


def ended(windows: Sequence[Window]) -> str | None:
    """How the person's part stands: None while it lasts (or never was), else "left", "removed" or "deleted"."""
    window = current(windows)
    return window.ended or None if window is not None and not window.is_open else None
