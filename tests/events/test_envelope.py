"""Parsing Event Grid deliveries into ChatEvents: both schemas and the variations the docs show (EVENT_GRID.md)."""

import json
import re
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


def with_data(**data) -> bytes:
    return json.dumps([{**EXAMPLE, "data": {**EXAMPLE["data"], **data}}]).encode()


def with_envelope(**fields) -> bytes:
    return json.dumps([{**EXAMPLE, **fields}]).encode()


def nested(depth: int):
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


def test_metadata_is_a_map_of_strings_or_the_event_is_refused():
    assert parse(with_data(metadata=None)).events[0].metadata == {}
    for metadata in ["k=v", ["k"], {"k": 1, "ok": "v"}, {"n": None}]:
        with pytest.raises(Malformed, match="data.metadata"):
            parse(with_data(metadata=metadata))


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


@pytest.mark.parametrize(
    ("body", "field"),
    [
        # What made the webhook answer 500 or 503 (which Event Grid retries for a day), or store what no column holds.
        (b"[" * 100_000 + b"]" * 100_000, "nested deeper"),
        (with_data(transactionId=nested(62)), "nested deeper"),  # 65 levels with the array, event and data
        (with_data(messageId="1" * 40), "data.messageId"),
        (with_data(messageId=str(2**63)), "data.messageId"),
        (with_data(messageId="²"), "data.messageId"),
        (with_data(version=10**30), "data.version"),
        (with_data(version=-1), "data.version"),
        (with_data(version="1" * 40), "data.version"),
        (with_data(version="１２"), "data.version"),  # noqa: RUF001 - full-width digits: str.isdigit() takes them
        (with_data(version=1.5), "data.version"),
        (with_data(version=True), "data.version"),
        (with_envelope(eventTime="0001-01-01T00:00:00+23:59"), "eventTime"),
        (with_envelope(eventTime="9999-12-31T23:59:59-23:59"), "eventTime"),
        (with_envelope(eventTime="1999-12-31T23:59:59Z"), "eventTime"),
        (with_data(composeTime="9999-12-31T23:59:59-23:59"), "data.composeTime"),
        (with_envelope(id="e" * 5000), ".id"),
        (with_envelope(id="has space"), ".id"),
        (with_envelope(id=12), ".id"),
        (with_data(threadId="19:" + "a" * 5000 + "@thread.v2"), "data.threadId"),
        (with_data(threadId="not a thread"), "data.threadId"),
        (with_data(threadId=["19:a@thread.v2"]), "data.threadId"),
        (with_data(senderCommunicationIdentifier={"rawId": "8:acs:" + "a" * 5000}), "senderCommunicationIdentifier"),
        (with_data(senderCommunicationIdentifier={"rawId": "8:acs:a", "communicationUser": {"id": "x y"}}), "id"),
        (with_data(senderCommunicationIdentifier="8:acs:a"), "senderCommunicationIdentifier"),
        (with_data(messageBody={"text": "hi"}), "data.messageBody"),
        (with_data(senderDisplayName=7), "data.senderDisplayName"),
        (with_data(properties={"topic": 5}), "properties.topic"),
        (with_data(participants=[{"participantCommunicationIdentifier": {"rawId": "8:acs:a" * 100}}]), "rawId"),
        (json.dumps([EXAMPLE] * 5001).encode(), "more than 5000"),
    ],
)
def test_what_the_webhook_cannot_use_is_refused_naming_the_field(body, field):
    with pytest.raises(Malformed, match=re.escape(field)):
        parse(body)


def test_a_refusal_names_the_field_but_never_echoes_its_value():
    with pytest.raises(Malformed) as refused:
        parse(with_data(messageId="<script>" + "9" * 40))
    assert "<script>" not in str(refused.value) and "999" not in str(refused.value)


def test_ids_times_and_numbers_at_their_limits_are_accepted():
    body = json.dumps(
        [
            {
                **EXAMPLE,
                "id": "i" * 64,
                "eventTime": "2024-05-01T10:00:00+23:59",  # RFC 3339 allows the whole day's offsets
                "data": {
                    **EXAMPLE["data"],
                    "messageId": str(2**63 - 1),
                    "version": 2**63 - 1,
                    "threadId": "19:meeting_" + "M" * 100 + "@thread.v2",
                    "senderCommunicationIdentifier": {"rawId": "4:+14255550123", "phoneNumber": {"value": "+1"}},
                },
            }
        ]
    ).encode()
    (event,) = parse(body).events
    assert (event.message_id, event.version, event.sender) == (str(2**63 - 1), 2**63 - 1, "4:+14255550123")
    assert parse(with_data(unknownField=nested(61))).events  # 64 levels, with the array, the event and its data
    assert event.time == datetime(2024, 4, 30, 10, 1, tzinfo=UTC)


def test_a_cloudevents_time_keeps_its_offset_whatever_its_hours():
    # azure-core's CloudEvent.from_dict reads only the first digit of an offset's hours (-08:00 would be UTC).
    cloud = {"specversion": "1.0", "id": "1", "source": "s", "type": EXAMPLE["eventType"], "data": EXAMPLE["data"]}
    for time, utc in [("2024-05-01T02:00:00-08:00", 10), ("2024-05-01T23:00:00+13:00", 10)]:
        (event,) = parse(json.dumps({**cloud, "time": time}).encode()).events
        assert event.time == datetime(2024, 5, 1, utc, tzinfo=UTC)


@pytest.mark.parametrize("envelope", [{"specversion": "1.0", "source": "s", "type": EXAMPLE["eventType"]}, {}])
def test_an_event_without_an_id_is_refused_rather_than_given_a_random_one(envelope):
    # Both SDK models make up an id when there is none: such an event would never be deduplicated.
    event = {**EXAMPLE, **envelope}
    del event["id"]
    with pytest.raises(Malformed, match="no id"):
        parse(json.dumps([event]).encode())
