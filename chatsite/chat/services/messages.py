"""Messages: send, edit, delete. Each write moves the thread's change marker after ACS accepted it."""

from datetime import timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from chatsite.acs import service
from chatsite.acs.errors import AcsError, AcsThrottled, AcsUnauthorized, AcsUnavailable
from chatsite.acs.models import AcsIdentity

from ..actors import Actor
from ..live import keys, own
from ..live.cache import gate
from ..live.keys import Gate
from ..live.typing import typing_stopped
from ..models import MessageSend, Thread
from ..presentation import preview_text
from . import inbox
from .ahead import change_made
from .later import after_answer

# The composer's id for one submission, kept in the message's ACS metadata and, per thread and sender, in a
# MessageSend row: a send whose answer was late or lost is found again by it, so pressing Send again (or the
# page's outbox sending again) never makes a second message.
CLIENT_ID = "chatsiteClientMessageId"
LOOKBACK = 50
# A send ACS has not confirmed for this long since it went out is reported as not sent (Retry sends it once).
UNCONFIRMED_FOR = timedelta(minutes=1)
UNCONFIRMED_RETRY_AFTER = 2  # seconds
# Pages keep unsent messages for a session; Event Grid's ids are kept as long (events/views.py).
SEND_RETENTION = timedelta(days=2)
PURGE_EVERY = 3600


class SendUnconfirmed(AcsUnavailable):
    """ACS has not said yet whether it stored the message: 503 with the wait in Retry-After (views/policy.py). The
    page's outbox keeps the words as "Sending…" and sends them again with the same client id after that wait
    (static/js/thread.js), and the retry finds the message or sends it, once."""

    message = _(
        "The chat service has not confirmed your message yet. Send it again in a moment: it will not be sent twice."
    )

    retry_after = UNCONFIRMED_RETRY_AFTER


def message_send(
    *, actor: Actor, thread_id: str, content: str, client_id: str | None = None, read_ahead: bool = False
) -> str:
    """Send once per client id. With `read_ahead` (a page with script, which polls right after its send), the ACS
    read of the change that open pages need starts as the answer goes (services/ahead.py) instead of when the
    first asks."""
    if not client_id:
        return _sent(actor, thread_id, _send(actor, thread_id, content, None), content, read_ahead)
    _purge_now_and_then()
    record, claimed = _claim(thread_id, actor.acs_user_id, client_id)
    if record.message_id:
        return record.message_id  # sent already; the page did not get the answer
    if not claimed:
        # Sent before: stored after all, still on its way to ACS, or lost on the way.
        if found := _look_up(actor, record):
            return _confirmed(actor, record, found, content, read_ahead)
        if not _reclaimed(record):
            raise _unconfirmed(record)  # another request's send is on its way: its outcome decides
    try:
        message_id = _send(actor, thread_id, content, client_id)
    except AcsUnauthorized:
        record.delete()  # ACS refused the site's credentials: nothing was stored, the client id may go again
        raise
    except AcsUnavailable:
        # Timed out or cut off: ACS may have stored it all the same, which a short look tells.
        MessageSend.objects.filter(pk=record.pk).update(in_flight=False)
        if found := _look_up(actor, record):
            return _confirmed(actor, record, found, content, read_ahead)
        raise  # ACS has not got it: "Not sent", and Retry sends it
    except AcsError:
        record.delete()  # refused (throttled, not allowed): nothing was stored, the client id may go again
        raise
    return _confirmed(actor, record, message_id, content, read_ahead)


def _send(actor: Actor, thread_id: str, content: str, client_id: str | None) -> str:
    return actor.acs.message_send(
        thread_id,
        content=content,
        sender_display_name=actor.display_name,
        metadata={CLIENT_ID: client_id} if client_id else None,
    )


def _claim(thread_id: str, sender_id: str, client_id: str) -> tuple[MessageSend, bool]:
    """The row of this send, and whether this request made it (and so sends). The unique constraint decides
    between two requests racing; the loser gets the winner's row."""
    fields = {"thread_id": thread_id, "sender_id": sender_id, "client_id": client_id}
    for _attempt in range(3):
        try:
            with transaction.atomic():
                return MessageSend.objects.create(**fields, in_flight=True), True
        except IntegrityError:
            if (record := MessageSend.objects.filter(**fields).first()) is not None:
                return record, False
            # Refused and deleted in between: claim it afresh.
    raise SendUnconfirmed()


def _reclaimed(record: MessageSend) -> bool:
    """Take over a send known not to have reached ACS, unless one is on its way (or another request took it)."""
    now = timezone.now()
    # Longer than one send can take (its retry and a token refresh included): a send still marked as on its way
    # after that died with its worker.
    stale = now - timedelta(seconds=4 * settings.ACS_TIMEOUT + 15)
    idle = MessageSend.objects.filter(pk=record.pk, message_id="").exclude(in_flight=True, sent_at__gte=stale)
    if not idle.update(in_flight=True, sent_at=now):
        return False
    record.sent_at = now
    return True


