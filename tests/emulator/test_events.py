"""The emulator publishes ACS's chat events to Event Grid subscriptions, as documented (EVENT_GRID.md).

Driven through the SDKs, received by a recording webhook over HTTP.
"""

import io
import json
import re
import threading
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from azure.communication.chat import ChatParticipant
from django.core.management import CommandError, call_command
from django.utils import timezone

from chatsite.emulator.events import subscriptions
from chatsite.emulator.events.models import EventDelivery, EventSubscription
from tests.events.support import Recorder, Schema, wait_for

from .chat_members import Member

DEFINITIONS = {
    "ChatThreadCreated": "AcsChatThreadCreatedEventData",
    "ChatThreadCreatedWithUser": "AcsChatThreadCreatedWithUserEventData",
    "ChatThreadDeleted": "AcsChatThreadDeletedEventData",
    "ChatThreadWithUserDeleted": "AcsChatThreadWithUserDeletedEventData",
    "ChatThreadPropertiesUpdated": "AcsChatThreadPropertiesUpdatedEventData",
    "ChatThreadPropertiesUpdatedPerUser": "AcsChatThreadPropertiesUpdatedPerUserEventData",
    "ChatThreadParticipantAdded": "AcsChatParticipantAddedToThreadEventData",
    "ChatParticipantAddedToThreadWithUser": "AcsChatParticipantAddedToThreadWithUserEventData",
    "ChatThreadParticipantRemoved": "AcsChatParticipantRemovedFromThreadEventData",
    "ChatParticipantRemovedFromThreadWithUser": "AcsChatParticipantRemovedFromThreadWithUserEventData",
    "ChatMessageReceivedInThread": "AcsChatMessageReceivedInThreadEventData",
    "ChatMessageReceived": "AcsChatMessageReceivedEventData",
    "ChatMessageEditedInThread": "AcsChatMessageEditedInThreadEventData",
    "ChatMessageEdited": "AcsChatMessageEditedEventData",
    "ChatMessageDeletedInThread": "AcsChatMessageDeletedInThreadEventData",
    "ChatMessageDeleted": "AcsChatMessageDeletedEventData",
}
SUBJECTS = {
    "ChatThreadCreated": "thread/{t}/createdBy/{a}",
    "ChatThreadCreatedWithUser": "thread/{t}/createdBy/{a}/recipient/{r}",
    "ChatThreadDeleted": "thread/{t}/deletedBy/{a}",
    "ChatThreadWithUserDeleted": "thread/{t}/deletedBy/{a}/recipient/{r}",
    "ChatThreadPropertiesUpdated": "thread/{t}/editedBy/{a}",
    "ChatThreadPropertiesUpdatedPerUser": "thread/{t}/editedBy/{a}/recipient/{r}",
    "ChatThreadParticipantAdded": "thread/{t}/participantadded/{p}",
    "ChatParticipantAddedToThreadWithUser": "thread/{t}/participantAdded/{p}/recipient/{r}",
    "ChatThreadParticipantRemoved": "thread/{t}/participantremoved/{p}",
    "ChatParticipantRemovedFromThreadWithUser": "thread/{t}/participantRemoved/{p}/recipient/{r}",
    "ChatMessageReceivedInThread": "thread/{t}/sender/{a}",
    "ChatMessageReceived": "thread/{t}/sender/{a}/recipient/{r}",
    "ChatMessageEditedInThread": "thread/{t}/sender/{a}",
    "ChatMessageEdited": "thread/{t}/sender/{a}/recipient/{r}",
    "ChatMessageDeletedInThread": "thread/{t}/sender/{a}",
    "ChatMessageDeleted": "thread/{t}/sender/{a}/recipient/{r}",
}
TOPIC = re.compile(
    r"^/subscriptions/[0-9a-f-]{36}/resourceGroups/[^/]+/providers/Microsoft\.Communication/communicationServices/[^/]+$"
)


@pytest.fixture
def recorder():
    recorder = Recorder()
    yield recorder
    recorder.stop()


