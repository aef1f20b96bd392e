"""The chat app's reactions to signals from other apps: ACS events delivered by chatsite.events."""

from django.dispatch import receiver

from chatsite.events.signals import chat_event

from .services.events import event_apply


@receiver(chat_event)
def on_chat_event(sender, event, **kwargs):
    event_apply(event=event)
