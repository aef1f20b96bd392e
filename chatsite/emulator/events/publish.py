"""Publishing: each chat write of the emulator calls `publish` once, after the write, inside its transaction.

The events go to the outbox (one row per matching subscription) in that transaction; once it commits the
dispatcher is woken to deliver them.
"""

from django.db import transaction
from django.utils import timezone

from . import delivery, payloads
from .models import SUCCEEDED, EventDelivery, EventSubscription


def publish(kind: str, **facts) -> None:
    subscriptions = list(EventSubscription.objects.filter(provisioning_state=SUCCEEDED))
    if not subscriptions:
        return
    now = timezone.now()
    rows = []
    for event in payloads.BUILDERS[kind](**facts):
        envelope = event.envelope()
        rows += [
            EventDelivery(
                subscription=subscription,
                event_id=envelope["id"],
                event_type=envelope["eventType"],
                event=envelope,
                publish_time=now,
                next_attempt_at=now,
            )
            for subscription in subscriptions
            if subscription.wants(envelope["eventType"])
        ]
    if rows:
        EventDelivery.objects.bulk_create(rows)
        transaction.on_commit(delivery.dispatcher.wake)
