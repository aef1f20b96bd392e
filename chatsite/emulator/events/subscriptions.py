"""Creating and removing webhook subscriptions, with Event Grid's validation handshake on creation.

Event Grid schema: a SubscriptionValidationEvent is POSTed and the endpoint must answer 200 with the code in
`validationResponse` (the asynchronous validationUrl variant is not emulated). CloudEvents 1.0: an OPTIONS request
with `WebHook-Request-Origin`, answered 200 with `WebHook-Allowed-Origin` (EVENT_GRID.md §4–5).
"""

import json
import secrets
import uuid
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from django.utils import timezone

from . import payloads, transport
from .models import CLOUD_EVENT_SCHEMA, EVENT_GRID_SCHEMA, EventSubscription

ORIGIN = "eventgrid.azure.net"


class HandshakeFailed(Exception):
    pass


def validate_endpoint(endpoint: str) -> None:
    if endpoint.startswith(transport.INPROCESS):
        return
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise HandshakeFailed(f"The endpoint must be an http(s) URL, not {endpoint!r}.")


def handshake(endpoint: str, schema: str) -> None:
    if schema == CLOUD_EVENT_SCHEMA:
        answer = transport.send("OPTIONS", endpoint, headers={"WebHook-Request-Origin": ORIGIN})
        allowed = {k.lower(): v for k, v in answer.headers.items()}.get("webhook-allowed-origin")
        if answer.status != 200 or allowed not in (ORIGIN, "*"):
            raise HandshakeFailed(
                f"The endpoint did not consent to deliveries (OPTIONS answered {answer.status or answer.outcome}, "
                f"WebHook-Allowed-Origin {allowed!r})."
            )
        return
    code = secrets.token_hex(16)
    event = {
        "id": str(uuid.uuid4()),
        "topic": payloads.topic(),
        "subject": "",
        "eventType": "Microsoft.EventGrid.SubscriptionValidationEvent",
        "eventTime": payloads.timestamp(timezone.now()),
        "dataVersion": "1",
        "metadataVersion": "1",
        "data": {"validationCode": code},
    }
    headers = {"Content-Type": "application/json", "aeg-event-type": "SubscriptionValidation"}
    answer = transport.send("POST", endpoint, headers=headers, body=json.dumps([event]).encode())
    try:
        echoed = json.loads(answer.body).get("validationResponse") if answer.status == 200 else None
    except (ValueError, AttributeError):
        echoed = None
    if echoed != code:
        raise HandshakeFailed(
            f"The endpoint did not validate the subscription (answered {answer.status or answer.outcome}, "
            "expected 200 with the validationCode in validationResponse)."
        )


def create(*, name: str, endpoint: str, schema: str = EVENT_GRID_SCHEMA, **options) -> EventSubscription:
    """Create or update a subscription; the endpoint must pass the handshake first (on update too)."""
    validate_endpoint(endpoint)
    unknown = sorted(set(options.get("event_types") or []) - set(payloads.ALL_TYPES))
    if unknown:
        raise HandshakeFailed(f"Unknown event types: {', '.join(unknown)}.")
    handshake(endpoint, schema)
    return save(name=name, endpoint=endpoint, schema=schema, **options)


def save(
    *,
    name: str,
    endpoint: str,
    schema: str = EVENT_GRID_SCHEMA,
    event_types: list[str] | None = None,
    max_delivery_attempts: int = 30,
    event_ttl_minutes: int = 1440,
    max_events_per_batch: int = 1,
) -> EventSubscription:
    """Store a subscription whose endpoint passed the handshake."""
    subscription, _ = EventSubscription.objects.update_or_create(
        name=name,
        defaults={
            "endpoint": endpoint,
            "schema": schema,
            "event_types": list(event_types or []),
            "max_delivery_attempts": max_delivery_attempts,
            "event_ttl_minutes": event_ttl_minutes,
            "max_events_per_batch": max_events_per_batch,
        },
    )
    return subscription


def remove(name: str) -> bool:
    deleted, _ = EventSubscription.objects.filter(name=name).delete()
    return bool(deleted)


def masked(endpoint: str) -> str:
    """The endpoint with query values hidden, as Event Grid shows it (secrets live there)."""
    url = urlsplit(endpoint)
    query = urlencode([(key, "***") for key, _ in parse_qsl(url.query, keep_blank_values=True)])
    return urlunsplit(url._replace(query=query))
