"""The one change pipeline (services.changes.changes_apply): what ACS said, told twice, late or out of order,
changes what people see once, against the live emulator."""

import uuid

from azure.communication.chat import CommunicationUserIdentifier
from django.core.cache import cache

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.chat.actors import Actor
from chatsite.chat.models import Membership
from chatsite.chat.services import messages, threads
from chatsite.chat.services.changes import POLL, changes_apply

from .test_inbox import rows


def everything(thread_id):
    """The thread's messages as the service identity reads them (what a poll of a hosted thread hands in)."""
    return Actor.service().acs.messages_page(thread_id, page_size=200).items


def test_a_read_of_a_one_to_one_chat_keeps_it_named_after_the_other_person(ana, bruno):
    thread = threads.thread_create(
        actor=Actor.person(ana.user),
        topic="",
        participants=[bruno.user],
        idempotency_token=str(uuid.uuid4()),
        direct=True,
    )
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread.acs_thread_id, content="Hi")

    changes_apply(thread_id=thread.acs_thread_id, messages=everything(thread.acs_thread_id), source=POLL)

    assert rows(bruno) == [("Ana", 1, "Ana: Hi")]


def test_another_clients_removal_told_twice_and_after_later_messages_counts_once(ana, bruno, thread_id):
    # Another ACS client (an app on the SDK, as Ana) removes Bruno; the site's own sends go on meanwhile.
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="before")
    clients.thread_client(credentials_for(ana.user).token, thread_id).remove_participant(
        CommunicationUserIdentifier(identity_for(bruno.user).acs_user_id)
    )
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="behind his back")
    assert rows(bruno) == [("Lunch", 2, "Ana: behind his back")]  # the site has not read the removal yet

    read = everything(thread_id)
    changes_apply(thread_id=thread_id, messages=read, source=POLL)
    changes_apply(thread_id=thread_id, messages=list(reversed(read)), source=POLL)  # again, out of order
    cache.clear()  # and the cache's copy lost

    # "before" is his to open and still unread; nothing after his removal is shown (nor when it came): the row
    # says what happened to him
    assert rows(bruno) == [("Lunch", 1, "You were removed from this chat")]
    [window] = Membership.objects.filter(thread_id=thread_id, user=bruno.user)
    assert window.ended == Membership.REMOVED
    removal = next(m for m in read if m.type == "participantremoved")
    assert window.ended_version == int(removal.id)  # the last message he may see: ACS's removal message
