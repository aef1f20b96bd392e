"""Delivering the outbox like Event Grid: at least once, retried with backoff, then dead-lettered.

Success is 200–204 only. 400, 401, 403 and 413 are never retried (dead-lettered at once); anything else, and no
answer, is retried on Event Grid's schedule (10 s, 30 s, 1 min, 5 min, 10 min, 30 min, 1 h, 3 h, 6 h, then every
12 h) with a little jitter and the per-status minimum waits, until the subscription's max delivery attempts or
event time-to-live runs out (EVENT_GRID.md §6). ACS_EMULATOR_EVENTS_TIME_SCALE (default 1) multiplies every wait,
so tests can run the schedule in a fraction of the time.

Each process that runs the emulator has one dispatcher thread. Rows are claimed with a lease before sending, so
several processes sharing the database never send the same try twice.
"""

import json
import logging
import random
import threading
import uuid
from datetime import timedelta
from itertools import islice

from django.conf import settings
from django.db import connections
from django.db.models import Q
from django.utils import timezone

from . import payloads, transport
from .models import CLOUD_EVENT_SCHEMA, EventDelivery, EventSubscription

logger = logging.getLogger(__name__)

SCHEDULE = [10, 30, 60, 300, 600, 1800, 3600, 3 * 3600, 6 * 3600]
LATER = 12 * 3600
NO_RETRY = {400, 401, 403, 413}
MINIMUM_WAIT = {404: 300, 408: 120, 503: 30}
LEASE = timedelta(seconds=2 * transport.TIMEOUT)
# While deliveries are pending, the dispatcher looks at least this often for rows other processes wrote.
IDLE_CHECK = 2.0
BATCH_QUERY = 200
FAILURE_FIELDS = [
    "attempts",
    "last_attempt_at",
    "last_outcome",
    "lease_token",
    "lease_until",
    "next_attempt_at",
    "state",
    "dead_letter_reason",
]


def time_scale() -> float:
    return float(getattr(settings, "ACS_EMULATOR_EVENTS_TIME_SCALE", 1.0))


def retry_delay(attempts: int, status: int) -> float:
    """Seconds before the next try, after `attempts` failed tries, the last answered with `status` (0: none)."""
    base = SCHEDULE[attempts - 1] if attempts <= len(SCHEDULE) else LATER
    base = max(base, MINIMUM_WAIT.get(status, 0))
    return base * random.uniform(1.0, 1.1) * time_scale()


def request_for(subscription: EventSubscription, rows: list[EventDelivery]) -> tuple[dict, bytes]:
    """Headers and body of one delivery request in the subscription's schema."""
    events = [row.event for row in rows]
    attempt = str(max(row.attempts for row in rows))
    if subscription.schema == CLOUD_EVENT_SCHEMA:
        cloud = [payloads.cloud_event(e) for e in events]
        if subscription.max_events_per_batch > 1:
            content_type, body = "application/cloudevents-batch+json; charset=utf-8", cloud
        else:
            content_type, body = "application/cloudevents+json; charset=utf-8", cloud[0]
        headers = {"Content-Type": content_type, "Origin": "eventgrid.azure.net"}
    else:
        # Always an array in the Event Grid schema, even for one event.
        headers, body = {"Content-Type": "application/json", "aeg-event-type": "Notification"}, events
    headers.update({"aeg-delivery-count": attempt, "aeg-subscription-name": subscription.name.upper()})
    return headers, json.dumps(body).encode()


