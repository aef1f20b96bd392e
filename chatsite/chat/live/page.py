"""What an open page's poll says it shows: its parameters parsed and written here, and nowhere else.

The thread page's poller GETs `threads/<id>/poll/?marker=…&seq=…&day=…&v=…&r=…&t=…&o=…` (static/js/thread.js adds
`own=…` as it polls); the thread list's GETs `inbox/?v=…`. Views hand the request's query to `parse` (the forms of
chat/forms.py check every value: 400 for anything a page never sends), templates write
`{% url … %}?{{ state.query }}`. tests/unit/test_structure.py finds any other read of these names.
"""

import dataclasses
from datetime import date
from urllib.parse import urlencode

from ..forms import InboxPollForm, PollForm, parsed


@dataclasses.dataclass(frozen=True)
class PageState:
    """What the thread page shows, as its poll says it (wire names in the comments)."""

    marker: int  # marker: the change marker its messages are current with
    seq: int = 0  # seq: the sequence number of its newest message
    day: date | None = None  # day: that message's day (a newer message on another day gets a day separator)
    roster: str = ""  # v: the roster version of its panel
    receipts: str = ""  # r: the receipts listing its "seen by" comes from (selectors.presence.receipts_listing)
    typing: str = ""  # t: the typing version of its typing line; "" while it shows someone typing (that expires)
    seen_for: str = ""  # o: the own message its "seen by" was made for
    own: str | None = None  # own: the newest of the person's own messages on the page, what "seen by" is about;
    # added by static/js/thread.js as it polls, never written by the site

    @classmethod
    def parse(cls, query) -> "PageState":
        """The state a poll's query names; BadRequest (400) for anything a page never sends."""
        params = parsed(PollForm, query)
        return cls(
            marker=params["marker"],
            seq=params["seq"],
            day=params["day"],
            roster=params["v"],
            receipts=params["r"],
            typing=params["t"],
            seen_for=params["o"],
            own=params["own"] or None,
        )

    def at(self, *, marker: int, seq: int, day: date | None) -> "PageState":
        """The same page with its messages current up to `marker` (timeline.poll_state, poll_changes)."""
        return dataclasses.replace(self, marker=marker, seq=seq, day=day)

    @property
    def query(self) -> str:
        """The poller's query string, for its next poll."""
        return urlencode(
            [
                ("marker", self.marker),
                ("seq", self.seq),
                ("day", self.day.isoformat() if self.day else ""),
                ("v", self.roster),
                ("r", self.receipts),
                ("t", self.typing),
                ("o", self.seen_for),
            ]
        )


@dataclasses.dataclass(frozen=True)
class ListState:
    """What the thread list shows, as its poll says it."""

    version: str = ""  # v: the person's INBOX marker its rows are current with ("": none yet)

    @classmethod
    def parse(cls, query) -> "ListState":
        return cls(version=parsed(InboxPollForm, query)["v"])

    @property
    def query(self) -> str:
        return urlencode([("v", self.version)])