@pytest.fixture
def fast_retries(settings):
    # Event Grid's schedule (10 s, 30 s, 1 min, …) at a hundredth of the time.
    settings.ACS_EMULATOR_EVENTS_TIME_SCALE = 0.01


@pytest.fixture
def member(make_user, chat_client_for, emulator):
    def make():
        user, token = make_user()
        return Member(user, token, chat_client_for(token), str(emulator.ca_cert))

    return make


def id_of(identifier: dict) -> str:
    return identifier["rawId"]


def subject_of(event_type: str, data: dict) -> str:
    actor = next(
        (data[k] for k in data if k.endswith("ByCommunicationIdentifier") or k == "senderCommunicationIdentifier"),
        None,
    )
    participant = data.get("participantAdded") or data.get("participantRemoved")
    return SUBJECTS[event_type].format(
        t=data["threadId"],
        a=id_of(actor) if actor else "",
        p=id_of(participant["participantCommunicationIdentifier"]) if participant else "",
        r=id_of(data["recipientCommunicationIdentifier"]) if "recipientCommunicationIdentifier" in data else "",
    )


def test_every_chat_event_matches_the_published_schema_field_by_field(member, recorder):
    subscriptions.create(name="all", endpoint=recorder.url)
    ana, bruno, carla = member(), member(), member()
    result = ana.client.create_chat_thread(
        "Lunch", thread_participants=[ChatParticipant(identifier=bruno.user, display_name="Bruno")]
    )
    thread = ana.thread(result.chat_thread.id)
    message_id = thread.send_message("<p>Hi <b>all</b></p>", chat_message_type="html", sender_display_name="Ana")
    thread.update_message(message_id.id, content="Hi everyone")
    thread.delete_message(message_id.id)
    thread.update_topic("Dinner")
    thread.add_participants([ChatParticipant(identifier=carla.user, display_name="Carla")])
    thread.remove_participant(carla.user)
    ana.client.delete_chat_thread(result.chat_thread.id)

    wait_for(lambda: len(recorder.of_type("ChatThreadWithUserDeleted")) == 2, what="the thread deletion events")
    wait_for(lambda: not EventDelivery.objects.exists(), what="every delivery")
    schema = Schema()
    seen = set()
    for event in recorder.events():
        name = event["eventType"].removeprefix("Microsoft.Communication.")
        seen.add(name)
        assert set(event) == {
            "id",
            "topic",
            "subject",
            "eventType",
            "eventTime",
            "dataVersion",
            "metadataVersion",
            "data",
        }
        assert (event["dataVersion"], event["metadataVersion"]) == ("1.0", "1")
        assert TOPIC.match(event["topic"]), event["topic"]
        datetime.fromisoformat(event["eventTime"])
        schema.check(DEFINITIONS[name], event["data"])
        assert event["subject"] == subject_of(name, event["data"])
    assert seen == set(DEFINITIONS)
    assert len({e["id"] for e in recorder.events()}) == len(recorder.events())
    # Each delivery is one event in an array, with Event Grid's headers (batching is off by default).
    assert all(len(d["body"]) == 1 and d["headers"]["aeg-event-type"] == "Notification" for d in recorder.deliveries)

    received = recorder.of_type("ChatMessageReceivedInThread")[0]["data"]
    assert received["messageId"] == message_id.id and received["type"] == "Html"
    assert received["messageBody"] == "<p>Hi <b>all</b></p>" and received["senderDisplayName"] == "Ana"
    assert recorder.of_type("ChatMessageEditedInThread")[0]["data"]["messageBody"] == "Hi everyone"
    assert recorder.of_type("ChatThreadPropertiesUpdated")[0]["data"]["properties"] == {"topic": "Dinner"}
    created = recorder.of_type("ChatThreadCreated")[0]["data"]
    assert {id_of(p["participantCommunicationIdentifier"]) for p in created["participants"]} == {ana.id, bruno.id}
    # User-level: one per participant; the sender of a message gets none for it.
    assert [id_of(e["data"]["recipientCommunicationIdentifier"]) for e in recorder.of_type("ChatMessageReceived")] == [
        bruno.id
    ]
    assert recorder.of_type("ChatThreadParticipantAdded")[0]["data"]["participantAdded"]["displayName"] == "Carla"