def deliver(subscription: EventSubscription, rows: list[EventDelivery]) -> None:
    """One try for a batch of claimed rows: delete them on success, otherwise schedule or dead-letter them."""
    headers, body = request_for(subscription, rows)
    try:
        answer = transport.send("POST", subscription.endpoint, headers=headers, body=body)
    except Exception:
        # The in-process site crashed: to Event Grid that is a 500.
        logger.exception("Event delivery to %s failed", subscription.name)
        answer = transport.Answer(500, {}, b"", "GenericError")
    now = timezone.now()
    ids = [row.pk for row in rows]
    if answer.outcome == "Success":
        EventDelivery.objects.filter(pk__in=ids).delete()
        return
    for row in rows:
        row.attempts += 1
        row.last_attempt_at = now
        row.last_outcome = answer.outcome
        row.lease_token, row.lease_until = "", None
        expired = now >= row.publish_time + timedelta(minutes=subscription.event_ttl_minutes)
        if answer.status in NO_RETRY:
            reason = "DeliveryFailedNoRetry"  # GUESS: the docs name no reason for these
        elif row.attempts >= subscription.max_delivery_attempts:
            reason = "MaxDeliveryAttemptsExceeded"
        elif expired:
            reason = "TimeToLiveExceeded"
        else:
            reason = ""
            row.next_attempt_at = now + timedelta(seconds=retry_delay(row.attempts, answer.status))
        if reason:
            row.state, row.dead_letter_reason = EventDelivery.DEAD_LETTERED, reason
            logger.warning(
                "Event %s (%s) dead-lettered for subscription %s: %s after %d attempt(s), last outcome %s",
                row.event_id,
                row.event_type,
                subscription.name,
                reason,
                row.attempts,
                answer.outcome,
            )
        # An update, not save(): a row deleted meanwhile (its subscription removed) stays deleted.
        EventDelivery.objects.filter(pk=row.pk).update(**{field: getattr(row, field) for field in FAILURE_FIELDS})


def dead_letter(row: EventDelivery) -> dict:
    """A dead-lettered event as Event Grid writes it to the dead-letter container."""
    return {
        **row.event,
        "deadLetterReason": row.dead_letter_reason,
        "deliveryAttempts": row.attempts,
        "lastDeliveryOutcome": row.last_outcome,
        "publishTime": payloads.timestamp(row.publish_time),
        "lastDeliveryAttemptTime": payloads.timestamp(row.last_attempt_at) if row.last_attempt_at else None,
    }


def run_due() -> float | None:
    """Try every due row once; the seconds until the next row is due (None when nothing is pending)."""
    now = timezone.now()
    due = list(
        EventDelivery.objects.filter(state=EventDelivery.PENDING, next_attempt_at__lte=now)
        .filter(Q(lease_until__isnull=True) | Q(lease_until__lt=now))
        .order_by("next_attempt_at", "id")
        .values_list("pk", "subscription_id")[:BATCH_QUERY]
    )
    by_subscription: dict[int, list[int]] = {}
    for pk, subscription_id in due:
        by_subscription.setdefault(subscription_id, []).append(pk)
    for subscription in EventSubscription.objects.filter(pk__in=by_subscription):
        pks = iter(by_subscription[subscription.pk])
        while chunk := list(islice(pks, subscription.max_events_per_batch)):
            rows = _claim(chunk)
            if rows:
                deliver(subscription, rows)
    following = (
        EventDelivery.objects.filter(state=EventDelivery.PENDING)
        .order_by("next_attempt_at")
        .values_list("next_attempt_at", flat=True)
        .first()
    )
    return None if following is None else max((following - timezone.now()).total_seconds(), 0.0)


def _claim(pks: list[int]) -> list[EventDelivery]:
    now = timezone.now()
    token = uuid.uuid4().hex
    EventDelivery.objects.filter(pk__in=pks, state=EventDelivery.PENDING).filter(
        Q(lease_until__isnull=True) | Q(lease_until__lt=now)
    ).update(lease_token=token, lease_until=now + LEASE)
    return list(EventDelivery.objects.filter(lease_token=token).order_by("id"))


class Dispatcher:
    """A thread that runs while deliveries are pending and stops when none are left (it holds no database
    connection while it waits). Writes wake it; a process that starts serving wakes it once, to resume what an
    earlier process left pending."""

    def __init__(self):
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def wake(self) -> None:
        with self._lock:
            self._wake.set()
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="acs-emulator-events", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                following = run_due()
            except Exception:
                logger.exception("Event dispatcher failed; trying again shortly")
                following = IDLE_CHECK
            finally:
                connections.close_all()  # this thread's connections only
            if following is None:
                with self._lock:
                    if not self._wake.is_set():
                        self._thread = None
                        return
                continue
            self._wake.wait(min(following, IDLE_CHECK))


dispatcher = Dispatcher()
