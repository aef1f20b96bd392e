"""Reads from ACS, each as the person asking (ACS decides what they may see)."""

import dataclasses
from datetime import UTC, datetime

from django.core import signing

from chatsite.acs import clients
from chatsite.acs.errors import AcsForbidden, AcsNotFound, acs_errors
from chatsite.acs.identities import credentials_for

from .messages import Message, from_acs

THREADS_PER_PAGE = 20
MESSAGES_PER_PAGE = 30
# ACS continuation links are followed verbatim with the person's token: only links the site signed are used.
_PAGE_SALT = "chatsite.chat.page"


@dataclasses.dataclass
class ThreadSummary:
    id: str
    topic: str
    last_message_at: datetime | None


@dataclasses.dataclass
class ThreadInfo:
    id: str
    topic: str


@dataclasses.dataclass
class MessagePage:
    messages: list[Message]  # oldest first
    older: str | None  # signed token for the page before, if any


def thread_list(*, user, page: str | None = None) -> tuple[list[ThreadSummary], str | None]:
    credentials = credentials_for(user)
    with acs_errors():
        pages = (
            clients.chat_client(credentials.token)
            .list_chat_threads(results_per_page=THREADS_PER_PAGE)
            .by_page(continuation_token=_unsign(page, scope="threads"))
        )
        items = list(next(pages, []))
        link = pages.continuation_token
    threads = [
        ThreadSummary(item.id, item.topic or "", item.last_message_received_on)
        for item in items
        if item.deleted_on is None
    ]
    # ACS orders by recent activity already; sorting the page keeps that promise whatever the service does.
    threads.sort(key=lambda t: t.last_message_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return threads, _sign(link, scope="threads")


def thread_get(*, user, thread_id: str) -> ThreadInfo:
    credentials = credentials_for(user)
    with _as_not_found(), acs_errors():
        properties = clients.thread_client(credentials.token, thread_id).get_properties()
    return ThreadInfo(properties.id, properties.topic or "")


def message_page(*, user, thread_id: str, older: str | None = None) -> MessagePage:
    credentials = credentials_for(user)
    with _as_not_found(), acs_errors():
        pages = (
            clients.thread_client(credentials.token, thread_id)
            .list_messages(results_per_page=MESSAGES_PER_PAGE)
            .by_page(continuation_token=_unsign(older, scope=thread_id))
        )
        items = list(next(pages, []))
        link = pages.continuation_token
    messages = from_acs(items)
    messages.sort(key=lambda m: m.sequence_id)
    return MessagePage(messages, _sign(link, scope=thread_id))


def messages_changed_since(
    *, user, thread_id: str, since: datetime, limit: int
) -> tuple[list[Message], bool]:
    """Messages created, edited or deleted since `since` (one ACS read); the flag says whether more exist."""
    credentials = credentials_for(user)
    with _as_not_found(), acs_errors():
        pages = (
            clients.thread_client(credentials.token, thread_id)
            .list_messages(results_per_page=limit, start_time=since)
            .by_page()
        )
        items = list(next(pages, []))
        more = bool(pages.continuation_token)
    messages = from_acs(items)
    messages.sort(key=lambda m: m.sequence_id)
    return messages, more


def message_get(*, user, thread_id: str, message_id: str) -> Message:
    credentials = credentials_for(user)
    with _as_not_found(), acs_errors():
        item = clients.thread_client(credentials.token, thread_id).get_message(message_id)
    return from_acs([item])[0]


class _as_not_found:
    """Reading a thread one is not part of: ACS says 403; the person sees the same 404 as for no thread."""

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        if exc_type is AcsForbidden:
            raise AcsNotFound() from None
        return False


def _sign(link: str | None, *, scope: str) -> str | None:
    return signing.dumps({"s": scope, "l": link}, salt=_PAGE_SALT) if link else None


def _unsign(token: str | None, *, scope: str) -> str | None:
    if not token:
        return None
    try:
        data = signing.loads(token, salt=_PAGE_SALT)
    except signing.BadSignature:
        return None
    return data["l"] if data.get("s") == scope else None
