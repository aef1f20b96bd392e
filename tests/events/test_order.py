"""Event Grid promises neither order nor a single delivery: late and repeated events never undo newer state."""

import json
import uuid

import pytest
from django.contrib.auth import get_user_model

from chatsite.acs.models import AcsIdentity
from chatsite.chat.live import state
from chatsite.chat.live.cache import MARKER
from chatsite.chat.models import InboxEntry, Thread

from .support import SECRET

THREAD = "19:order@thread.v2"
BOT = "8:acs:bot_1"
PREFIX = "Microsoft.Communication."


@pytest.fixture
def thread(db, settings):
    settings.EVENTGRID_SECRET = SECRET
    return Thread.objects.create(acs_thread_id=THREAD, topic="Start")


@pytest.fixture
def dora(db):
    user = get_user_model().objects.create_user("dora")
    AcsIdentity.objects.create(user=user, acs_user_id="8:acs:dora_1")
    return user


def ident(raw_id):
    return {"rawId": raw_id, "communicationUser": {"id": raw_id}}


def send(client, event_type, data, time="2024-05-01T10:00:00Z"):
    envelope = {
        "id": str(uuid.uuid4()),
        "topic": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
        "subject": f"thread/{THREAD}",
        "eventType": PREFIX + event_type,
        "eventTime": time,
        "dataVersion": "1.0",
        "metadataVersion": "1",
        "data": {"threadId": THREAD, "transactionId": "t", **data},
    }
    response = client.post(f"/events/acs/?secret={SECRET}", json.dumps([envelope]), content_type="application/json")
    assert response.status_code == 200


def message(client, event_type, message_id, version, body="", time="2024-05-01T10:00:00Z", **extra):
    data = {
        "messageId": str(message_id),
        "version": str(version),  # a string, as in the thread-level doc examples
        "type": "Text",
        "messageBody": body,
        "senderDisplayName": "Bot",
        "senderCommunicationIdentifier": ident(BOT),
        **extra,
    }
    send(client, event_type, data, time)


def test_a_late_message_does_not_replace_the_newer_preview_or_move_activity_back(client, thread):
    message(client, "ChatMessageReceivedInThread", 2000, 2000, "second", time="2024-05-01T10:00:02Z")
    message(client, "ChatMessageReceivedInThread", 1000, 1000, "first", time="2024-05-01T10:00:01Z")

    thread.refresh_from_db()
    assert (thread.last_message_preview, thread.last_message_id) == ("second", 2000)
    assert thread.last_activity_at.isoformat() == "2024-05-01T10:00:02+00:00"


def test_edits_and_deletions_apply_by_version_to_the_previewed_message(client, thread):
    message(client, "ChatMessageReceivedInThread", 1000, 1000, "hello")
    message(client, "ChatMessageEditedInThread", 1000, 1300, "hello again")
    message(client, "ChatMessageEditedInThread", 1000, 1200, "hello, older edit")
    thread.refresh_from_db()
    assert thread.last_message_preview == "hello again"

    message(client, "ChatMessageDeletedInThread", 1000, 1400)
    message(client, "ChatMessageEditedInThread", 1000, 1350, "edit that lost the race")
    thread.refresh_from_db()
    assert thread.last_message_preview == ""


def test_an_edit_that_overtakes_its_message_is_not_undone_by_it(client, thread):
    message(client, "ChatMessageEditedInThread", 1000, 1300, "edited")
    message(client, "ChatMessageReceivedInThread", 1000, 1000, "original")

    thread.refresh_from_db()
    assert (thread.last_message_id, thread.last_message_preview) == (1000, "edited")


def test_topic_updates_apply_in_version_order(client, thread):
    for version, topic in ((20, "Newest"), (10, "Older")):
        send(
            client,
            "ChatThreadPropertiesUpdated",
            {
                "version": version,
                "editedByCommunicationIdentifier": ident(BOT),
                "properties": {"topic": topic},
                "metadata": {},
            },
        )
    thread.refresh_from_db()
    assert thread.topic == "Newest"


def test_a_late_added_event_does_not_bring_back_a_removed_person(client, thread, dora):
    participant = {"participantCommunicationIdentifier": ident("8:acs:dora_1"), "displayName": "Dora"}
    marker = MARKER.current(THREAD)
    send(
        client,
        "ChatThreadParticipantRemoved",
        {"version": 20, "removedByCommunicationIdentifier": ident(BOT), "participantRemoved": participant},
    )
    send(
        client,
        "ChatThreadParticipantAdded",
        {"version": 10, "addedByCommunicationIdentifier": ident(BOT), "participantAdded": participant},
    )

    assert not thread.participants.filter(pk=dora.pk).exists()
    assert InboxEntry.objects.get(thread=thread, user=dora).membership_version == 20
    assert MARKER.current(THREAD) != marker  # another client changed the roster: open pages re-read it
    assert state.viewer_state(thread_id=THREAD, user_pk=dora.pk) == state.REMOVED


def test_unread_counts_only_others_messages_after_the_last_read_one(client, thread, dora):
    recipient = {"recipientCommunicationIdentifier": ident("8:acs:dora_1")}
    InboxEntry.objects.create(thread=thread, user=dora, last_read_message_id=1500)
    message(client, "ChatMessageReceived", 1000, 1000, "read already", **recipient)
    message(client, "ChatMessageReceived", 2000, 2000, "new", **recipient)
    message(client, "ChatMessageReceived", 3000, 3000, "also new", **recipient)

    assert InboxEntry.objects.get(thread=thread, user=dora).unread_count == 2


def test_a_deleted_thread_stays_deleted(client, thread):
    send(
        client,
        "ChatThreadDeleted",
        {"version": 50, "deletedByCommunicationIdentifier": ident(BOT), "deleteTime": "2024-05-01T10:00:05Z"},
    )
    message(client, "ChatMessageReceivedInThread", 1000, 1000, "late")

    thread.refresh_from_db()
    assert thread.deleted_at is not None and thread.last_message_preview == ""
    assert state.viewer_state(thread_id=THREAD, user_pk=0) == state.DELETED
