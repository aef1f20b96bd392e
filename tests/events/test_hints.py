"""Events are hints: an event moves nothing a person sees by itself; it makes the site read ACS, and only what ACS
says is applied. Forged events (with the secret) change nothing ACS does not confirm, and however many arrive for a
thread, they cost a couple of reads. Changes another client makes with a site person's own identity (their phone)
reach the other person's open page and a reload."""

import json
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import quote

import pytest
import requests
from azure.communication.chat import (
    ChatClient,
    ChatParticipant,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)
from django.test import Client
from django.urls import reverse
from django.utils.html import strip_tags

from chatsite.acs.identities import credentials_for
from chatsite.chat.actors import Actor
from chatsite.chat.live import hints, state
from chatsite.chat.live.cache import MARKER
from chatsite.chat.models import InboxEntry, Thread
from chatsite.chat.services import membership, messages, threads
from chatsite.emulator.events.models import EventDelivery
from tests.chat.conftest import HTMX, Page
from tests.chat.test_inbox import rows

from .support import SECRET, wait_for

URL = f"/events/acs/?secret={SECRET}"
PREFIX = "Microsoft.Communication."
FORGED_ID = "9999999999999"  # a message id from the year 2286: "newer" than anything ACS will send


def ident(raw_id):
    return {"rawId": raw_id, "communicationUser": {"id": raw_id}}


def envelope(event_type, thread_id, data):
    return {
        "id": str(uuid.uuid4()),
        "subject": f"thread/{thread_id}",
        "eventType": PREFIX + event_type,
        "eventTime": "2099-12-31T23:59:59Z",
        "dataVersion": "1.0",
        "data": {"threadId": thread_id, "transactionId": "t", **data},
    }


def deliver(events):
    response = Client().post(URL, json.dumps(events), content_type="application/json")
    assert response.status_code == 200
    return response


def acs_id(person):
    return credentials_for(person.user).acs_user_id


def reads(acs_calls, thread_id):
    """ACS reads of the thread's messages."""
    return [c for c in acs_calls if c == ("GET", f"/chat/threads/{quote(thread_id)}/messages")]


@pytest.fixture
def forging(emulator, settings):
    settings.EVENTGRID_SECRET = SECRET


def attacks(thread_id, ana, bruno):
    """The five attacks of issue 19, as the events an attacker holding the secret would send."""
    message = {
        "messageId": FORGED_ID,
        "senderCommunicationIdentifier": ident(acs_id(ana)),
        "senderDisplayName": "Ana",
        "composeTime": "2099-12-31T23:59:59Z",
        "type": "Text",
        "version": FORGED_ID,
        "messageBody": "Forged",
    }
    return {
        "preview ACS lacks, pinned": [envelope("ChatMessageReceivedInThread", thread_id, message)],
        "rename": [
            envelope(
                "ChatThreadPropertiesUpdated",
                thread_id,
                {
                    "editedByCommunicationIdentifier": ident(acs_id(ana)),
                    "editTime": "2099-12-31T23:59:59Z",
                    "version": int(FORGED_ID),
                    "properties": {"topic": "Hacked"},
                },
            )
        ],
        "+5 unread": [
            envelope(
                "ChatMessageReceived",
                thread_id,
                {
                    **message,
                    "messageId": str(int(FORGED_ID) - n),
                    "recipientCommunicationIdentifier": ident(acs_id(bruno)),
                },
            )
            for n in range(1, 6)
        ],
        "lock a member out": [
            envelope(
                "ChatThreadParticipantRemoved",
                thread_id,
                {
                    "time": "2099-12-31T23:59:59Z",
                    "version": int(FORGED_ID),
                    "removedByCommunicationIdentifier": ident(acs_id(ana)),
                    "participantRemoved": {
                        "displayName": "Bruno",
                        "participantCommunicationIdentifier": ident(acs_id(bruno)),
                    },
                },
            )
        ],
        "chat vanishes from a list": [
            envelope(
                "ChatThreadDeleted",
                thread_id,
                {
                    "createTime": "2024-05-01T10:00:00Z",
                    "deleteTime": "2099-12-31T23:59:59Z",
                    "version": int(FORGED_ID),
                    "deletedByCommunicationIdentifier": ident(acs_id(ana)),
                },
            )
        ],
    }


def seen_by(person, thread_id):
    """What the person sees of the thread: their list, their page (and whether they may still send)."""
    page = person.get(reverse("chat:thread_detail", args=[thread_id]))
    return {
        "list": rows(person),
        "page": page.status_code,
        "removed": state.viewer_state(thread_id=thread_id, user_pk=person.user.pk),
        "unread": InboxEntry.objects.filter(thread__acs_thread_id=thread_id, user=person.user)
        .values_list("unread_count", flat=True)
        .first(),
        "topic": Thread.objects.get(acs_thread_id=thread_id).topic,
        "preview": Thread.objects.get(acs_thread_id=thread_id).last_message_preview,
    }


