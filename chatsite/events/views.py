"""The webhook Event Grid delivers ACS chat events to (EVENT_GRID.md §3–8).

Every request must be authenticated (auth.py: the secret, an Entra ID token, or either): deliveries, the
SubscriptionValidationEvent handshake (Event Grid schema) and the OPTIONS abuse-protection handshake (CloudEvents
1.0). A delivery is read whole before anything is handled (envelope.py), then event by event; an event id seen
before is skipped. Answers: 200 when every event is handled (unknown types included, so they are not retried);
400 for a body the webhook cannot use, 413 for one over MAX_BODY_BYTES, 401/403 without the right credential
(none of these is retried, and nothing of such a delivery was handled); 503 when handling failed or the tenant's
keys could not be fetched (Event Grid retries later).

Events are hints (chat/services/events.py): once every event of a delivery is recorded, the whole delivery is
handed on in one `chat_events` signal, so its events cost one read per thread, and a delivery retried after a
failure hints again (its events' ids were recorded; `chat_event`, once per id, is not sent for them again).
"""

import logging
import time
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import auth, keys
from .envelope import ChatEvent, Malformed, parse
from .models import ReceivedEvent
from .signals import chat_event, chat_events

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=2)
PURGE_EVERY = 3600
# Event Grid's batches stay under 1,024 KB and an event under 1 MB: twice that is never a real delivery.
MAX_BODY_BYTES = 2 * 1024 * 1024


@csrf_exempt
def acs_events(request):
    received_at = time.time()  # before anything is read: what the delivery tells of happened before this
    if request.method not in ("POST", "OPTIONS"):
        response = HttpResponse(status=405)
        response["Allow"] = "POST, OPTIONS"
        return response
    denied = auth.check(request)
    if denied is not None:
        logger.warning("Event delivery refused (%s) from %s", denied, request.META.get("REMOTE_ADDR"))
        return HttpResponse(status=denied)
    if request.method == "OPTIONS":
        return _consent(request)
    if _content_length(request) > MAX_BODY_BYTES:
        logger.warning("Event delivery refused: a body over %s bytes", MAX_BODY_BYTES)
        return HttpResponse(status=413)
    try:
        delivery = parse(request.body)
    except Malformed as exc:
        logger.warning("Event delivery refused: %s", exc)
        return HttpResponse(status=400)
    if delivery.validation_code is not None:
        return JsonResponse({"validationResponse": delivery.validation_code})
    _purge_now_and_then()
    try:
        accept(delivery.events)
        chat_events.send(sender=ChatEvent, events=delivery.events, received_at=received_at)
    except Exception:
        logger.exception("Handling a delivery of %s events failed; Event Grid delivers it again", len(delivery.events))
        return HttpResponse(status=503)
    return HttpResponse(status=200)


def accept(events: list[ChatEvent]) -> list[ChatEvent]:
    """Record the events' ids and send `chat_event` for each one not seen before (in a few queries, however many
    events: a delivery holds up to 5,000); returns those."""
    fresh = list({event.id: event for event in events}.values())
    with transaction.atomic():
        seen = set(
            ReceivedEvent.objects.filter(event_id__in=[e.id for e in fresh]).values_list("event_id", flat=True)
        )
        fresh = [event for event in fresh if event.id not in seen]
        ReceivedEvent.objects.bulk_create(
            [ReceivedEvent(event_id=e.id, event_type=e.type, thread_id=e.thread_id) for e in fresh],
            ignore_conflicts=True,  # a delivery racing this one with the same event: both are hints anyway
        )
        for event in fresh:
            chat_event.send(sender=ChatEvent, event=event)
    return fresh


def _content_length(request) -> int:
    # Read before the body is: Django would read up to its own limit first. A missing or garbled length reads
    # as no body (the WSGI server hands over none).
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _consent(request):
    """CloudEvents webhook abuse protection: allow the requesting origin to deliver, at any rate."""
    origin = request.headers.get("WebHook-Request-Origin")
    if not origin:
        return HttpResponse(status=400)
    response = HttpResponse(status=200)
    response["WebHook-Allowed-Origin"] = origin
    response["WebHook-Allowed-Rate"] = "*"
    response["Allow"] = "POST, OPTIONS"
    return response


def _purge_now_and_then() -> None:
    if cache.add(keys.purge_gate(), True, PURGE_EVERY):
        ReceivedEvent.objects.filter(received_at__lt=timezone.now() - RETENTION).delete()
