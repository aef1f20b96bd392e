"""ACS Chat as one identity sees it: the only way the site calls ACS chat.

`as_person(user)` acts with the person's own identity and token, `as_service()` with the site's service identity.
Each call gets fresh credentials, maps SDK errors to AcsError (errors.py) and returns plain records (records.py).
When ACS refuses a cached token (401: revoked by another client), the token is dropped, a new one fetched and the
call made once more, so the person never notices.
"""

from collections.abc import Callable, Iterable
from datetime import datetime

from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier

from . import clients, identities
from .continuation import THREADS_PATH, continuation_of, messages_path, next_link
from .errors import AcsUnauthorized, acs_errors
from .records import Member, Message, Page, Receipt, Refused, ThreadItem, ThreadProperties

# ACS's largest page for every list operation.
MAX_PAGE = 250


class Gateway:
    def __init__(self, load_identity: Callable[[], identities.Row]):
        self._load_identity = load_identity
        self._row: identities.Row | None = None

    @property
    def acs_user_id(self) -> str:
        return self._identity().acs_user_id

    # Threads

    def thread_create(self, *, topic: str, members: Iterable[Member], idempotency_token: str) -> ThreadProperties:
        participants = [_participant(m) for m in members]
        result = self._chat(
            lambda client: client.create_chat_thread(
                topic, thread_participants=participants, idempotency_token=idempotency_token
            )
        )
        thread = result.chat_thread
        return ThreadProperties(thread.id, thread.topic or topic, _raw_id(thread.created_by))

    def threads_list(self, *, page_size: int, continuation: str | None = None) -> Page[ThreadItem]:
        """One page of the identity's threads; `continuation` is a page's opaque continuation (continuation.py)."""
        start = next_link(THREADS_PATH, continuation)

        def read(client):
            pages = client.list_chat_threads(results_per_page=page_size).by_page(continuation_token=start)
            return list(next(pages, [])), continuation_of(pages.continuation_token)

        items, link = self._chat(read)
        threads = [ThreadItem(i.id, i.topic or "", i.last_message_received_on, i.deleted_on) for i in items]
        return Page(threads, link)

    def thread_properties(self, thread_id: str) -> ThreadProperties:
        properties = self._thread(thread_id, lambda client: client.get_properties())
        return ThreadProperties(properties.id, properties.topic or "", _raw_id(properties.created_by))

    def thread_delete(self, thread_id: str) -> None:
        self._chat(lambda client: client.delete_chat_thread(thread_id))

    def topic_update(self, thread_id: str, topic: str) -> None:
        self._thread(thread_id, lambda client: client.update_topic(topic))

    # Messages

    def messages_page(
        self,
        thread_id: str,
        *,
        page_size: int,
        continuation: str | None = None,
        start_time: datetime | None = None,
    ) -> Page[Message]:
        """One page of messages, newest first as ACS lists them; `continuation` as for threads_list."""
        start = next_link(messages_path(thread_id), continuation)

        def read(client):
            kwargs = {"results_per_page": page_size}
            if start_time is not None:
                kwargs["start_time"] = start_time
            pages = client.list_messages(**kwargs).by_page(continuation_token=start)
            return list(next(pages, [])), continuation_of(pages.continuation_token)

        items, link = self._thread(thread_id, read)
        return Page([_message(m) for m in items], link)

    def messages_glance(self, thread_id: str, *, count: int) -> list[Message]:
        """The newest `count` messages in one short look (clients.LOOKUP_TIMEOUT, no retry): for finding a write
        whose answer was late without holding the page for another full timeout."""

        def read(client):
            pages = client.list_messages(results_per_page=count, **clients.lookup_options()).by_page()
            return list(next(pages, []))

        return [_message(m) for m in self._thread(thread_id, read)]

    def message_get(self, thread_id: str, message_id: str) -> Message:
        return _message(self._thread(thread_id, lambda client: client.get_message(message_id)))

    def message_send(
        self, thread_id: str, *, content: str, sender_display_name: str, metadata: dict[str, str] | None = None
    ) -> str:
        result = self._thread(
            thread_id,
            lambda client: client.send_message(content, sender_display_name=sender_display_name, metadata=metadata),
        )
        return result.id

    def message_update(self, thread_id: str, message_id: str, *, content: str) -> None:
        self._thread(thread_id, lambda client: client.update_message(message_id, content=content))

    def message_delete(self, thread_id: str, message_id: str) -> None:
        self._thread(thread_id, lambda client: client.delete_message(message_id))

    # Participants

    def participants_list(self, thread_id: str) -> list[Member]:
        items = self._thread(thread_id, lambda client: list(client.list_participants(results_per_page=MAX_PAGE)))
        return [Member(_raw_id(i.identifier), i.display_name or "", i.share_history_time) for i in items]

    def participants_add(self, thread_id: str, members: Iterable[Member]) -> list[Refused]:
        participants = [_participant(m) for m in members]
        failures = self._thread(thread_id, lambda client: client.add_participants(participants))
        return [Refused(_raw_id(p.identifier), error.code if error else None) for p, error in failures]

    def participant_remove(self, thread_id: str, acs_user_id: str) -> None:
        self._thread(thread_id, lambda client: client.remove_participant(CommunicationUserIdentifier(acs_user_id)))

    # Read receipts and typing

    def read_receipt_send(self, thread_id: str, message_id: str) -> None:
        self._thread(thread_id, lambda client: client.send_read_receipt(message_id))

    def read_receipts_list(self, thread_id: str) -> list[Receipt]:
        items = self._thread(thread_id, lambda client: list(client.list_read_receipts(results_per_page=MAX_PAGE)))
        return [Receipt(_raw_id(i.sender), i.chat_message_id) for i in items]

    def typing_send(self, thread_id: str, *, sender_display_name: str) -> None:
        self._thread(
            thread_id, lambda client: client.send_typing_notification(sender_display_name=sender_display_name)
        )

    # Plumbing

    def _chat(self, work):
        return self._call(lambda token: work(clients.chat_client(token)))

    def _thread(self, thread_id: str, work):
        return self._call(lambda token: work(clients.thread_client(token, thread_id)))

    def _call(self, work):
        row = self._identity()
        token = identities.credentials(row).token
        try:
            with acs_errors():
                return work(token)
        except AcsUnauthorized:
            identities.token_discard(row, token)
            token = identities.credentials(row).token
            with acs_errors():
                return work(token)

    def _identity(self) -> identities.Row:
        if self._row is None:
            self._row = self._load_identity()
        return self._row


