"""A send answers in the same time in a small and a large thread (issue 22 item 5): its per-participant bookkeeping
(unread rows, inbox entries, each person's list marker) is a fixed number of bulk writes, not one per person."""

import asyncio
import uuid

from asgiref.sync import sync_to_async
from django.db import connection, connections
from django.test import AsyncClient
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.live.cache import INBOX
from chatsite.chat.models import InboxEntry
from chatsite.chat.services import threads

from .conftest import HTMX


def thread_of(ana, people, topic):
    return threads.thread_create(
        actor=Actor.person(ana.user), topic=topic, participants=people, idempotency_token=str(uuid.uuid4())
    ).acs_thread_id


def send(person, thread_id, words):
    url = reverse("chat:message_send", args=[thread_id])
    with CaptureQueriesContext(connection) as queries:
        response = person.post(url, {"content": words, "client_id": str(uuid.uuid4())}, **HTMX)
    assert response.status_code == 200, response.content[:500]
    return len(queries)


def test_a_send_costs_the_same_queries_in_a_3_person_and_a_50_person_thread(ana, make_person):
    people = [make_person(f"p{n:02d}").user for n in range(49)]
    small = thread_of(ana, people[:2], "Small")
    large = thread_of(ana, people, "Large")
    for thread_id in (small, large):
        send(ana, thread_id, "Warming up")  # the first send of each fetches what later ones find cached
    markers = {pk: INBOX.current(pk) for pk in (p.pk for p in people)}

    in_small = send(ana, small, "Hello, two")
    in_large = send(ana, large, "Hello, forty-nine")

    assert in_large == in_small
    # ...and every one of the 49 still gets it: one more unread, and their list moves.
    assert sorted(InboxEntry.objects.filter(thread__acs_thread_id=large).exclude(user=ana.user)
                  .values_list("unread_count", flat=True)) == [2] * 49  # fmt: skip
    assert all(INBOX.current(p.pk) != markers[p.pk] for p in people)


def test_under_the_asgi_handler_the_counts_follow_the_answer(ana, bruno, thread_id):
    """The ASGI deployment runs a sync view and the end of its request on different threads: the unread count the
    send leaves for after its answer still lands (services/later.py carries it in a context variable)."""
    url = reverse("chat:message_send", args=[thread_id])

    async def scenario():
        browser = AsyncClient()
        browser.cookies = ana.cookies
        response = await browser.post(
            url, {"content": "Through ASGI", "client_id": str(uuid.uuid4())}, headers={"HX-Request": "true"}
        )
        assert response.status_code == 200

    async def then_close():
        try:
            await scenario()
        finally:  # the connections the site's sync code opened on the executor's thread, as a request's end does
            await sync_to_async(connections.close_all)()

    asyncio.run(then_close())

    entry = InboxEntry.objects.get(thread__acs_thread_id=thread_id, user=bruno.user)
    assert entry.unread_count == 1