def test_cloudevents_subscription_gets_the_options_handshake_and_cloudevents(member, recorder):
    subscriptions.create(name="cloud", endpoint=recorder.url, schema="CloudEventSchemaV1_0")
    ana = member()
    ana.client.create_chat_thread("Hello")

    wait_for(lambda: recorder.of_type("ChatThreadCreated"), what="the ChatThreadCreated CloudEvent")
    event = recorder.of_type("ChatThreadCreated")[0]
    assert set(event) == {"specversion", "id", "source", "subject", "type", "time", "data"}
    assert event["specversion"] == "1.0" and TOPIC.match(event["source"])
    delivery = recorder.deliveries[0]
    assert delivery["headers"]["Content-Type"].startswith("application/cloudevents+json")
    assert delivery["headers"]["Origin"] == "eventgrid.azure.net"


def test_batches_carry_several_events_in_one_request(member, recorder):
    subscriptions.create(
        name="batched",
        endpoint=recorder.url,
        event_types=["Microsoft.Communication.ChatThreadCreatedWithUser"],
        max_events_per_batch=10,
    )
    ana, bruno, carla = member(), member(), member()
    ana.client.create_chat_thread(
        "Party", thread_participants=[ChatParticipant(identifier=u.user) for u in (bruno, carla)]
    )

    wait_for(lambda: recorder.deliveries, what="the batch")
    assert len(recorder.deliveries) == 1
    assert len(recorder.deliveries[0]["body"]) == 3
    assert {e["eventType"] for e in recorder.events()} == {"Microsoft.Communication.ChatThreadCreatedWithUser"}


def test_a_failing_endpoint_gets_the_event_again_until_it_answers(member, recorder, fast_retries):
    subscriptions.create(name="flaky", endpoint=recorder.url, event_types=["Microsoft.Communication.ChatThreadCreated"])
    recorder.fail_with = 503
    ana = member()
    ana.client.create_chat_thread("Retry me")

    wait_for(lambda: EventDelivery.objects.filter(attempts__gte=2).exists(), what="two failed attempts")
    recorder.fail_with = None
    wait_for(lambda: recorder.deliveries, timeout=60, what="the retried delivery")
    wait_for(lambda: not EventDelivery.objects.exists(), what="the outbox to empty")
    assert len(recorder.of_type("ChatThreadCreated")) == 1
    assert int(recorder.deliveries[0]["headers"]["aeg-delivery-count"]) >= 2


def test_refused_events_are_dead_lettered_at_once_or_after_the_last_attempt(member, recorder, fast_retries):
    busy = Recorder()
    created = ["Microsoft.Communication.ChatThreadCreated"]
    subscriptions.create(name="strict", endpoint=recorder.url, event_types=created)
    subscriptions.create(name="limited", endpoint=busy.url, event_types=created, max_delivery_attempts=2)
    recorder.fail_with = 400  # never retried
    busy.fail_with = 503  # retried until the attempts run out
    try:
        member().client.create_chat_thread("Doomed")
        wait_for(lambda: EventDelivery.objects.filter(state="deadLettered").count() == 2, what="two dead letters")
    finally:
        busy.stop()

    out = io.StringIO()
    call_command("emulator_events", "deadletters", stdout=out)
    letters = {entry["subscription"]: entry for entry in map(json.loads, out.getvalue().splitlines())}
    assert (letters["strict"]["deliveryAttempts"], letters["strict"]["lastDeliveryOutcome"]) == (1, "BadRequest")
    assert letters["limited"]["deadLetterReason"] == "MaxDeliveryAttemptsExceeded"
    assert (letters["limited"]["deliveryAttempts"], letters["limited"]["lastDeliveryOutcome"]) == (2, "Busy")
    assert letters["strict"]["eventType"] == "Microsoft.Communication.ChatThreadCreated"
    assert "publishTime" in letters["strict"] and "lastDeliveryAttemptTime" in letters["strict"]
    assert recorder.deliveries == [] and busy.deliveries == []


