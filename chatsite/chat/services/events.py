"""What the site does with ACS's chat events (chatsite.events delivers them; chat/receivers.py hands each delivery's
events here): they are hints, never facts.

An event moves nothing a person sees by itself. It makes the site read what changed from ACS, and the change
pipeline (`services.changes.changes_apply`) applies what ACS says; an event ACS does not confirm changes nothing,
whoever holds the webhook's secret. Hints coalesce per thread (live/hints.py): at most one read in flight and one
queued, however many events arrive.

- A thread the site hosts is read as the service identity, from where the poll's reads left off
  (`live.polling.hinted_sync`): what the read finds that no read before it did moves the marker, so open pages
  get it on their next poll (replayed from the cache) and a reload reads the page at the new marker.
- The site's own writes need no read: it tells them by what it wrote (live/own.py: the message ids its sends got
  back, also kept durably as MessageSend rows; the message it edited or deleted, the people it added or removed,
  the topic it set), never by whose identity made the change, since a person's phone is another client.
- A thread the site does not host that an event says a person of the site is in (created with them, or them
  added) is read as that person; when ACS confirms, it joins their list (services/listed.py).
"""

from collections import defaultdict

from django.utils import timezone

from chatsite.acs.errors import AcsForbidden, AcsNotFound
from chatsite.acs.models import AcsIdentity
from chatsite.acs.records import ThreadProperties

from ..actors import Actor
from ..live import hints, keys, own, polling
from ..live.cache import MARKER, ROSTER
from ..models import MessageSend, Thread
from ..selectors.threads import thread_is_shared, thread_unshare
from . import inbox, listed, messages
from .changes import EVENT_READ, changes_apply

PAGE_SIZE = 30  # the latest page read when no earlier read of the thread is left to continue from

# What each event type says may have changed in a thread the site hosts. The per-person "message received" is
# left out: the thread-level event of the same message always comes too.
HOSTED_HINTS = frozenset(
    {
        "ChatMessageReceivedInThread",
        "ChatMessageEditedInThread",
        "ChatMessageDeletedInThread",
        "ChatThreadCreated",
        "ChatThreadPropertiesUpdated",
        "ChatThreadParticipantAdded",
        "ChatThreadParticipantRemoved",
        "ChatThreadDeleted",
    }
)
# Events that may put a person of the site in a thread the site does not host.
JOINED_HINTS = frozenset({"ChatThreadCreated", "ChatThreadParticipantAdded"})


def events_hinted(*, events, received_at: float) -> None:
    """One delivery's events (new and repeated: a hint costs nothing twice), which arrived at `received_at` (epoch
    seconds): read what they hint at, once per thread. A read that fails raises, so the delivery fails and Event
    Grid delivers it again."""
    by_thread = defaultdict(list)
    for event in events:
        by_thread[event.thread_id].append(event)
    for thread_id, told in by_thread.items():
        if Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None).exists():
            # Every note is looked at (and used up), not only up to the first change of another client.
            if not all([_own(event) for event in told if event.type in HOSTED_HINTS]):
                hints.hint(
                    thread_id, lambda thread_id=thread_id: thread_read(thread_id=thread_id), received_at=received_at
                )
        else:
            for user_pk in _joined(told):
                hints.hint(
                    keys.person_scope(thread_id, user_pk),
                    lambda thread_id=thread_id, user_pk=user_pk: listed.thread_found(
                        thread_id=thread_id, user_pk=user_pk
                    ),
                    received_at=received_at,
                )


