"""The one place every change to a thread flows through, whoever learned of it.

`changes_apply` is handed what was learned about a thread: messages read from ACS (chat messages and the system
messages for people added or removed and topic updates), a roster read, the thread's properties, and where it
came from. It updates, once, everything the site derives from ACS: the mirror (`Thread`), the membership record,
previews and unread counts, and the live markers. Nothing here calls ACS: callers read, then hand what ACS said.
"""

from collections.abc import Iterable

from chatsite.acs import records

from ..live import state
from ..live.cache import ROSTER
from ..selectors.accounts import user_pk_by_acs_id
from . import inbox

SITE_WRITE = "site-write"  # the site's own write, with what ACS answered it
POLL = "poll"  # an open page's read of what changed
EVENT_READ = "event-read"  # a read made because an Event Grid event hinted at a change
BACKGROUND = "background"  # any other read (a roster read, staff's refresh)
SOURCES = frozenset({SITE_WRITE, POLL, EVENT_READ, BACKGROUND})

MEMBERSHIP_TYPES = frozenset({"participantadded", "participantremoved"})


def changes_apply(
    *,
    thread_id: str,
    messages: Iterable[records.Message] = (),
    roster: Iterable[records.Member] | None = None,
    thread: records.ThreadProperties | None = None,
    source: str,
) -> None:
    """Apply what ACS said about `thread_id`.

    - `messages`: records.Message as ACS listed them (any order, repeats allowed): chat messages move the
      preview and unread counts; participantadded/removed system messages move the membership of the people
      they name; a delta is applied as often as it is handed in, with the same outcome.
    - `roster`: the thread's participants as ACS listed them now (records.Member), or None when not read:
      people of the site missing from it lost their part.
    - `thread`: the thread's properties as ACS answered them (its topic), or None.
    - `source`: SITE_WRITE, POLL, EVENT_READ or BACKGROUND (for the record of how a part ended, and logs).
    """
    if source not in SOURCES:
        raise ValueError(f"unknown change source {source!r}")
    messages = list(messages)
    if messages:
        _membership_from_messages(thread_id, messages)
        inbox.deltas_seen(thread_id=thread_id, items=messages)
    if roster is not None:
        _membership_from_roster(thread_id, list(roster))


def membership_ends(items: Iterable[records.Message]) -> dict[str, str | None]:
    """Each person the membership system messages among `items` name, and how their part stands after the last of
    them: state.LEFT or REMOVED, or None (added)."""
    ends = {}
    for message in sorted((m for m in items if m.type in MEMBERSHIP_TYPES), key=lambda m: m.sequence_id):
        for person in message.participants:
            if message.type == "participantadded":
                ends[person.acs_user_id] = None
            else:
                ends[person.acs_user_id] = state.LEFT if person.acs_user_id == message.initiator_id else state.REMOVED
    return ends


def _membership_from_messages(thread_id: str, items: list[records.Message]) -> None:
    from ..selectors.membership import roster_read_at

    changes = [m for m in items if m.type in MEMBERSHIP_TYPES]
    if not changes:
        return
    read_at = roster_read_at(thread_id)
    if read_at is None or max(m.created_on for m in changes).timestamp() > read_at:
        ROSTER.bump(thread_id)  # the cached roster predates the change
    for acs_user_id, ended in membership_ends(changes).items():
        user_pk = user_pk_by_acs_id(acs_user_id)
        if user_pk is not None:
            state.set_viewer_state(thread_id=thread_id, user_pk=user_pk, state=ended)


def _membership_from_roster(thread_id: str, members: list[records.Member]) -> None:
    """People of the site who had a part and are not in ACS's list any more were removed by another client."""
    from ..selectors.membership import previous_roster_ids

    gone = previous_roster_ids(thread_id) - {m.acs_user_id for m in members}
    for acs_id in gone:
        user_pk = user_pk_by_acs_id(acs_id)
        if user_pk is not None and state.viewer_state(thread_id=thread_id, user_pk=user_pk) is None:
            state.set_viewer_state(thread_id=thread_id, user_pk=user_pk, state=state.REMOVED)