def _look_up(actor: Actor, record: MessageSend) -> str | None:
    """The id of the actor's message carrying the record's client id among the thread's latest, None when ACS
    answered without it; SendUnconfirmed (or, after a while, "Not sent") when ACS does not answer in time."""
    try:
        latest = actor.acs.messages_glance(record.thread_id, count=LOOKBACK)
    except AcsUnauthorized:
        raise
    except (AcsUnavailable, AcsThrottled):
        raise _unconfirmed(record) from None
    for message in latest:
        if message.metadata.get(CLIENT_ID) == record.client_id and message.sender_id == record.sender_id:
            return message.id
    return None


def _unconfirmed(record: MessageSend) -> AcsError:
    if timezone.now() - record.sent_at > UNCONFIRMED_FOR:
        return AcsUnavailable()
    return SendUnconfirmed()


def _confirmed(actor: Actor, record: MessageSend, message_id: str, content: str, read_ahead: bool = False) -> str:
    """The message is in ACS: the first request to learn it does the site's side of the write, once."""
    if MessageSend.objects.filter(pk=record.pk, message_id="").update(message_id=message_id, in_flight=False):
        _sent(actor, record.thread_id, message_id, content, read_ahead)
    return message_id


def message_stored(*, thread_id: str, sender_id: str, message_id: str, metadata: dict, content: str) -> None:
    """ACS tells (an event) that a message is stored. When it is a send of the site's whose answer is late or lost,
    the site's side of the write happens now, once, and the page's retry is answered with it without asking ACS,
    however slow ACS is to answer."""
    client_id = metadata.get(CLIENT_ID)
    if not client_id or not sender_id or not message_id:
        return
    fields = {"thread_id": thread_id, "sender_id": sender_id, "client_id": client_id, "message_id": ""}
    record = MessageSend.objects.filter(**fields).first()
    if record is None:
        return
    if service.is_service_identity(sender_id):
        actor = Actor.service()
    elif (identity := AcsIdentity.objects.filter(acs_user_id=sender_id).select_related("user").first()) is not None:
        actor = Actor.person(identity.user)
    else:
        return
    _confirmed(actor, record, message_id, content)


def _purge_now_and_then() -> None:
    if gate(Gate.PURGE, keys.SENDS, seconds=PURGE_EVERY):
        MessageSend.objects.filter(created_at__lt=timezone.now() - SEND_RETENTION).delete()


def _sent(actor: Actor, thread_id: str, message_id: str, content: str, read_ahead: bool = False) -> str:
    own.noted(thread_id=thread_id, kind=own.SENT, ref=message_id)  # its events need no read (services/events.py)
    Thread.objects.filter(acs_thread_id=thread_id).update(last_activity_at=timezone.now())
    change_made(thread_id=thread_id, read_ahead=read_ahead)
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
    if sender_pk is not None:
        inbox.thread_read(user_pk=sender_pk, thread_id=thread_id, message_id=message_id)

    def counted():  # one unread row per person: grows with the thread, so the sender does not wait for it
        inbox.message_arrived(thread=thread, message_id=message_id, user_pks=people - {sender_pk})
        inbox.people_changed(user_pks=people)

    after_answer(counted)


def message_edit(*, actor: Actor, thread_id: str, message_id: str, content: str, read_ahead: bool = False) -> None:
    """`read_ahead` as for a send (services/ahead.py)."""
    with own.writing(thread_id=thread_id, kind=own.EDITED, refs=[message_id]):
        actor.acs.message_update(thread_id, message_id, content=content)
    change_made(thread_id=thread_id, read_ahead=read_ahead)
    if inbox.last_message_set(
        thread_id=thread_id,
        message_id=message_id,
        version=inbox.now_version(),
        preview=preview_text(content, "text"),
        sender_name=actor.display_name,
        sender_id=actor.acs_user_id,
    ):
        inbox.thread_changed(thread_id=thread_id)


def message_delete(*, actor: Actor, thread_id: str, message_id: str, read_ahead: bool = False) -> None:
    """ACS lets only a message's sender delete it: staff delete a site person's message as that person.
    `read_ahead` as for a send (services/ahead.py)."""
    if actor.is_service:
        sender_id = actor.acs.message_get(thread_id, message_id).sender_id
        sender = AcsIdentity.objects.filter(acs_user_id=sender_id).select_related("user").first()
        if sender is not None:
            actor = Actor.person(sender.user)
    with own.writing(thread_id=thread_id, kind=own.DELETED, refs=[message_id]):
        actor.acs.message_delete(thread_id, message_id)
    change_made(thread_id=thread_id, read_ahead=read_ahead)
    shown = int(message_id) if message_id.isdigit() else -1
    inbox.message_gone(thread_id=thread_id, message_id=shown)
    # Only the shown message's row changes: its preview goes (ACS keeps a deleted message, without content).
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
