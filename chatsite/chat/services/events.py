"""What the site does with ACS's chat events (chatsite.events delivers them, deduplicated, one signal each;
chat/receivers.py hands each to `event_apply`).

Changes made by other ACS clients (a mobile app, a bot) move the thread's poll marker and roster version, so
open pages fetch them on their next poll; the site's own writes did that already when they were made, so their
events only update the mirror. The mirror (topic, last activity, last message preview, membership, unread
counts) is kept for every event, with ACS's versions (epoch ms) compared so a late or out-of-order event never
overwrites newer state. Nothing here calls ACS: a thread nobody has open costs no read.
"""

from django.db.models import Q
from django.utils import timezone

from chatsite.acs import service
from chatsite.acs.models import AcsIdentity

from ..live import state
from ..live.cache import MARKER, ROSTER
from ..models import InboxEntry, Thread
from ..selectors.accounts import names_by_acs_id
from . import inbox, messages


def event_apply(*, event) -> None:
    handler = HANDLERS.get(event.type)
    if handler is not None:
        handler(event)
        _inbox_changed(event)


def _inbox_changed(event) -> None:
    """The thread lists that show this thread see the change on their next poll. The per-person event moves only
    its recipient's (one arrives for each person); the others move everyone's the mirror lists, and the people
    the event names (an added person is not in the mirror yet when it is a thread the site does not host)."""
    if event.type == "ChatMessageReceived":
        inbox.people_changed(user_pks=[_user_pk(event.recipient)] if _user_pk(event.recipient) else [])
        return
    named = [_user_pk(person.acs_user_id) for person in event.participants]
    inbox.thread_changed(thread_id=event.thread_id, also=named)


def message_received(event) -> None:
    _last_message(event, preview=event.preview)
    messages.message_stored(
        thread_id=event.thread_id,
        sender_id=event.sender,
        message_id=event.message_id,
        metadata=event.metadata,
        content=event.body,
    )


def message_edited(event) -> None:
    _last_message(event, preview=event.preview)


def message_deleted(event) -> None:
    _last_message(event, preview="")


def _last_message(event, *, preview: str) -> None:
    name = names_by_acs_id([event.sender]).get(event.sender, event.sender_name)
    inbox.last_message_set(
        thread_id=event.thread_id,
        message_id=event.message_id,
        version=event.version,
        preview=preview,
        sender_name=name,
        sender_id=event.sender,
    )
    _touch(event)
    _bump_unless_site(event)


def message_received_by(event) -> None:
    """The per-person event: one more unread message for its recipient, unless they read past it already (or the
    site counted it when it sent it)."""
    thread = _threads(event).first()
    user_pk = _user_pk(event.recipient)
    # An older revision of the docs had the sender get one too: their own message is not unread.
    if thread is None or user_pk is None or event.recipient == event.sender:
        return
    inbox.message_arrived(thread=thread, message_id=event.message_id, user_pks=[user_pk])


def thread_created(event) -> None:
    thread = _threads(event).first()
    if thread is not None:
        for person in event.participants:
            _membership(thread, person.acs_user_id, _version(event), member=True)
    _touch(event)


def topic_updated(event) -> None:
    if event.topic is not None:
        version = _version(event)
        _threads(event).filter(Q(topic_version__lt=version) | Q(topic_version=None)).update(
            topic=event.topic[: Thread._meta.get_field("topic").max_length], topic_version=version, direct=False
        )
    _touch(event)
    if not _by_site(event):
        MARKER.bump(event.thread_id)
        ROSTER.bump(event.thread_id)  # open pages re-read the header with the panel


def participant_added(event) -> None:
    _participant_changed(event, member=True)


def participant_removed(event) -> None:
    _participant_changed(event, member=False)


def _participant_changed(event, *, member: bool) -> None:
    """Whoever made it, the newest membership change of a person of the site is their state: a removed person's
    open page ends on its next poll at no ACS call. Only others' changes move the marker and roster (the site's
    own writes did when they were made)."""
    thread = _threads(event).first()
    for person in event.participants:
        newest = thread is None or _membership(thread, person.acs_user_id, _version(event), member=member)
        user_pk = _user_pk(person.acs_user_id)
        if newest and user_pk is not None:
            ended = None if member else (state.LEFT if person.acs_user_id == event.sender else state.REMOVED)
            state.set_viewer_state(thread_id=event.thread_id, user_pk=user_pk, state=ended)
    if not _by_site(event):
        MARKER.bump(event.thread_id)
        ROSTER.bump(event.thread_id)
    _touch(event)


def thread_deleted(event) -> None:
    _threads(event).filter(deleted_at=None).update(deleted_at=event.time or timezone.now())
    state.set_deleted(thread_id=event.thread_id)


HANDLERS = {
    "ChatMessageReceivedInThread": message_received,
    "ChatMessageEditedInThread": message_edited,
    "ChatMessageDeletedInThread": message_deleted,
    "ChatMessageReceived": message_received_by,
    "ChatThreadCreated": thread_created,
    "ChatThreadPropertiesUpdated": topic_updated,
    "ChatThreadParticipantAdded": participant_added,
    "ChatThreadParticipantRemoved": participant_removed,
    "ChatThreadDeleted": thread_deleted,
}


def _threads(event):
    """The site's live thread of the event (none for threads the site does not host)."""
    return Thread.objects.filter(acs_thread_id=event.thread_id, deleted_at=None)


def _touch(event) -> None:
    """Last activity only ever moves forward."""
    if event.time is not None:
        _threads(event).filter(Q(last_activity_at__lt=event.time) | Q(last_activity_at=None)).update(
            last_activity_at=event.time
        )


def _membership(thread: Thread, acs_user_id: str, version: int, *, member: bool) -> bool:
    """Apply a person's membership change unless a newer one was applied; False when this one is stale."""
    user_pk = _user_pk(acs_user_id)
    if user_pk is None:
        return True  # not a person of the site: nothing to order
    entry, _ = InboxEntry.objects.get_or_create(thread=thread, user_id=user_pk)
    if not InboxEntry.objects.filter(pk=entry.pk, membership_version__lt=version).update(membership_version=version):
        return False
    (thread.participants.add if member else thread.participants.remove)(user_pk)
    return True


def _bump_unless_site(event) -> None:
    if not _by_site(event):
        MARKER.bump(event.thread_id)


def _by_site(event) -> bool:
    """The site made this change itself (and told open pages then)."""
    return service.is_service_identity(event.sender) or _user_pk(event.sender) is not None


def _user_pk(acs_user_id: str) -> int | None:
    if not acs_user_id:
        return None
    return AcsIdentity.objects.filter(acs_user_id=acs_user_id).values_list("user_id", flat=True).first()


def _version(event) -> int:
    if event.version is not None:
        return event.version
    return int(event.time.timestamp() * 1000) if event.time else 0