def test_the_commands_add_list_and_remove_subscriptions(emulator, recorder):
    out = io.StringIO()
    call_command(
        "emulator_events",
        "add",
        "site",
        recorder.url + "?secret=hidden",
        "--event-types",
        "ChatMessageReceivedInThread",
        stdout=out,
    )
    assert "validated" in out.getvalue()

    out = io.StringIO()
    call_command("emulator_events", "list", stdout=out)
    assert "site" in out.getvalue() and "ChatMessageReceivedInThread" in out.getvalue()
    assert "hidden" not in out.getvalue() and "secret=%2A%2A%2A" in out.getvalue()

    call_command("emulator_events", "remove", "site", stdout=io.StringIO())
    with pytest.raises(CommandError):
        call_command("emulator_events", "remove", "site")


def test_an_endpoint_that_fails_the_handshake_is_not_subscribed(emulator, recorder):
    with pytest.raises(CommandError, match="did not validate"):
        # A path of the site that does not answer the validation event.
        call_command("emulator_events", "add", "wrong", "http://127.0.0.1:9/nothing-listens-here")
    with pytest.raises(CommandError, match="http"):
        call_command("emulator_events", "add", "wrong", "ftp://example.com/")


def test_thread_metadata_rides_on_thread_created_and_a_metadata_only_update_publishes_properties_updated(
    member, recorder
):
    """2025-03-15 thread metadata: ChatThreadCreated carries it (not `{}`); changing only the metadata publishes
    ChatThreadPropertiesUpdated with the merged metadata and the unchanged topic; no change publishes nothing."""
    subscriptions.create(name="all", endpoint=recorder.url)
    ana, bruno = member(), member()
    v = "2025-03-15"
    created = ana.raw("POST", "/chat/threads", api_version=v, json={
        "topic": "Apollo",
        "metadata": {"project": "apollo", "stage": "1"},
        "participants": [{"communicationIdentifier": {"rawId": bruno.id}, "metadata": {"role": "guest"}}],
    })
    assert created.status_code == 201, created.text()
    thread_id = created.json()["chatThread"]["id"]
    path = f"/chat/threads/{thread_id}"
    merge = {"Content-Type": "application/merge-patch+json"}
    for body in ({"metadata": {"stage": "2", "project": None}}, {"metadata": {"stage": "2"}}, {}):
        assert ana.raw("PATCH", path, api_version=v, json=body, headers=merge).status_code == 204
    ana.thread(thread_id).update_topic("Apollo 2")

    wait_for(lambda: len(recorder.of_type("ChatThreadPropertiesUpdated")) == 2, what="two property updates")
    wait_for(lambda: not EventDelivery.objects.exists(), what="every delivery")
    schema = Schema()
    thread_created = recorder.of_type("ChatThreadCreated")[0]["data"]
    assert thread_created["metadata"] == {"project": "apollo", "stage": "1"}
    by_id = {id_of(p["participantCommunicationIdentifier"]): p for p in thread_created["participants"]}
    assert by_id[bruno.id]["metadata"] == {"role": "guest"} and "metadata" not in by_id[ana.id]
    assert [e["data"]["metadata"] for e in recorder.of_type("ChatThreadCreatedWithUser")] == [
        {"project": "apollo", "stage": "1"}
    ] * 2
    updates = [e["data"] for e in recorder.of_type("ChatThreadPropertiesUpdated")]
    assert [(u["properties"], u["metadata"]) for u in updates] == [
        ({"topic": "Apollo"}, {"stage": "2"}),  # the metadata-only change; the same value again and {} publish none
        ({"topic": "Apollo 2"}, {"stage": "2"}),
    ]
    assert updates[0]["version"] < updates[1]["version"]
    per_user = recorder.of_type("ChatThreadPropertiesUpdatedPerUser")
    assert len(per_user) == 4 and {e["data"]["metadata"]["stage"] for e in per_user} == {"2"}
    for event in recorder.events():
        name = event["eventType"].removeprefix("Microsoft.Communication.")
        schema.check(DEFINITIONS[name], event["data"])
    # The metadata change wrote no system message: only the topic's.
    topics = [m.content.topic for m in ana.thread(thread_id).list_messages() if m.type == "topicUpdated"]
    assert topics == ["Apollo 2", "Apollo"]


