"""The site's webhook: authentication, both handshakes, batches, replays (EVENT_GRID.md §4–8)."""

import json

import pytest

from chatsite.events.signals import chat_event

from .support import SECRET
from .test_envelope import EXAMPLE

URL = "/events/acs/"


@pytest.fixture(autouse=True)
def secrets(settings):
    # Two secrets during a rotation: the old one still works.
    settings.EVENTGRID_SECRET = f"an-older-secret-still-accepted-0123456789,{SECRET}"


def deliver(client, *events, query=f"?secret={SECRET}", **headers):
    return client.post(
        URL + query,
        json.dumps(list(events)),
        content_type="application/json",
        headers={"aeg-event-type": "Notification", **headers},
    )


def event(event_id: str, **data) -> dict:
    return {**EXAMPLE, "id": event_id, "data": {**EXAMPLE["data"], **data}}


@pytest.mark.django_db
def test_deliveries_without_the_secret_are_refused_and_not_handled(client, handled):
    assert deliver(client, event("1"), query="").status_code == 401
    assert deliver(client, event("1"), query="?secret=guess").status_code == 403
    assert deliver(client, event("1"), query="", **{"X-Events-Secret": "guess"}).status_code == 403
    refused = client.options(URL, headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert refused.status_code == 401 and "WebHook-Allowed-Origin" not in refused
    assert handled == []


@pytest.mark.django_db
def test_the_secret_is_accepted_in_the_query_or_a_header(client, handled):
    assert deliver(client, event("1"), query="?secret=an-older-secret-still-accepted-0123456789").status_code == 200
    assert deliver(client, event("2"), query="", **{"X-Events-Secret": SECRET}).status_code == 200
    # An endpoint URL given without the trailing slash works as well.
    response = client.post(f"/events/acs?secret={SECRET}", json.dumps([event("3")]), content_type="application/json")
    assert response.status_code == 200
    assert [e.id for e in handled] == ["1", "2", "3"]


def test_subscription_validation_handshake_echoes_the_code(client, handled):
    validation = {
        "id": "2d1781af-3a4c-4d7c-bd0c-e34b19da4e66",
        "topic": EXAMPLE["topic"],
        "subject": "",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": "2024-05-01T10:00:00Z",
        "dataVersion": "1",
        "metadataVersion": "1",
        "data": {"validationCode": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6", "validationUrl": "https://example.invalid"},
    }
    response = deliver(client, validation, **{"aeg-event-type": "SubscriptionValidation"})
    assert response.status_code == 200
    assert response.json() == {"validationResponse": "512d38b6-c7b8-40c8-89fe-f46f9e9622b6"}
    assert handled == []


def test_cloudevents_abuse_protection_handshake_consents(client):
    response = client.options(f"{URL}?secret={SECRET}", headers={"WebHook-Request-Origin": "eventgrid.azure.net"})
    assert response.status_code == 200
    assert response["WebHook-Allowed-Origin"] == "eventgrid.azure.net"
    assert response["WebHook-Allowed-Rate"] == "*"


@pytest.mark.django_db
def test_a_replayed_event_is_handled_once(client, handled):
    assert deliver(client, event("same")).status_code == 200
    assert deliver(client, event("same")).status_code == 200
    assert [e.id for e in handled] == ["same"]


@pytest.mark.django_db
def test_a_batch_is_handled_event_by_event(client, handled):
    batch = [event("a", messageId="1"), event("b", messageId="2"), event("a", messageId="1"), event("c", messageId="3")]
    cloud = {
        "specversion": "1.0",
        "id": "d",
        "source": "s",
        "subject": "",
        "type": EXAMPLE["eventType"],
        "data": EXAMPLE["data"],
    }
    assert deliver(client, *batch).status_code == 200
    response = client.post(
        f"{URL}?secret={SECRET}", json.dumps([cloud]), content_type="application/cloudevents-batch+json; charset=utf-8"
    )
    assert response.status_code == 200
    assert [e.id for e in handled] == ["a", "b", "c", "d"]


@pytest.mark.django_db
def test_bad_bodies_are_400_and_unknown_types_are_accepted(client, handled):
    assert deliver(client, "not an event").status_code == 400
    assert deliver(client, {**EXAMPLE, "eventType": "Microsoft.Communication.SMSReceived"}).status_code == 200
    assert client.get(f"{URL}?secret={SECRET}").status_code == 405
    assert handled == []


@pytest.mark.django_db
def test_a_failure_while_handling_asks_for_the_event_again(client, handled):
    failures = ["once"]

    def flaky(sender, event, **kwargs):
        if failures:
            failures.pop()
            raise RuntimeError("database away")

    chat_event.connect(flaky)
    try:
        assert deliver(client, event("retry-me")).status_code == 503
        assert deliver(client, event("retry-me")).status_code == 200
    finally:
        chat_event.disconnect(flaky)
    # The failed try was rolled back, so the redelivery is handled (the first try's record was undone).
    assert [e.id for e in handled] == ["retry-me", "retry-me"]
