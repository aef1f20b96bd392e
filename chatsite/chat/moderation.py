"""What staff do to threads, through ACS as the site's service identity (acs/service.py).

ACS acts only for participants, so every staff read and write is made as the service identity, which the
site adds to each thread it creates. One exception: ACS lets only a message's sender delete it, so a message
sent by a person of this site is deleted with that person's identity; ACS refuses to delete anyone else's.
Every write tells open pages (poll marker, roster, conversation state) so they show it on their next poll.
Errors are AcsError.
"""

import dataclasses
from datetime import datetime

from django.contrib.auth import get_user_model
from django.utils import timezone
from django.utils.translation import gettext as _

from chatsite.acs import clients, service
from chatsite.acs.errors import AcsError, AcsForbidden, AcsNotFound, AcsRejected, AcsThrottled, acs_errors
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.models import AcsIdentity
from chatsite.acs.participants import identifier, participant, raw_id

from . import conversation, polling, roster
from .messages import Message, from_acs
from .models import Thread
from .people import display_name

LATEST_MESSAGES = 20


@dataclasses.dataclass
class Member:
    acs_user_id: str
    display_name: str
    user: object | None  # the site's person, or None for a user of another ACS client


@dataclasses.dataclass
class LiveThread:
    topic: str
    creator_id: str | None
    members: list[Member]
    messages: list[Message]  # the latest, oldest first


class NotAllowed(AcsRejected):
    """A staff change the site refuses before asking ACS; its message is written for staff."""


def refusal(error: AcsError) -> str:
    """What staff read when ACS refuses: people's wording (errors.py) is about their own messages."""
    if isinstance(error, NotAllowed):
        return error.message
    if isinstance(error, AcsForbidden):
        return _("ACS refused: the site's service identity (or the sender) may not do this in this thread.")
    if isinstance(error, AcsNotFound):
        return _("ACS does not know this thread or message (deleted, or never shared with the site).")
    if isinstance(error, AcsThrottled):
        return _("ACS is throttling these requests; wait a few seconds and try again.")
    if isinstance(error, AcsRejected):
        return _("ACS rejected the request.")
    return _("ACS is not answering right now; try again shortly.")


def thread_live(*, thread: Thread) -> LiveThread:
    """The thread as ACS has it now; the mirror row is brought up to date on the way."""
    live = _read(thread.acs_thread_id)
    _store(thread, live)
    return live


def thread_refresh(*, thread: Thread) -> None:
    _store(thread, _read(thread.acs_thread_id))


def thread_import(*, acs_thread_id: str) -> Thread:
    """Mirror a thread another ACS client created, once the service identity has been added to it."""
    live = _read(acs_thread_id)
    creator = AcsIdentity.objects.filter(acs_user_id=live.creator_id).select_related("user").first()
    thread = Thread.objects.create(
        acs_thread_id=acs_thread_id, topic=live.topic, created_by=creator.user if creator else None
    )
    _store(thread, live)
    return thread


def topic_update(*, thread: Thread, topic: str) -> None:
    with acs_errors():
        _client(thread.acs_thread_id).update_topic(topic)
    thread.topic = topic
    thread.save(update_fields=["topic"])
    polling.bump(thread.acs_thread_id)
    roster.changed(thread.acs_thread_id)  # open pages re-read their header


def participant_add(*, thread: Thread, user) -> None:
    """Add a person of the site, with the thread's whole history."""
    acs_user_id = identity_for(user).acs_user_id
    with acs_errors():
        failed = _client(thread.acs_thread_id).add_participants([participant(acs_user_id, display_name(user))])
    if failed:
        raise AcsRejected()
    thread.participants.add(user)
    conversation.membership_changed(thread_id=thread.acs_thread_id, acs_user_id=acs_user_id, state=None)


def participant_remove(*, thread: Thread, acs_user_id: str) -> None:
    if service.is_service_identity(acs_user_id):
        # Without it staff could no longer see or change the thread.
        raise NotAllowed(_("The site's service identity stays in every thread it moderates."))
    with acs_errors():
        _client(thread.acs_thread_id).remove_participant(identifier(acs_user_id))
    thread.participants.remove(*get_user_model().objects.filter(acs_identity__acs_user_id=acs_user_id))
    conversation.membership_changed(thread_id=thread.acs_thread_id, acs_user_id=acs_user_id, state=conversation.REMOVED)


def message_delete(*, thread: Thread, message_id: str) -> None:
    with acs_errors():
        sender_id = raw_id(_client(thread.acs_thread_id).get_message(message_id).sender)
    sender = AcsIdentity.objects.filter(acs_user_id=sender_id).select_related("user").first()
    token = credentials_for(sender.user).token if sender else service.credentials().token
    with acs_errors():
        clients.thread_client(token, thread.acs_thread_id).delete_message(message_id)
    polling.bump(thread.acs_thread_id)


def thread_delete(*, thread: Thread) -> None:
    with acs_errors():
        clients.chat_client(service.credentials().token).delete_chat_thread(thread.acs_thread_id)
    thread.deleted_at = timezone.now()
    thread.save(update_fields=["deleted_at"])
    conversation.thread_deleted(thread_id=thread.acs_thread_id)


def _client(acs_thread_id: str):
    return clients.thread_client(service.credentials().token, acs_thread_id)


def _read(acs_thread_id: str) -> LiveThread:
    client = _client(acs_thread_id)
    with acs_errors():
        properties = client.get_properties()
        acs_members = list(client.list_participants())
        latest = list(next(client.list_messages(results_per_page=LATEST_MESSAGES).by_page(), []))
    ids = [raw_id(m.identifier) for m in acs_members]
    people = {
        i.acs_user_id: i.user for i in AcsIdentity.objects.filter(acs_user_id__in=ids).select_related("user__profile")
    }
    members = [
        Member(acs_user_id, display_name(person) if person else acs_member.display_name or "", person)
        for acs_user_id, acs_member in zip(ids, acs_members, strict=True)
        if not service.is_service_identity(acs_user_id)
        for person in [people.get(acs_user_id)]
    ]
    messages = sorted(from_acs(latest), key=lambda m: m.sequence_id)
    return LiveThread(properties.topic or "", raw_id(properties.created_by), members, messages)


def _store(thread: Thread, live: LiveThread) -> None:
    thread.topic = live.topic or thread.topic
    thread.participant_count = len(live.members)
    thread.last_activity_at = _last_activity(live.messages) or thread.last_activity_at
    thread.save(update_fields=["topic", "participant_count", "last_activity_at"])
    thread.participants.set([m.user for m in live.members if m.user is not None])


def _last_activity(messages: list[Message]) -> datetime | None:
    moments = [t for m in messages for t in (m.created_on, m.edited_on, m.deleted_on) if t is not None]
    return max(moments, default=None)
