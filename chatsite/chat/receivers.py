"""The chat app's reactions to signals from other apps: ACS events delivered by chatsite.events."""

from django.dispatch import receiver

from chatsite.events.signals import chat_events

from .services.events import events_hinted


@receiver(chat_events)
def on_chat_events(sender, events, received_at, **kwargs):
    events_hinted(events=events, received_at=received_at)
