"""Event Grid subscriptions of the emulated ACS resource, and the outbox of events to deliver to them.

An event is written to the outbox in the same transaction as the chat write that caused it, so a write that
commits always gets its events delivered (after restarts too) and a rolled-back write never does.
"""

from django.db import models

EVENT_GRID_SCHEMA = "EventGridSchema"
CLOUD_EVENT_SCHEMA = "CloudEventSchemaV1_0"
SUCCEEDED, AWAITING_MANUAL_ACTION, FAILED = "Succeeded", "AwaitingManualAction", "Failed"


class EventSubscription(models.Model):
    name = models.CharField(max_length=64, unique=True)
    # Event Grid sends every query parameter of this URL with each delivery (that is where a secret goes).
    endpoint = models.CharField(max_length=2048)
    schema = models.CharField(
        max_length=32,
        choices=[(EVENT_GRID_SCHEMA, EVENT_GRID_SCHEMA), (CLOUD_EVENT_SCHEMA, CLOUD_EVENT_SCHEMA)],
        default=EVENT_GRID_SCHEMA,
    )
    # Full event type names (Microsoft.Communication.…); empty means every chat event type.
    event_types = models.JSONField(default=list, blank=True)
    # Event Grid's retry policy and batching, with its defaults (EVENT_GRID.md §6).
    max_delivery_attempts = models.PositiveSmallIntegerField(default=30)
    event_ttl_minutes = models.PositiveIntegerField(default=1440)
    max_events_per_batch = models.PositiveIntegerField(default=1)
    created_on = models.DateTimeField(auto_now_add=True)
    # Event Grid's provisioning states: an endpoint that answered the validation event without echoing its code
    # awaits a GET of the event's validationUrl (carrying validation_code) until validation_expires_at.
    provisioning_state = models.CharField(
        max_length=32,
        choices=[(state, state) for state in (SUCCEEDED, AWAITING_MANUAL_ACTION, FAILED)],
        default=SUCCEEDED,
    )
    validation_code = models.CharField(max_length=64, blank=True)
    validation_expires_at = models.DateTimeField(null=True, blank=True)

    def __str__(self):
        return self.name

    def wants(self, event_type: str) -> bool:
        return not self.event_types or event_type in self.event_types


class EventDelivery(models.Model):
    """One event for one subscription. Delivered rows are deleted; dead-lettered ones stay as the log."""

    PENDING = "pending"
    DEAD_LETTERED = "deadLettered"

    subscription = models.ForeignKey(EventSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.CharField(max_length=64)
    event_type = models.CharField(max_length=128)
    # The event in the Event Grid schema; converted to the subscription's schema when sent.
    event = models.JSONField()
    state = models.CharField(max_length=16, default=PENDING)
    publish_time = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    # A dispatcher (one per process) claims rows before sending, so two processes never send the same try.
    lease_token = models.CharField(max_length=32, blank=True)
    lease_until = models.DateTimeField(null=True, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_outcome = models.CharField(max_length=32, blank=True)
    dead_letter_reason = models.CharField(max_length=64, blank=True)

    class Meta:
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="emulator_delivery_due")]
        verbose_name_plural = "event deliveries"

    def __str__(self):
        return f"{self.event_type} {self.event_id} → {self.subscription_id}"