@pytest.mark.parametrize(
    "attack", ["preview ACS lacks, pinned", "rename", "+5 unread", "lock a member out", "chat vanishes from a list"]
)
def test_forged_events_change_nothing_acs_does_not_confirm(forging, ana, bruno, thread_id, attack, acs_calls):
    ana.post(reverse("chat:message_send", args=[thread_id]), {"content": "Real news"}, **HTMX)
    before = seen_by(bruno, thread_id)
    acs_calls.clear()

    deliver(attacks(thread_id, ana, bruno)[attack])

    # It made the site look once (the per-person "message received" not even that: the thread-level event of a
    # message always comes too).
    assert len(reads(acs_calls, thread_id)) == (0 if attack == "+5 unread" else 1)
    assert seen_by(bruno, thread_id) == before
    assert "Forged" not in Page(bruno, thread_id).html
    sent = bruno.post(reverse("chat:message_send", args=[thread_id]), {"content": "Still here"}, **HTMX)
    assert sent.status_code == 200  # not locked out
    # What ACS does confirm still arrives: the next real message is the preview, not the pinned forgery.
    assert seen_by(ana, thread_id)["preview"] == "Still here"


def test_ten_thousand_forged_events_for_a_thread_cost_at_most_two_reads(site, ana, bruno, thread_id, acs_calls):
    kinds = [events[0] for events in attacks(thread_id, ana, bruno).values()]
    for kind in kinds:  # as small as the webhook takes them
        del kind["subject"], kind["dataVersion"], kind["data"]["transactionId"]
        kind["data"].pop("senderDisplayName", None)
    events = [{**kinds[n % len(kinds)], "id": f"{n:x}"} for n in range(10_000)]
    wait_for(lambda: settled(thread_id), what="the thread's earlier events")
    before = seen_by(bruno, thread_id)
    acs_calls.clear()

    def post(batch):
        return requests.post(site.url + URL, data=json.dumps(batch), timeout=120).status_code

    started = time.monotonic()
    # Four deliveries of 2,500 (under the webhook's 2 MB each), at once, as Event Grid delivers.
    with ThreadPoolExecutor(4) as pool:
        statuses = list(pool.map(post, [events[n : n + 2500] for n in range(0, len(events), 2500)]))
    took = time.monotonic() - started

    assert statuses == [200] * 4
    assert 1 <= len(reads(acs_calls, thread_id)) <= 2
    assert acs_calls == reads(acs_calls, thread_id)  # nothing else was asked either
    assert seen_by(bruno, thread_id) == before
    print(f"10,000 forged events: {len(reads(acs_calls, thread_id))} ACS reads, delivered in {took:.1f} s")


@pytest.fixture
def phone(emulator, identity_client, ana, thread_id):
    """Ana's phone: another ACS client (the SDK) acting with Ana's own ACS identity."""
    token = identity_client.get_token(CommunicationUserIdentifier(acs_id(ana)), scopes=["chat"])
    client = ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    )
    return client.get_chat_thread_client(thread_id, connection_verify=str(emulator.ca_cert))


def settled(thread_id):
    return not EventDelivery.objects.exists() and hints.idle(thread_id)


def test_changes_from_a_persons_phone_reach_the_others_open_page_and_a_reload(
    site, ana, bruno, thread_id, phone, make_person, acs_calls
):
    dora = make_person("dora", "Dora")
    page = Page(bruno, thread_id)
    wait_for(lambda: settled(thread_id), what="the thread's earlier events")
    costs = {}

    def change(what, act, shows):
        marker = MARKER.current(thread_id)
        acs_calls.clear()
        result = act()
        wait_for(lambda: MARKER.current(thread_id) != marker, what=f"the marker to move ({what})")
        wait_for(lambda: settled(thread_id), what=f"the events of {what}")
        hinted = list(acs_calls)
        html = strip_tags(page.poll())  # as read: names in system messages are isolated (<bdi>)
        assert shows in html, what  # Bruno's open page, on its next poll
        polled = acs_calls[len(hinted) :]
        reload = strip_tags(bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode())
        assert shows in reload, what  # and a reload
        costs[what] = (hinted, polled, acs_calls[len(hinted) + len(polled) :])
        return result

    sent = change("send", lambda: phone.send_message("Sent from my phone", sender_display_name="Ana"), "from my phone")
    change("edit", lambda: phone.update_message(sent.id, content="Edited on my phone"), "Edited on my phone")
    change("delete", lambda: phone.delete_message(sent.id), "This message was deleted")
    change("rename", lambda: phone.update_topic("Renamed on my phone"), "Renamed on my phone")
    dora_id = CommunicationUserIdentifier(acs_id(dora))
    change("add", lambda: phone.add_participants([ChatParticipant(identifier=dora_id, display_name="Dora")]), "Dora")
    change("remove", lambda: phone.remove_participant(dora_id), "removed Dora")

    print(
        "ACS calls per change (event's read, Bruno's poll, his reload):",
        {what: tuple(len(calls) for calls in made) for what, made in costs.items()},
    )
    roster = ("GET", f"/chat/threads/{quote(thread_id)}/participants")
    for what, (hinted, polled, _reload) in costs.items():
        assert hinted == reads(hinted, thread_id) and len(hinted) == 1, what  # one read, for the hint
        # The poll replays that read. A rename or a membership change may move the roster version too, whose one
        # read (the participants, with whom the panel shows the header) serves every open page.
        assert polled in ([], [roster]), what


