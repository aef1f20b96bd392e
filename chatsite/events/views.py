"""The webhook Event Grid delivers ACS chat events to (EVENT_GRID.md §3–8).

Every request must be authenticated (auth.py: the secret, an Entra ID token, or either): deliveries, the
SubscriptionValidationEvent handshake (Event Grid schema) and the OPTIONS abuse-protection handshake (CloudEvents
1.0). A delivery is read whole before anything is handled (envelope.py), then event by event; an event id seen
before is skipped. Answers: 200 when every event is handled (unknown types included, so they are not retried);
400 for a body the webhook cannot use, 413 for one over MAX_BODY_BYTES, 401/403 without the right credential
(none of these is retried, and nothing of such a delivery was handled); 503 when handling failed or the tenant's
keys could not be fetched (Event Grid retries later; handled events are not handled again).
"""

import logging
from datetime import timedelta

from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.http import HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from . import auth, keys
from .envelope import ChatEvent, Malformed, parse
from .models import ReceivedEvent
from .signals import chat_event

logger = logging.getLogger(__name__)

RETENTION = timedelta(days=2)
PURGE_EVERY = 3600
# Event Grid's batches stay under 1,024 KB and an event under 1 MB: twice that is never a real delivery.
MAX_BODY_BYTES = 2 * 1024 * 1024


@csrf_exempt
def acs_events(request):
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
    for event in delivery.events:
        try:
            accept(event)
        except Exception:
            logger.exception("Handling event %s (%s) failed; Event Grid will deliver it again", event.id, event.type)
            return HttpResponse(status=503)
    return HttpResponse(status=200)


def accept(event: ChatEvent) -> bool:
    """Handle the event once: False when its id was handled before."""
    with transaction.atomic():
        try:
            with transaction.atomic():
                ReceivedEvent.objects.create(event_id=event.id, event_type=event.type, thread_id=event.thread_id)
        except IntegrityError:
            return False
        chat_event.send(sender=ChatEvent, event=event)
    return True


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
