"""Creating and removing webhook subscriptions, with Event Grid's validation handshake on creation.

Event Grid schema (EVENT_GRID.md §4): a SubscriptionValidationEvent is POSTed with `validationCode` and
`validationUrl`. Answered 200 with the code in `validationResponse`, the subscription is ready; answered 200
without it, it awaits a GET of `validationUrl` within 5 minutes (the asynchronous variant), served by the emulator
itself (`events/views.py`), and fails after that. CloudEvents 1.0: an OPTIONS request with
`WebHook-Request-Origin`, answered 200 with `WebHook-Allowed-Origin` (§5).
"""

import json
import secrets
import uuid
from datetime import timedelta
from urllib.parse import parse_qsl, quote, urlencode, urlsplit, urlunsplit

from azure.eventgrid import SystemEventNames
from django.utils import timezone

from . import payloads, transport
from .models import (
    AWAITING_MANUAL_ACTION,
    CLOUD_EVENT_SCHEMA,
    EVENT_GRID_SCHEMA,
    FAILED,
    SUCCEEDED,
    EventSubscription,
)

ORIGIN = "eventgrid.azure.net"
MANUAL_VALIDATION_WINDOW = timedelta(minutes=5)
# Where the emulator answers a validationUrl when the caller does not say: `runemulator`'s default address.
DEFAULT_EMULATOR_URL = "https://127.0.0.1:8443"


class HandshakeFailed(Exception):
    pass


def validate_endpoint(endpoint: str) -> None:
    if endpoint.startswith(transport.INPROCESS):
        return
    url = urlsplit(endpoint)
    if url.scheme not in ("http", "https") or not url.netloc:
        raise HandshakeFailed(f"The endpoint must be an http(s) URL, not {endpoint!r}.")


def validation_url(emulator_url: str, name: str, code: str) -> str:
    """Event Grid's is `https://<region>.eventgrid.azure.net:553/eventsubscriptions/<name>/validate?id=…&token=…`;
    the emulator serves the same path on its own endpoint."""
    query = urlencode({"id": code, "apiVersion": "2018-05-01-preview"})
    return f"{emulator_url.rstrip('/')}/eventsubscriptions/{quote(name, safe='')}/validate?{query}"


def handshake(endpoint: str, schema: str, *, name: str = "", emulator_url: str = DEFAULT_EMULATOR_URL) -> str:
    """Run the schema's handshake; the validation code the endpoint must still confirm through the
    validationUrl ("" when it consented at once). HandshakeFailed when it refused."""
    if schema == CLOUD_EVENT_SCHEMA:
        answer = transport.send("OPTIONS", endpoint, headers={"WebHook-Request-Origin": ORIGIN})
        allowed = {k.lower(): v for k, v in answer.headers.items()}.get("webhook-allowed-origin")
        if answer.status != 200 or allowed not in (ORIGIN, "*"):
            raise HandshakeFailed(
                f"The endpoint did not consent to deliveries (OPTIONS answered {answer.status or answer.outcome}, "
                f"WebHook-Allowed-Origin {allowed!r})."
            )
        return ""
    code = secrets.token_hex(16)
    event = {
        "id": str(uuid.uuid4()),
        "topic": payloads.topic(),
        "subject": "",
        "eventType": SystemEventNames.EventGridSubscriptionValidationEventName.value,
        "eventTime": payloads.timestamp(timezone.now()),
        "dataVersion": "1",
        "metadataVersion": "1",
        "data": {"validationCode": code, "validationUrl": validation_url(emulator_url, name, code)},
    }
    headers = {"Content-Type": "application/json", "aeg-event-type": "SubscriptionValidation"}
    answer = transport.send("POST", endpoint, headers=headers, body=json.dumps([event]).encode())
    if answer.status != 200:
        raise HandshakeFailed(
            f"The endpoint did not validate the subscription (answered {answer.status or answer.outcome}; "
            "expected 200, with the validationCode in validationResponse or followed by a GET of validationUrl)."
        )
    try:
        echoed = json.loads(answer.body).get("validationResponse")
    except (ValueError, AttributeError):
        echoed = None
    return "" if echoed == code else code


def validate_manually(name: str, code: str) -> bool:
    """A GET of the validationUrl: the subscription awaiting it becomes ready, within the window."""
    subscription = EventSubscription.objects.filter(name=name).first()
    if subscription is None or not code or not secrets.compare_digest(subscription.validation_code, code):
        return False
    if subscription.provisioning_state == AWAITING_MANUAL_ACTION:
        if timezone.now() > subscription.validation_expires_at:
            subscription.provisioning_state = FAILED
            subscription.save(update_fields=["provisioning_state"])
            return False
        subscription.provisioning_state = SUCCEEDED
        subscription.save(update_fields=["provisioning_state"])
    return subscription.provisioning_state == SUCCEEDED


def create(
    *,
    name: str,
    endpoint: str,
    schema: str = EVENT_GRID_SCHEMA,
    emulator_url: str = DEFAULT_EMULATOR_URL,
    **options,
) -> EventSubscription:
    """Create or update a subscription; the endpoint must pass the handshake first (on update too). One whose
    endpoint answered without the code is saved awaiting a GET of the validationUrl on `emulator_url`."""
    validate_endpoint(endpoint)
    unknown = sorted(set(options.get("event_types") or []) - set(payloads.ALL_TYPES))
    if unknown:
        raise HandshakeFailed(f"Unknown event types: {', '.join(unknown)}.")
    pending_code = handshake(endpoint, schema, name=name, emulator_url=emulator_url)
    subscription = save(name=name, endpoint=endpoint, schema=schema, **options)
    if pending_code:
        subscription.provisioning_state = AWAITING_MANUAL_ACTION
        subscription.validation_code = pending_code
        subscription.validation_expires_at = timezone.now() + MANUAL_VALIDATION_WINDOW
        subscription.save(update_fields=["provisioning_state", "validation_code", "validation_expires_at"])
    return subscription


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
            "provisioning_state": SUCCEEDED,
            "validation_code": "",
            "validation_expires_at": None,
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