def as_person(user) -> Gateway:
    return Gateway(lambda: identities.identity_for(user))


def as_service() -> Gateway:
    return Gateway(identities.service_identity)


def _participant(member: Member) -> ChatParticipant:
    return ChatParticipant(
        identifier=CommunicationUserIdentifier(member.acs_user_id),
        display_name=member.display_name,
        share_history_time=member.share_history_time,
    )


def _raw_id(identifier) -> str | None:
    """The ACS id of a sender/initiator identifier (None for system senders)."""
    if identifier is None:
        return None
    return getattr(identifier, "raw_id", None) or identifier.properties.get("id")


def _message(item) -> Message:
    content = item.content
    participants = (content.participants if content else None) or []
    return Message(
        id=item.id,
        sequence_id=int(item.sequence_id),
        type=str(getattr(item.type, "value", item.type)).lower(),
        created_on=item.created_on,
        version=str(item.version or ""),
        sender_id=_raw_id(item.sender),
        sender_display_name=item.sender_display_name or "",
        content=(content.message if content else None) or "",
        edited_on=item.edited_on,
        deleted_on=item.deleted_on,
        initiator_id=_raw_id(content.initiator) if content else None,
        participants=tuple(Member(_raw_id(p.identifier), p.display_name or "") for p in participants),
        topic=(content.topic if content else None) or "",
        metadata=dict(item.metadata or {}),
    )
