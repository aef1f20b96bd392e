"""Parsing Event Grid deliveries into ChatEvents: both schemas and the variations the docs show (EVENT_GRID.md)."""

import json
from datetime import UTC, datetime

import pytest

from chatsite.events.envelope import Malformed, parse

THREAD = "19:abc123@thread.v2"
ALICE = "8:acs:11111111-1111-1111-1111-111111111111_00000001-aaaa-bbbb-cccc-000000000001"
# The example of EVENT_GRID.md §3 (Event Grid schema): version as a string, 7 fractional digits.
EXAMPLE = {
    "id": "5f1c9a3e-2b7d-4c41-9e0a-7d2f6b8c1a00",
    "topic": "/subscriptions/0/resourceGroups/rg-chat/providers/Microsoft.Communication/communicationServices/acs",
    "subject": f"thread/{THREAD}/sender/{ALICE}",
    "eventType": "Microsoft.Communication.ChatMessageReceivedInThread",
    "eventTime": "2024-05-01T10:00:00.1234567Z",
    "dataVersion": "1.0",
    "metadataVersion": "1",
    "data": {
        "messageBody": "Hello",
        "messageId": "1714557600100",
        "metadata": {"k": "v"},
        "type": "Text",
        "version": "1714557600100",
        "senderDisplayName": "Alice",
        "senderCommunicationIdentifier": {"rawId": ALICE, "communicationUser": {"id": ALICE}},
        "composeTime": "2024-05-01T10:00:00.1Z",
        "threadId": THREAD,
        "transactionId": "aBcDeFgHiJkLmNoPqRsTuV.1.1.1.1.123456789.1",
    },
}


def test_the_documented_example_parses_into_a_typed_event():
    delivery = parse(json.dumps([EXAMPLE]).encode())

    (event,) = delivery.events
    assert event.type == "ChatMessageReceivedInThread"
    assert (event.thread_id, event.sender, event.sender_name) == (THREAD, ALICE, "Alice")
    assert (event.message_id, event.version, event.preview) == ("1714557600100", 1714557600100, "Hello")
    assert event.metadata == {"k": "v"}
    assert event.time == datetime(2024, 5, 1, 10, 0, 0, 123456, tzinfo=UTC)
    assert not event.user_level
    with pytest.raises(AttributeError):
        event.thread_id = "other"  # frozen


def test_cloudevents_single_object_with_offset_time_and_integer_version():
    cloud = {
        "specversion": "1.0",
        "id": "1",
        "source": EXAMPLE["topic"],
        "subject": EXAMPLE["subject"],
        "type": EXAMPLE["eventType"],
        "time": "2024-05-01T02:00:00-08:00",
        "data": {**EXAMPLE["data"], "version": 1714557600100, "legacySenderId": "ignored"},
    }
    (event,) = parse(json.dumps(cloud).encode()).events
    assert event.version == 1714557600100
    assert event.time == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    assert event.source == EXAMPLE["topic"]


def test_html_from_other_clients_previews_as_plain_text():
    data = {**EXAMPLE["data"], "type": "Html", "messageBody": "<p>Fish &amp; <b>chips</b>?</p><script>x()</script>"}
    (event,) = parse(json.dumps([{**EXAMPLE, "data": data}]).encode()).events
    assert event.preview == "Fish & chips?"


def test_participants_topic_and_recipient_are_read_from_their_events():
    bob = "8:acs:1_2"
    created = {
        **EXAMPLE,
        "eventType": "Microsoft.Communication.ChatThreadCreatedWithUser",
        "data": {
            "threadId": THREAD,
            "createdByCommunicationIdentifier": {"rawId": ALICE},
            "recipientCommunicationIdentifier": {"rawId": bob, "communicationUser": {"id": bob}},
            "properties": {"topic": "Lunch"},
            "participants": [{"displayName": "Bob", "participantCommunicationIdentifier": {"rawId": bob}}],
            "members": [{"displayName": "Bob", "memberId": bob}],
        },
    }
    (event,) = parse(json.dumps([created]).encode()).events
    assert (event.topic, event.sender, event.recipient) == ("Lunch", ALICE, bob)
    assert [(p.acs_user_id, p.display_name) for p in event.participants] == [(bob, "Bob")]
    assert event.user_level


@pytest.mark.parametrize("metadata", [None, "k=v", ["k"], {"k": 1, "n": None, "ok": "v"}])
def test_metadata_keeps_only_text_values(metadata):
    event = parse(json.dumps({**EXAMPLE, "data": {**EXAMPLE["data"], "metadata": metadata}}).encode()).events[0]
    assert event.metadata == ({"ok": "v"} if isinstance(metadata, dict) else {})


def test_validation_events_and_other_event_types():
    validation = {
        "id": "v",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "subject": "",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"},
    }
    sms = {**EXAMPLE, "eventType": "Microsoft.Communication.SMSReceived"}
    delivery = parse(json.dumps([validation, sms]).encode())
    assert delivery.validation_code == "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"
    assert (delivery.events, delivery.ignored) == ((), 1)


@pytest.mark.parametrize("body", [b"not json", b"[1]", json.dumps([{**EXAMPLE, "data": {"messageId": "1"}}]).encode()])
def test_what_is_not_a_delivery_is_malformed(body):
    with pytest.raises(Malformed):
        parse(body)