def test_a_thread_another_client_creates_with_a_person_shows_in_their_open_list(
    site, identity_client, emulator, ana, bruno, thread_id
):
    list_page = bruno.get(reverse("chat:thread_list")).content.decode()
    from tests.chat.test_inbox import parse_rows, poll_url

    url = poll_url(list_page)
    assert [row[0] for row in parse_rows(list_page)] == ["Lunch"]
    user, token = identity_client.create_user_and_token(scopes=["chat"])
    client = ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    )
    bruno_id = CommunicationUserIdentifier(acs_id(bruno))
    client.create_chat_thread("Made on a phone", thread_participants=[ChatParticipant(identifier=bruno_id)])

    def listed():
        answer = bruno.get(url, **HTMX)
        return answer.status_code == 200 and "Made on a phone" in answer.content.decode()

    started = time.monotonic()
    wait_for(listed, what="the new chat in Bruno's open list")
    print(f"A chat made elsewhere showed in the open list after {time.monotonic() - started:.2f} s")


def test_a_chat_deleted_by_a_persons_phone_ends_the_others_page_and_leaves_their_list(
    site, emulator, identity_client, ana, bruno, thread_id
):
    page = Page(bruno, thread_id)
    assert [row[0] for row in rows(bruno)] == ["Lunch"]
    wait_for(lambda: settled(thread_id), what="the thread's earlier events")
    token = identity_client.get_token(CommunicationUserIdentifier(acs_id(ana)), scopes=["chat"])
    ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    ).delete_chat_thread(thread_id)

    wait_for(
        lambda: state.viewer_state(thread_id=thread_id, user_pk=bruno.user.pk) == state.DELETED,
        what="the deletion, as ACS confirms it",
    )
    assert 'id="gone"' in page.poll()  # the composer gives way to why the chat ended
    assert rows(bruno) == []


def test_the_sites_own_writes_need_no_read_for_their_events(site, ana, bruno, thread_id, make_person, acs_calls):
    """Told by what the site wrote, not by whose identity: Ana's writes through the site cost their events no read
    (her phone's, above, cost one each)."""
    dora = make_person("dora", "Dora")
    wait_for(lambda: settled(thread_id), what="the thread's earlier events")
    actor = Actor.person(ana.user)
    costs = {}

    def write(what, act):
        acs_calls.clear()
        result = act()
        wait_for(lambda: settled(thread_id), what=f"the events of {what}")
        costs[what] = len(reads(acs_calls, thread_id))
        return result

    sent = write(
        "send",
        lambda: messages.message_send(actor=actor, thread_id=thread_id, content="Hi", client_id=str(uuid.uuid4())),
    )
    write("edit", lambda: messages.message_edit(actor=actor, thread_id=thread_id, message_id=sent, content="Hey"))
    write("delete", lambda: messages.message_delete(actor=actor, thread_id=thread_id, message_id=sent))
    write("rename", lambda: threads.topic_update(actor=actor, thread_id=thread_id, topic="Dinner"))
    write(
        "add",
        lambda: membership.participants_add(actor=actor, thread_id=thread_id, people=[dora.user], history_from=None),
    )
    write("remove", lambda: membership.participant_remove(actor=actor, thread_id=thread_id, acs_user_id=acs_id(dora)))
    print("ACS message reads the events of the site's own writes made:", costs)
    # A send's event that beats the site's own handling of ACS's answer (the message id not recorded yet) is read
    # once; everything else the site noted before it called ACS.
    assert costs.pop("send") <= 1
    assert costs == dict.fromkeys(costs, 0)
