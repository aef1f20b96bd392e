"""What the webhook cannot use is refused whole, with 400 (413 for a body over the size limit), which Event Grid
never retries; never with a 5xx, which it retries for a day. Against a thread the site hosts (in the emulator), so
the chat side's reactions run on whatever the webhook lets through, on SQLite and on PostgreSQL."""

import json
import uuid

import pytest
from django.test import Client

from chatsite.acs.models import AcsIdentity
from chatsite.events.models import ReceivedEvent

from .support import SECRET

URL = f"/events/acs/?secret={SECRET}"


@pytest.fixture
def webhook(settings):
    settings.EVENTGRID_SECRET = SECRET
    # A server error is an answer here (500), not an exception in the test: the answers are compared as a table.
    return Client(raise_request_exception=False)


@pytest.fixture
def message(ana, thread_id):
    """A message event of Ana's in a thread the site hosts, as ACS would send it; each call a new event id."""
    ana_id = AcsIdentity.objects.get(user=ana.user).acs_user_id

    def make(*, envelope=None, **data) -> dict:
        return {
            "id": f"refused-{uuid.uuid4()}",
            "topic": "/subscriptions/0/resourceGroups/rg/providers/Microsoft.Communication/communicationServices/acs",
            "subject": f"thread/{thread_id}/sender/{ana_id}",
            "eventType": "Microsoft.Communication.ChatMessageReceivedInThread",
            "eventTime": "2024-05-01T10:00:00.1234567Z",
            "dataVersion": "1.0",
            "metadataVersion": "1",
            "data": {
                "messageBody": "Hello",
                "messageId": "1714557600100",
                "type": "Text",
                "version": "1714557600100",
                "senderDisplayName": "Ana",
                "senderCommunicationIdentifier": {"rawId": ana_id, "communicationUser": {"id": ana_id}},
                "composeTime": "2024-05-01T10:00:00.1Z",
                "threadId": thread_id,
                "transactionId": "t",
                **data,
            },
            **(envelope or {}),
        }

    return make


def post(client, body):
    return client.post(URL, body if isinstance(body, bytes) else json.dumps(body), content_type="application/json")


def test_input_the_webhook_cannot_use_is_refused_with_400_and_nothing_of_it_is_handled(webhook, message, handled):
    cases = {
        "JSON 100,000 arrays deep": b"[" * 100_000 + b"]" * 100_000,
        "a 40-digit message id": [message(messageId="1" * 40)],
        "a message id past 2**63": [message(messageId=str(2**63))],
        "a version of 10**30": [message(version=10**30)],
        "a negative version": [message(version=-5)],
        "a version in superscript digits": [message(version="²")],
        "an eventTime at year 1, +23:59": [message(envelope={"eventTime": "0001-01-01T00:00:00+23:59"})],
        "an eventTime at year 9999, -23:59": [message(envelope={"eventTime": "9999-12-31T23:59:59-23:59"})],
        "a 5,000-character event id": [message(envelope={"id": "e" * 5000})],
        "a 5,000-character thread id": [message(threadId="19:" + "t" * 5000 + "@thread.v2")],
        "a 5,000-character sender id": [message(senderCommunicationIdentifier={"rawId": "8:acs:" + "s" * 5000})],
        "a message body that is an object": [message(messageBody={"nested": ["x"] * 3})],
        "one bad event in a batch of good ones": [message(), message(messageId="-1"), message()],
        "5,001 events": [{"id": str(n), "eventType": "Microsoft.Storage.BlobCreated"} for n in range(5001)],
    }
    answers = {name: post(webhook, body).status_code for name, body in cases.items()}

    assert answers == dict.fromkeys(cases, 400)
    assert handled == []
    assert not ReceivedEvent.objects.filter(event_id__startswith="refused-").exists()
    # The same delivery, well formed, is taken: the refusals are not the secret's or the thread's doing.
    assert post(webhook, [message()]).status_code == 200
    assert len(handled) == 1


def test_a_body_over_two_mebibytes_is_refused_with_413_before_it_is_read(webhook, message, handled):
    batch = [message(messageBody="x" * 28_000) for _ in range(80)]  # every event well formed
    assert len(json.dumps(batch)) > 2 * 1024 * 1024

    assert post(webhook, batch).status_code == 413
    assert handled == []
    assert post(webhook, batch[:5]).status_code == 200
    assert len(handled) == 5


def test_an_offset_of_a_whole_day_is_a_time_like_any_other(webhook, message, handled):
    assert post(webhook, [message(envelope={"eventTime": "2024-05-01T10:00:00+23:59"})]).status_code == 200
    assert handled[0].time.isoformat() == "2024-04-30T10:01:00+00:00"
