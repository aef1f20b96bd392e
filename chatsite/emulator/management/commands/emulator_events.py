"""`manage.py emulator_events`: the emulator's Event Grid subscriptions (add, remove, list) and its dead letters."""

import json

from django.core.management.base import BaseCommand, CommandError

from chatsite.emulator.events import delivery, payloads, subscriptions
from chatsite.emulator.events.models import (
    AWAITING_MANUAL_ACTION,
    CLOUD_EVENT_SCHEMA,
    EVENT_GRID_SCHEMA,
    EventDelivery,
    EventSubscription,
)


class Command(BaseCommand):
    help = "Manage the emulator's Event Grid webhook subscriptions and read its dead-letter log."

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        add = sub.add_parser("add", help="Create (or update) a webhook subscription; runs the validation handshake.")
        add.add_argument("name")
        add.add_argument("endpoint", help="https://host/events/acs/?secret=… (or inprocess:/path for this site)")
        add.add_argument("--schema", choices=["eventgrid", "cloudevents"], default="eventgrid", help="Delivery schema.")
        add.add_argument(
            "--event-types",
            nargs="+",
            default=[],
            metavar="TYPE",
            help="Event types, with or without the Microsoft.Communication. prefix (default: all chat events).",
        )
        add.add_argument("--max-delivery-attempts", type=int, default=30, choices=range(1, 31), metavar="1-30")
        add.add_argument("--event-ttl", type=int, default=1440, choices=range(1, 1441), metavar="MINUTES")
        add.add_argument("--max-events-per-batch", type=int, default=1, choices=range(1, 5001), metavar="1-5000")
        add.add_argument(
            "--emulator-url",
            default=subscriptions.DEFAULT_EMULATOR_URL,
            help="The emulator's endpoint, for the validation event's validationUrl (default %(default)s).",
        )
        remove = sub.add_parser("remove", help="Delete a subscription and its undelivered events.")
        remove.add_argument("name")
        sub.add_parser("list", help="List subscriptions (secrets in endpoint URLs are hidden).")
        sub.add_parser("deadletters", help="Print the dead-lettered events as JSON lines.")

    def handle(self, *args, action, **options):
        getattr(self, f"_{action}")(**options)

    def _add(
        self, *, name, endpoint, schema, event_types, max_delivery_attempts, event_ttl, max_events_per_batch,
        emulator_url, **_,
    ):
        types = [t if t.startswith(payloads.PREFIX) else payloads.PREFIX + t for t in event_types]
        try:
            subscription = subscriptions.create(
                name=name,
                endpoint=endpoint,
                schema=CLOUD_EVENT_SCHEMA if schema == "cloudevents" else EVENT_GRID_SCHEMA,
                event_types=types,
                max_delivery_attempts=max_delivery_attempts,
                event_ttl_minutes=event_ttl,
                max_events_per_batch=max_events_per_batch,
                emulator_url=emulator_url,
            )
        except subscriptions.HandshakeFailed as exc:
            raise CommandError(str(exc)) from exc
        if subscription.provisioning_state == AWAITING_MANUAL_ACTION:
            url = subscriptions.validation_url(emulator_url, subscription.name, subscription.validation_code)
            self.stdout.write(
                f"Subscription {subscription.name} saved, awaiting validation: the endpoint answered without the "
                f"validationCode, so GET {url} within 5 minutes."
            )
        else:
            self.stdout.write(f"Subscription {subscription.name} validated and saved.")

    def _remove(self, *, name, **_):
        if not subscriptions.remove(name):
            raise CommandError(f"No subscription named {name!r}.")
        self.stdout.write(f"Subscription {name} removed.")

    def _list(self, **_):
        for s in EventSubscription.objects.order_by("name"):
            pending = s.deliveries.filter(state=EventDelivery.PENDING).count()
            types = ", ".join(t.removeprefix(payloads.PREFIX) for t in s.event_types) or "all chat events"
            self.stdout.write(
                f"{s.name}\t{subscriptions.masked(s.endpoint)}\t{s.schema}\t{types}\t{pending} pending"
                f"\t{s.provisioning_state}"
            )

    def _deadletters(self, **_):
        for row in EventDelivery.objects.filter(state=EventDelivery.DEAD_LETTERED).order_by("last_attempt_at"):
            self.stdout.write(json.dumps({"subscription": row.subscription.name, **delivery.dead_letter(row)}))