class ValidationWebhook:
    """An Event Grid endpoint that records the validation event; `echo` False answers 200 without the code, as
    an endpoint that cannot echo it does (it then relies on validationUrl)."""

    def __init__(self, *, echo: bool):
        self.validations: list[dict] = []
        self.notifications: list[dict] = []
        webhook = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):  # noqa: N802 - http.server's naming
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                answer = {}
                if self.headers.get("aeg-event-type") == "SubscriptionValidation":
                    webhook.validations.append(body[0])
                    if echo:
                        answer = {"validationResponse": body[0]["data"]["validationCode"]}
                else:
                    webhook.notifications += body
                data = json.dumps(answer).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def silent_webhook():
    webhook = ValidationWebhook(echo=False)
    yield webhook
    webhook.stop()


def test_the_validation_event_carries_a_validation_url_on_the_emulator(emulator):
    webhook = ValidationWebhook(echo=True)
    try:
        subscription = subscriptions.create(name="echoes", endpoint=webhook.url, emulator_url=emulator.endpoint)
    finally:
        webhook.stop()

    event = webhook.validations[0]
    assert event["eventType"] == "Microsoft.EventGrid.SubscriptionValidationEvent" and event["subject"] == ""
    assert set(event["data"]) == {"validationCode", "validationUrl"}
    url = urlsplit(event["data"]["validationUrl"])
    assert f"{url.scheme}://{url.netloc}" == emulator.endpoint
    assert url.path == "/eventsubscriptions/echoes/validate"
    assert parse_qs(url.query)["id"] == [event["data"]["validationCode"]]
    assert subscription.provisioning_state == "Succeeded"  # it echoed the code: nothing left to do


def test_an_endpoint_that_cannot_echo_the_code_is_validated_by_a_get_of_the_validation_url(
    member, emulator, silent_webhook
):
    out = io.StringIO()
    call_command(
        "emulator_events", "add", "manual", silent_webhook.url, "--emulator-url", emulator.endpoint, stdout=out
    )
    validation_url = silent_webhook.validations[0]["data"]["validationUrl"]
    assert "awaiting validation" in out.getvalue() and validation_url in out.getvalue()
    assert EventSubscription.objects.get(name="manual").provisioning_state == "AwaitingManualAction"
    ana = member()
    ana.client.create_chat_thread("Before validation")
    assert not EventDelivery.objects.exists()  # no events until someone follows the URL

    ca = str(emulator.ca_cert)
    assert requests.get(validation_url.replace("id=", "id=0"), verify=ca, timeout=60).status_code == 404
    answer = requests.get(validation_url, verify=ca, timeout=60)
    assert answer.status_code == 200 and "validated" in answer.text
    ana.client.create_chat_thread("After validation")

    wait_for(lambda: silent_webhook.notifications, what="the first delivery")
    created = [e for e in silent_webhook.notifications if e["eventType"].endswith(".ChatThreadCreated")]
    assert [e["data"]["properties"]["topic"] for e in created] == ["After validation"]


def test_the_validation_url_expires_after_five_minutes(emulator, silent_webhook):
    subscriptions.create(name="late", endpoint=silent_webhook.url, emulator_url=emulator.endpoint)
    EventSubscription.objects.filter(name="late").update(validation_expires_at=timezone.now() - timedelta(seconds=1))

    url = silent_webhook.validations[0]["data"]["validationUrl"]
    answer = requests.get(url, verify=str(emulator.ca_cert), timeout=60)

    assert answer.status_code == 404 and answer.json()["error"]["code"] == "NotFound"
    assert EventSubscription.objects.get(name="late").provisioning_state == "Failed"
