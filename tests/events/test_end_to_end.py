"""Another ACS client writes through the SDK; the emulator's Event Grid delivery hints the site, which reads the
change once as the service identity: the open page gets it on its next poll with no read of its own, the inbox
fields move. And deliveries survive the site being away."""

from collections import Counter
from urllib.parse import quote

import pytest
from azure.communication.chat import ChatClient, ChatParticipant, CommunicationTokenCredential
from django.db.models import F

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for
from chatsite.chat.actors import Actor
from chatsite.chat.live import state
from chatsite.chat.live.cache import MARKER
from chatsite.chat.models import InboxEntry, Thread
from chatsite.chat.services import messages, threads
from chatsite.emulator.events.models import EventDelivery
from chatsite.events.models import ReceivedEvent
from chatsite.events.signals import chat_event
from tests.chat.conftest import HTMX
from tests.chat.test_polling import open_page

from .support import wait_for


@pytest.fixture
def bot(emulator, identity_client, ana, thread_id):
    """An ACS user of another application, added to the thread by a script using Ana's ACS identity."""
    user, token = identity_client.create_user_and_token(scopes=["chat"])
    clients.thread_client(credentials_for(ana.user).token, thread_id).add_participants(
        [ChatParticipant(identifier=user, display_name="Beepbot")]
    )
    client = ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    )
    return client.get_chat_thread_client(thread_id, connection_verify=str(emulator.ca_cert))


@pytest.fixture
def handled():
    counts = Counter()

    def record(sender, event, **kwargs):
        counts[event.id] += 1

    chat_event.connect(record)
    yield counts
    chat_event.disconnect(record)


def settled():
    """Every event published so far has been delivered."""
    return not EventDelivery.objects.exists()


def test_a_message_from_another_client_reaches_the_open_page_and_the_inbox_with_one_acs_read(
    site, ana, bruno, thread_id, bot, acs_calls
):
    other = threads.thread_create(
        actor=Actor.person(ana.user), topic="Other", participants=[bruno.user], idempotency_token="o"
    )
    messages.message_send(actor=Actor.person(ana.user), thread_id=other.acs_thread_id, content="Newer than Lunch")
    poll_url = open_page(ana, thread_id)
    wait_for(settled, what="the earlier events")

    def inbox():
        return list(Thread.objects.order_by(F("last_activity_at").desc(nulls_last=True)))

    assert inbox() == [other, Thread.objects.get(acs_thread_id=thread_id)]
    marker = MARKER.current(thread_id)
    acs_calls.clear()

    bot.send_message("<p>Beep &amp; <b>boop</b></p>", chat_message_type="html", sender_display_name="Beepbot")

    wait_for(lambda: MARKER.current(thread_id) != marker, what="the marker to move")
    wait_for(settled, what="every event of the message")
    assert acs_calls == [("GET", f"/chat/threads/{quote(thread_id)}/messages")]  # one read, whatever the events
    thread = Thread.objects.get(acs_thread_id=thread_id)
    assert (thread.last_message_preview, thread.last_message_sender_name) == ("Beep & boop", "Beepbot")
    assert inbox() == [thread, other]  # the thread moved to the top of the list
    unread = dict(InboxEntry.objects.filter(thread=thread).values_list("user__username", "unread_count"))
    assert unread == {"ana": 1, "bruno": 1}

    acs_calls.clear()
    update = ana.get(poll_url, **HTMX)  # the open page's next poll
    assert update.status_code == 200 and "boop" in update.content.decode()
    assert acs_calls == []  # replayed from the read the event made


def test_a_topic_change_and_a_removal_by_another_client_are_read_and_applied(site, ana, bruno, thread_id, bot):
    wait_for(settled)
    marker = MARKER.current(thread_id)
    bot.update_topic("Renamed by the bot")
    wait_for(lambda: Thread.objects.get(acs_thread_id=thread_id).topic == "Renamed by the bot", what="the topic")
    assert MARKER.current(thread_id) != marker
    bot.remove_participant(credentials_for_identifier(bruno))
    # Bruno's open page reads "You were removed" on its next poll.
    wait_for(
        lambda: state.viewer_state(thread_id=thread_id, user_pk=bruno.user.pk) == state.REMOVED,
        what="Bruno's removal",
    )


def credentials_for_identifier(person):
    from azure.communication.chat import CommunicationUserIdentifier

    return CommunicationUserIdentifier(credentials_for(person.user).acs_user_id)


def test_events_sent_while_the_site_is_away_arrive_once_it_is_back_and_only_once(site, ana, thread_id, bot, handled):
    wait_for(settled, what="the thread's earlier events")
    site.stop()

    sent = [bot.send_message(f"Message {n} while the site is away").id for n in range(3)]
    wait_for(
        lambda: EventDelivery.objects.filter(attempts__gte=2).count() == EventDelivery.objects.count() > 0,
        what="every delivery to have failed twice",
    )
    assert not ReceivedEvent.objects.filter(event_type="ChatMessageReceivedInThread").exists()

    site.start()
    wait_for(settled, timeout=60, what="the retried deliveries")
    in_thread = ReceivedEvent.objects.filter(event_type="ChatMessageReceivedInThread")
    assert in_thread.count() == 3
    assert set(handled.values()) == {1}  # none twice
    thread = Thread.objects.get(acs_thread_id=thread_id)
    assert thread.last_message_id == int(sent[-1])
    assert thread.last_message_preview == "Message 2 while the site is away"
    assert InboxEntry.objects.get(thread=thread, user=ana.user).unread_count == 3
