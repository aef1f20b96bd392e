"""Messages: send, edit, delete. Each write moves the thread's change marker after ACS accepted it."""

from django.utils import timezone

from chatsite.acs.models import AcsIdentity

from ..actors import Actor
from ..live.cache import MARKER
from ..models import Thread


def message_send(*, actor: Actor, thread_id: str, content: str) -> str:
    message_id = actor.acs.message_send(thread_id, content=content, sender_display_name=actor.display_name)
    Thread.objects.filter(acs_thread_id=thread_id).update(last_activity_at=timezone.now())
    MARKER.bump(thread_id)
    return message_id


def message_edit(*, actor: Actor, thread_id: str, message_id: str, content: str) -> None:
    actor.acs.message_update(thread_id, message_id, content=content)
    MARKER.bump(thread_id)


def message_delete(*, actor: Actor, thread_id: str, message_id: str) -> None:
    """ACS lets only a message's sender delete it: staff delete a site person's message as that person."""
    if actor.is_service:
        sender_id = actor.acs.message_get(thread_id, message_id).sender_id
        sender = AcsIdentity.objects.filter(acs_user_id=sender_id).select_related("user").first()
        if sender is not None:
            actor = Actor.person(sender.user)
    actor.acs.message_delete(thread_id, message_id)
    MARKER.bump(thread_id)
