"""The one place every change to a thread flows through, whoever learned of it.

`changes_apply` is handed what was learned about a thread: messages read from ACS (chat messages and the system
messages for people added or removed and topic updates), a roster read, the thread's properties, and where it
came from. It updates, once, everything the site derives from ACS: the membership record (services.record, its
one writer), the mirror (`Thread`: topic, participants), previews and unread counts (services.inbox), and the live
markers (ROSTER, each person's INBOX). Nothing here calls ACS: callers read (or write), then hand what ACS said.

Applying the same change twice, late or out of order changes nothing more: the record and the mirror compare ACS's
versions (epoch ms), the inbox counts each message once per person.
"""

import time
from collections.abc import Iterable

from django.db.models import Q

from chatsite.acs import records

from ..live import state
from ..live.cache import ROSTER
from ..models import Thread
from ..selectors.accounts import people_by_acs_id
from . import inbox, record

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
    roster_read_at: float | None = None,
    thread: records.ThreadProperties | None = None,
    deleted: int | None = None,
    source: str,
) -> None:
    """Apply what ACS said about `thread_id`.

    - `messages`: records.Message as ACS listed them (any order, repeats allowed). participantadded/removed
      system messages open and close the windows of the people they name (a removal's message is the last they
      see); topicupdated ones rename the mirror; chat messages move the preview and unread counts of the people
      who may open them (chat/visibility.py). The site's own writes hand the system message their write made,
      with the site's clock for its id (an upper bound that ACS's own message narrows later).
    - `roster` (with `roster_read_at`, epoch seconds when the read began): the participants ACS listed. People
      of the site with an open window who are missing were removed; listed people without one were added.
    - `thread`: the thread's properties as ACS answered them (its topic).
    - `deleted`: the thread was deleted (epoch ms): every part ends.
    - `source`: SITE_WRITE, POLL, EVENT_READ or BACKGROUND.
    """
    if source not in SOURCES:
        raise ValueError(f"unknown change source {source!r}")
    messages = list(messages)
    touched: set[int] = set()
    if deleted is not None:
        touched |= set(record.thread_ended(thread_id=thread_id, version=deleted))
        Thread.objects.filter(acs_thread_id=thread_id).update(participant_count=0)
    if messages:
        touched |= _membership_from_messages(thread_id, messages)
        _topic_from_messages(thread_id, messages)
        inbox.deltas_seen(thread_id=thread_id, items=messages)
    if roster is not None:
        touched |= _membership_from_roster(thread_id, list(roster), roster_read_at or time.time())
    if thread is not None and thread.topic:
        Thread.objects.filter(acs_thread_id=thread_id).exclude(topic=thread.topic).update(topic=thread.topic)
    for user_pk in touched:
        inbox.unread_check(thread_id=thread_id, user_pk=user_pk)
    if touched:
        inbox.thread_changed(thread_id=thread_id, also=touched)


def membership_ends(items: Iterable[records.Message]) -> dict[str, str | None]:
    """Each person the membership system messages among `items` name, and how their part stands after the last of
    them: state.LEFT or REMOVED, or None (added)."""
    return {acs_id: how for acs_id, (how, _message) in _membership_changes(items).items()}


def _membership_changes(items) -> dict[str, tuple[str | None, records.Message]]:
    ends = {}
    for message in sorted((m for m in items if m.type in MEMBERSHIP_TYPES), key=lambda m: m.sequence_id):
        for person in message.participants:
            if message.type == "participantadded":
                ends[person.acs_user_id] = (None, message)
            else:
                how = state.LEFT if person.acs_user_id == message.initiator_id else state.REMOVED
                ends[person.acs_user_id] = (how, message)
    return ends


def _membership_from_messages(thread_id: str, items: list[records.Message]) -> set[int]:
    from ..selectors.membership import roster_read_at

    changes = sorted((m for m in items if m.type in MEMBERSHIP_TYPES), key=lambda m: m.sequence_id)
    if not changes:
        return set()
    read_at = roster_read_at(thread_id)
    if read_at is None or max(m.created_on for m in changes).timestamp() > read_at:
        ROSTER.bump(thread_id)  # the cached roster predates the change
    people = people_by_acs_id(p.acs_user_id for m in changes for p in m.participants)
    touched = set()
    for message in changes:  # every change in order: a removal and a re-add are two windows
        version = _ms(message)
        for person in message.participants:
            user = people.get(person.acs_user_id)
            if user is None:
                continue
            if message.type == "participantadded":
                changed = record.part_began(
                    thread_id=thread_id, user_pk=user.pk, history_from=person.share_history_time, version=version
                )
            else:
                how = state.LEFT if person.acs_user_id == message.initiator_id else state.REMOVED
                changed = record.part_ended(thread_id=thread_id, user_pk=user.pk, how=how, version=version)
            if changed:
                touched.add(user.pk)
    _mirror_people(thread_id)
    return touched


def _membership_from_roster(thread_id: str, members: list[records.Member], read_at: float) -> set[int]:
    from ..selectors.record import windows_by_person

    version = int(read_at * 1000)
    listed = {m.acs_user_id: m for m in members}
    people = people_by_acs_id(listed)
    recorded = windows_by_person(thread_id=thread_id)
    touched = set()
    for acs_id, user in people.items():
        windows = recorded.get(user.pk, ())
        if (not windows or not windows[-1].is_open) and record.part_began(
            thread_id=thread_id, user_pk=user.pk, history_from=listed[acs_id].share_history_time, version=version
        ):
            touched.add(user.pk)
    from ..models import Membership

    listed_pks = {user.pk for user in people.values()}
    for user_pk in (
        set(Membership.objects.filter(thread_id=thread_id, ended_version=None).values_list("user_id", flat=True))
        - listed_pks
    ):
        if record.part_ended(thread_id=thread_id, user_pk=user_pk, how=state.REMOVED, version=version):
            touched.add(user_pk)
    if touched:
        _mirror_people(thread_id)
    return touched


def _topic_from_messages(thread_id: str, items: list[records.Message]) -> None:
    topics = [m for m in items if m.type == "topicupdated" and m.topic]
    if not topics:
        return
    newest = max(topics, key=lambda m: m.sequence_id)
    version, topic = _ms(newest), newest.topic[: Thread._meta.get_field("topic").max_length]
    newer = Thread.objects.filter(acs_thread_id=thread_id).filter(Q(topic_version__lt=version) | Q(topic_version=None))
    # A renamed one-to-one is a named chat; the topic a thread was created with (its first system message) is not
    # a rename.
    newer.exclude(topic=topic).update(topic=topic, topic_version=version, direct=False)
    newer.filter(topic=topic).update(topic_version=version)


def _mirror_people(thread_id: str) -> None:
    """The mirror's participants are the people whose part lasts, per the record."""
    from ..models import Membership

    thread = Thread.objects.filter(acs_thread_id=thread_id).first()
    if thread is None:
        return
    current = set(Membership.objects.filter(thread_id=thread_id, ended_version=None).values_list("user_id", flat=True))
    gone = set(
        Membership.objects.filter(thread_id=thread_id).exclude(user_id__in=current).values_list("user_id", flat=True)
    )
    before = set(thread.participants.values_list("pk", flat=True))
    thread.participants.add(*(current - before))
    thread.participants.remove(*(gone & before))


def _ms(message: records.Message) -> int:
    """When ACS created the message, in epoch ms: its id."""
    if message.id.isdigit():
        return int(message.id)
    return int(message.created_on.timestamp() * 1000)
