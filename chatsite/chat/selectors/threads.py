"""Threads: a person's list, one thread's header, the staff view of a thread as ACS has it now."""

import dataclasses
from datetime import UTC, datetime

from django.core.cache import cache

from chatsite.acs import service

from ..actors import Actor
from ..live import keys
from ..models import Thread
from ..presentation import Message, present
from .accounts import display_name, people_by_acs_id
from .paging import sign, thread_reads, unsign

THREADS_PER_PAGE = 20
SHARED_TTL = 3600
LATEST_MESSAGES = 20


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
class Member:
    acs_user_id: str
    display_name: str
    user: object | None  # the site's person, or None for a user of another ACS client


@dataclasses.dataclass
class LiveThread:
    """A thread as ACS has it now, read by the service identity for staff."""

    topic: str
    creator_id: str | None
    members: list[Member]
    messages: list[Message]  # the latest, oldest first


def thread_list(*, actor: Actor, page: str | None = None) -> tuple[list[ThreadSummary], str | None]:
    result = actor.acs.threads_list(page_size=THREADS_PER_PAGE, continuation=unsign(page, scope="threads"))
    threads = [
        ThreadSummary(item.id, item.topic, item.last_message_received_on)
        for item in result.items
        if item.deleted_on is None
    ]
    # ACS orders by recent activity already; sorting the page keeps that promise whatever the service does.
    threads.sort(key=lambda t: t.last_message_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return threads, sign(result.continuation, scope="threads")


def thread_get(*, actor: Actor, thread_id: str) -> ThreadInfo:
    with thread_reads():
        properties = actor.acs.thread_properties(thread_id)
    return ThreadInfo(properties.id, properties.topic)


def thread_mirror_info(*, thread_id: str) -> ThreadInfo:
    """The thread's header as the site last saw it (no ACS call)."""
    mirror = Thread.objects.filter(acs_thread_id=thread_id).values_list("topic", flat=True).first()
    return ThreadInfo(thread_id, mirror or "")


def thread_is_shared(*, thread_id: str) -> bool:
    """Whether the site's service identity is in the thread (the site created or imported it), so that one read
    of it serves every viewer. Cached: asked on every poll."""
    cached = cache.get(keys.shared(thread_id))
    if cached is None:
        cached = Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None).exists()
        cache.set(keys.shared(thread_id), cached, SHARED_TTL)
    return cached


def thread_unshare(*, thread_id: str) -> None:
    """The service identity can no longer read the thread (removed by another ACS client): viewers read it."""
    cache.set(keys.shared(thread_id), False, SHARED_TTL)


def thread_can_delete(*, user, thread_id: str) -> bool:
    """Only the person who started a chat on the site may delete it for everyone."""
    return Thread.objects.filter(acs_thread_id=thread_id, created_by=user, deleted_at=None).exists()


def thread_live(*, acs_thread_id: str) -> LiveThread:
    """The thread as ACS has it now, as the service identity sees it: topic, people, latest messages."""
    acs = Actor.service().acs
    properties = acs.thread_properties(acs_thread_id)
    acs_members = acs.participants_list(acs_thread_id)
    latest = acs.messages_page(acs_thread_id, page_size=LATEST_MESSAGES).items
    people = people_by_acs_id(m.acs_user_id for m in acs_members)
    members = [
        Member(m.acs_user_id, display_name(person) if person else m.display_name, person)
        for m in acs_members
        if not service.is_service_identity(m.acs_user_id)
        for person in [people.get(m.acs_user_id)]
    ]
    messages = sorted(present(latest), key=lambda m: m.sequence_id)
    return LiveThread(properties.topic, properties.created_by, members, messages)
