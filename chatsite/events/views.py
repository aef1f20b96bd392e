"""The webhook Event Grid delivers ACS chat events to (EVENT_GRID.md §3–8).

Every request must carry the secret (auth.py): deliveries, the SubscriptionValidationEvent handshake (Event Grid
schema) and the OPTIONS abuse-protection handshake (CloudEvents 1.0). A delivery of several events (batching) is
handled event by event; an event id seen before is skipped. Answers: 200 when every event is handled (unknown
types included, so they are not retried), 400 for a body that is not a delivery (not retried), 401/403 without
the right secret (not retried), 503 when handling failed (Event Grid retries later; handled events are not
handled again).
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