def thread_read(*, thread_id: str) -> None:
    """Read what changed in a hosted thread as the service identity and hand it to the pipeline."""
    if not thread_is_shared(thread_id=thread_id):
        # The service identity cannot read it (removed by another client): open pages read as their viewers.
        MARKER.bump(thread_id)
        ROSTER.bump(thread_id)
        return
    acs = Actor.service().acs

    def changes_since(since, limit):
        page = acs.messages_page(thread_id, page_size=limit, start_time=since)
        return page.items, bool(page.continuation)

    reader = polling.Reader(changes_since=changes_since, latest=_no_latest)
    try:
        read = polling.hinted_sync(thread_id=thread_id, scope=thread_id, reader=reader)
        if read is None:  # no earlier read to continue from: the latest page, which starts the chain
            marker, read_at = MARKER.current(thread_id), timezone.now()
            read = acs.messages_page(thread_id, page_size=PAGE_SIZE).items
            polling.page_opened(thread_id=thread_id, scope=thread_id, marker=marker, read_at=read_at, messages=read)
    except AcsNotFound:
        _deleted(thread_id)
        return
    except AcsForbidden:
        thread_unshare(thread_id=thread_id)
        MARKER.bump(thread_id)
        ROSTER.bump(thread_id)
        return
    topic = Thread.objects.filter(acs_thread_id=thread_id).values_list("topic", flat=True).first()
    changes_apply(thread_id=thread_id, messages=read, thread=_topic(thread_id, read), source=EVENT_READ)
    if Thread.objects.filter(acs_thread_id=thread_id).values_list("topic", flat=True).first() != topic:
        ROSTER.bump(thread_id)  # open pages re-read the header with the panel
        inbox.thread_changed(thread_id=thread_id)
    for message in read:
        # A send of the site's whose answer was late or lost: ACS has it, so the page's retry is answered with it.
        if message.metadata.get(messages.CLIENT_ID) and message.sender_id:
            messages.message_stored(
                thread_id=thread_id,
                sender_id=message.sender_id,
                message_id=message.id,
                metadata=message.metadata,
                content=message.content,
            )


def _no_latest():
    raise AssertionError("a hinted read never replays a latest page")  # polling.hinted_sync reads deltas only


def _own(event) -> bool:
    """The site made this change itself (it told open pages and the lists when it made it)."""
    thread_id = event.thread_id
    if event.type in ("ChatMessageReceivedInThread", "ChatMessageReceived"):
        return own.known(thread_id=thread_id, kind=own.SENT, ref=event.message_id) or (
            bool(event.message_id)
            and MessageSend.objects.filter(thread_id=thread_id, message_id=event.message_id).exists()
        )
    if event.type == "ChatMessageEditedInThread":
        return own.taken(thread_id=thread_id, kind=own.EDITED, ref=event.message_id)
    if event.type == "ChatMessageDeletedInThread":
        return own.taken(thread_id=thread_id, kind=own.DELETED, ref=event.message_id)
    if event.type == "ChatThreadPropertiesUpdated":
        return event.topic is not None and own.taken(thread_id=thread_id, kind=own.TOPIC, ref=event.topic)
    if event.type in ("ChatThreadParticipantAdded", "ChatThreadParticipantRemoved"):
        kind = own.ADDED if event.type == "ChatThreadParticipantAdded" else own.REMOVED
        taken = [own.taken(thread_id=thread_id, kind=kind, ref=p.acs_user_id) for p in event.participants]
        return bool(taken) and all(taken)
    if event.type == "ChatThreadCreated":
        return own.taken(thread_id=thread_id, kind=own.CREATED)
    return False


def _joined(events) -> set[int]:
    """The people of the site the events say are in the thread (ACS decides whether they are)."""
    named = {p.acs_user_id for event in events if event.type in JOINED_HINTS for p in event.participants}
    return set(AcsIdentity.objects.filter(acs_user_id__in=named).values_list("user_id", flat=True))


def _topic(thread_id: str, read) -> ThreadProperties | None:
    """The topic as ACS's newest topic-updated system message among those read says, if any."""
    topics = [m for m in read if m.type == "topicupdated" and m.deleted_on is None]
    if not topics:
        return None
    return ThreadProperties(thread_id, max(topics, key=lambda m: m.sequence_id).topic, None)


def _deleted(thread_id: str) -> None:
    """ACS says the thread is gone (404 to the service identity, which is in every thread the site hosts)."""
    Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None).update(deleted_at=timezone.now())
    changes_apply(thread_id=thread_id, deleted=inbox.now_version(), source=EVENT_READ)
    inbox.thread_changed(thread_id=thread_id)
