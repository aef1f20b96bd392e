"""Messages: send, edit, delete. Each write moves the thread's change marker after ACS accepted it."""

import contextlib

from django.core.cache import cache
from django.utils import timezone

from chatsite.acs.errors import AcsError, AcsUnavailable
from chatsite.acs.models import AcsIdentity

from ..actors import Actor
from ..live.cache import MARKER, key
from ..live.typing import typing_stopped
from ..models import Thread
from ..presentation import preview_text
from . import inbox

# The composer's id for one submission, kept in the message's ACS metadata: a send whose answer was late or lost
# is found again by it, so pressing Send again never makes a second message.
CLIENT_ID = "chatsiteClientMessageId"
SEND_TTL = 24 * 3600
LOOKBACK = 50
_PENDING = "pending"


def message_send(*, actor: Actor, thread_id: str, content: str, client_id: str | None = None) -> str:
    attempt = key("send", thread_id, client_id) if client_id else None
    if attempt:
        earlier = cache.get(attempt)
        if earlier not in (None, _PENDING):
            return earlier  # sent already; the page did not get the answer
        if earlier == _PENDING and (found := _find_sent(actor, thread_id, client_id)):
            return _sent(actor, thread_id, attempt, found, content)
        cache.set(attempt, _PENDING, SEND_TTL)
    try:
        message_id = actor.acs.message_send(
            thread_id,
            content=content,
            sender_display_name=actor.display_name,
            metadata={CLIENT_ID: client_id} if client_id else None,
        )
    except AcsUnavailable:
        # Timed out or cut off: ACS may have stored it all the same.
        if not attempt or not (message_id := _find_sent(actor, thread_id, client_id)):
            raise
    return _sent(actor, thread_id, attempt, message_id, content)


def _sent(actor: Actor, thread_id: str, attempt: str | None, message_id: str, content: str) -> str:
    if attempt:
        cache.set(attempt, message_id, SEND_TTL)
    Thread.objects.filter(acs_thread_id=thread_id).update(last_activity_at=timezone.now())
    MARKER.bump(thread_id)
    if not actor.is_service:
        typing_stopped(thread_id=thread_id, user_pk=actor.user.pk)
    _inbox_sent(actor, thread_id, message_id, content)
    return message_id


def _inbox_sent(actor: Actor, thread_id: str, message_id: str, content: str) -> None:
    """The list rows of everyone in the thread: the new preview, one more unread for the others (ACS's events
    tell the same later; the inbox counts each message once)."""
    thread = Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None).first()
    if thread is None:
        return
    inbox.last_message_set(
        thread_id=thread_id,
        message_id=message_id,
        version=None,
        preview=preview_text(content, "text"),
        sender_name=actor.display_name,
        sender_id=actor.acs_user_id,
    )
    sender_pk = None if actor.is_service else actor.user.pk
    people = set(thread.participants.values_list("pk", flat=True))
    inbox.message_arrived(thread=thread, message_id=message_id, user_pks=people - {sender_pk})
    if sender_pk is not None:
        inbox.thread_read(user_pk=sender_pk, thread_id=thread_id, message_id=message_id)
    inbox.people_changed(user_pks=people)


def _find_sent(actor: Actor, thread_id: str, client_id: str) -> str | None:
    """The actor's message carrying `client_id` among the thread's latest, if ACS has it."""
    with contextlib.suppress(AcsError):
        for message in actor.acs.messages_page(thread_id, page_size=LOOKBACK).items:
            if message.metadata.get(CLIENT_ID) == client_id and message.sender_id == actor.acs_user_id:
                return message.id
    return None


def message_edit(*, actor: Actor, thread_id: str, message_id: str, content: str) -> None:
    actor.acs.message_update(thread_id, message_id, content=content)
    MARKER.bump(thread_id)
    if inbox.last_message_set(
        thread_id=thread_id,
        message_id=message_id,
        version=inbox.now_version(),
        preview=preview_text(content, "text"),
        sender_name=actor.display_name,
        sender_id=actor.acs_user_id,
    ):
        inbox.thread_changed(thread_id=thread_id)


def message_delete(*, actor: Actor, thread_id: str, message_id: str) -> None:
    """ACS lets only a message's sender delete it: staff delete a site person's message as that person."""
    if actor.is_service:
        sender_id = actor.acs.message_get(thread_id, message_id).sender_id
        sender = AcsIdentity.objects.filter(acs_user_id=sender_id).select_related("user").first()
        if sender is not None:
            actor = Actor.person(sender.user)
    actor.acs.message_delete(thread_id, message_id)
    MARKER.bump(thread_id)
    # Only the shown message's row changes: its preview goes (ACS keeps a deleted message, without content).
    shown = int(message_id) if message_id.isdigit() else -1
    if Thread.objects.filter(acs_thread_id=thread_id, last_message_id=shown).exists():
        inbox.last_message_set(
            thread_id=thread_id,
            message_id=message_id,
            version=inbox.now_version(),
            preview="",
            sender_name="",
            sender_id="",
        )
        inbox.thread_changed(thread_id=thread_id)
