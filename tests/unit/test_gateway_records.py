"""The ACS gateway's conversion of the SDK's models into the plain records the rest of the site reads."""

from datetime import UTC, datetime

import pytest
from azure.communication.chat import (
    ChatMessage,
    ChatMessageContent,
    ChatMessageType,
    ChatParticipant,
    CommunicationUserIdentifier,
    MicrosoftTeamsUserIdentifier,
    PhoneNumberIdentifier,
)
from azure.communication.chat._generated import models as wire_models

from chatsite.acs.gateway import _message, _participant
from chatsite.acs.records import Member, Message

pytestmark = pytest.mark.unit

ANA, BRUNO, CARLA = "8:acs:ana", "8:acs:bruno", "8:acs:carla"
CREATED = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
EDITED = datetime(2026, 3, 2, 12, 5, tzinfo=UTC)


def sdk_message(**fields) -> ChatMessage:
    """A ChatMessage as the SDK hands it out; every field the SDK sets, overridable."""
    values = {
        "id": "1722355555123",
        "type": ChatMessageType.TEXT,
        "sequence_id": "7",
        "version": "1722355555123",
        "content": ChatMessageContent(message="Hello"),
        "sender_display_name": "Ana",
        "created_on": CREATED,
        "sender": CommunicationUserIdentifier(ANA),
        "deleted_on": None,
        "edited_on": None,
    }
    return ChatMessage(**(values | fields))


def test_a_text_message_becomes_a_record():
    record = _message(sdk_message(metadata={"client": "web"}))

    assert record == Message(
        id="1722355555123",
        sequence_id=7,
        type="text",
        created_on=CREATED,
        version="1722355555123",
        sender_id=ANA,
        sender_display_name="Ana",
        content="Hello",
        metadata={"client": "web"},
    )


def test_an_html_message_keeps_its_markup_for_presentation_to_sanitize():
    html = '<p><b>Hi</b> <a href="https://example.com">link</a><script>x()</script></p>'

    record = _message(sdk_message(type=ChatMessageType.HTML, content=ChatMessageContent(message=html)))

    assert record.type == "html"
    assert record.content == html


def test_edited_and_deleted_messages_keep_their_times_and_lose_nothing_else():
    edited = _message(sdk_message(edited_on=EDITED, version="2"))
    deleted = _message(sdk_message(deleted_on=EDITED, content=None, sender_display_name=None))

    assert (edited.edited_on, edited.version, edited.content) == (EDITED, "2", "Hello")
    assert (deleted.deleted_on, deleted.content, deleted.sender_display_name) == (EDITED, "", "")
    assert deleted.metadata == {}


def test_participants_added_names_who_acted_and_whom():
    content = ChatMessageContent(
        initiator=CommunicationUserIdentifier(ANA),
        participants=[
            ChatParticipant(
                identifier=CommunicationUserIdentifier(BRUNO), display_name="Bruno", share_history_time=CREATED
            ),
            ChatParticipant(identifier=CommunicationUserIdentifier(CARLA)),
        ],
    )

    record = _message(
        sdk_message(type=ChatMessageType.PARTICIPANT_ADDED, content=content, sender=None, sender_display_name=None)
    )

    assert record.type == "participantadded"
    assert record.sender_id is None
    assert record.initiator_id == ANA
    assert record.participants == (Member(BRUNO, "Bruno"), Member(CARLA, ""))
    assert record.content == ""


def test_a_topic_change_carries_the_new_topic():
    content = ChatMessageContent(topic="Lunch on Friday", initiator=CommunicationUserIdentifier(BRUNO))

    record = _message(sdk_message(type=ChatMessageType.TOPIC_UPDATED, content=content, sender=None))

    assert (record.type, record.topic, record.initiator_id, record.participants) == (
        "topicupdated",
        "Lunch on Friday",
        BRUNO,
        (),
    )


def test_senders_of_other_kinds_are_known_by_their_raw_id():
    phone = _message(sdk_message(sender=PhoneNumberIdentifier("+14255550123")))
    teams = _message(sdk_message(sender=MicrosoftTeamsUserIdentifier("a1b2c3")))

    assert phone.sender_id == "4:+14255550123"
    assert teams.sender_id == "8:orgid:a1b2c3"


def test_a_type_the_sdk_does_not_know_passes_through_in_lower_case():
    assert _message(sdk_message(type="RichText/Media")).type == "richtext/media"


def from_wire(body: dict) -> ChatMessage:
    """What the SDK makes of an ACS answer's message, through its own deserializer."""
    return ChatMessage._from_generated(wire_models.ChatMessage.deserialize(body))


def wire_identifier(raw_id: str) -> dict:
    return {"rawId": raw_id, "communicationUser": {"id": raw_id}}


def test_a_system_message_from_the_wire():
    body = {
        "id": "1",
        "type": "participantRemoved",
        "sequenceId": "4",
        "version": "1",
        "createdOn": "2026-03-02T12:00:00Z",
        "content": {
            "participants": [
                {"communicationIdentifier": wire_identifier(BRUNO), "displayName": "Bruno"},
                {"communicationIdentifier": wire_identifier(CARLA), "displayName": "Carla"},
            ],
            "initiatorCommunicationIdentifier": wire_identifier(ANA),
        },
    }

    record = _message(from_wire(body))

    assert record == Message(
        id="1",
        sequence_id=4,
        type="participantremoved",
        created_on=CREATED,
        version="1",
        initiator_id=ANA,
        participants=(Member(BRUNO, "Bruno"), Member(CARLA, "Carla")),
    )


def test_an_html_message_from_the_wire():
    body = {
        "id": "1722355555999",
        "type": "html",
        "sequenceId": "12",
        "version": "1722355556000",
        "createdOn": "2026-03-02T12:00:00Z",
        "editedOn": "2026-03-02T12:05:00Z",
        "senderDisplayName": "Carla (Teams)",
        "senderCommunicationIdentifier": wire_identifier(CARLA),
        "content": {"message": "<p>Hi <em>all</em></p>"},
        "metadata": {"tag": "x"},
    }

    record = _message(from_wire(body))

    assert (record.type, record.sequence_id, record.sender_id, record.sender_display_name) == (
        "html",
        12,
        CARLA,
        "Carla (Teams)",
    )
    assert (record.content, record.edited_on, record.metadata) == ("<p>Hi <em>all</em></p>", EDITED, {"tag": "x"})


def test_a_member_becomes_an_sdk_participant():
    participant = _participant(Member(BRUNO, "Bruno", CREATED))

    assert participant.identifier.raw_id == BRUNO
    assert (participant.display_name, participant.share_history_time) == ("Bruno", CREATED)
