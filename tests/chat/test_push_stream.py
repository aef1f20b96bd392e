"""The push stream (/live/stream/): hints that a thread moved reach the open streams of its people only, are sent
again after a reconnect (Last-Event-ID), at most 10 streams a person, closed by logging out.

Served as the ASGI deployment serves it (Django's AsyncClient goes through the ASGI request handler), with the
sends made through the site by another person's client; on SQLite with the in-process broker, and on
PostgreSQL + Redis with the Redis one.
"""

import asyncio
import json
import uuid

from asgiref.sync import sync_to_async
from django.db import connections
from django.test import AsyncClient, Client
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.forms import owner_mark
from chatsite.chat.services import threads

# Generous: the CI machine is loaded. Waiting for what must NOT come is bounded by a later event instead.
WAIT = 30


def run(scenario):
    async def then_close():
        try:
            await scenario()
        finally:  # the connections the site's sync code opened on the executor's thread, as a request's end does
            await sync_to_async(connections.close_all)()

    asyncio.run(then_close())


async def stream_of(client: Client, last_event_id: str | None = None, owner: str | None = None) -> "Stream":
    """The stream `client`'s browser opens (its session), sending back the last id it saw when reconnecting, asked
    for by a page made for `owner` (an owner mark) when given."""
    streamer = AsyncClient()
    await sync_to_async(_share_session)(client, streamer)
    headers = {"Last-Event-ID": last_event_id} if last_event_id else {}
    query = {"owner": owner} if owner is not None else {}
    response = await streamer.get(reverse("live_stream"), query, headers=headers)
    return Stream(response)


def _share_session(client: Client, streamer: AsyncClient) -> None:
    streamer.cookies = client.cookies  # the same browser: the same session


class Stream:
    def __init__(self, response):
        self.response = response
        self.status = response.status_code
        self._chunks = aiter(response.streaming_content) if response.streaming else None
        self._buffer = ""

    async def event(self) -> dict | None:
        """The next event (comments skipped) as its fields, or None when the server ended the stream."""
        while "\n\n" not in self._buffer:
            try:
                chunk = await asyncio.wait_for(anext(self._chunks), WAIT)
            except StopAsyncIteration:
                return None
            self._buffer += chunk.decode()
        block, self._buffer = self._buffer.split("\n\n", 1)
        fields = dict(line.split(": ", 1) for line in block.splitlines() if not line.startswith(":"))
        return fields if fields else await self.event()

    async def ready(self) -> str:
        """The id the stream opened with (`event: ready`), which a browser that saw nothing else sends back."""
        async with asyncio.timeout(WAIT):
            while (fields := await self.event()) is not None:
                if fields.get("event") == "ready":
                    return fields["id"]
        raise AssertionError("the stream ended before it said where it starts")

    async def moved(self, *, look_again: bool = False) -> dict:
        """The next hint that a thread's messages moved: {"id", "thread", "marker"}; with look_again, the next hint
        of any kind (marker 0: who is typing, "Seen by" or the people moved)."""
        async with asyncio.timeout(WAIT):  # heartbeats do not count
            return await self._moved(look_again)

    async def _moved(self, look_again: bool) -> dict:
        while True:
            fields = await self.event()
            assert fields is not None, "the stream ended"
            if fields.get("event") == "moved":
                hint = {"id": fields["id"], **json.loads(fields["data"])}
                if look_again or hint["marker"]:
                    return hint

    async def close(self):
        """The browser goes: the server stops iterating and closes the response, as at the end of any request."""
        if self._chunks is not None:
            await self._chunks.aclose()
            await sync_to_async(self.response.close)()


def send(client: Client, thread_id: str, content: str) -> None:
    response = client.post(reverse("chat:message_send", args=[thread_id]), {"content": content}, HTTP_HX_REQUEST="true")
    assert response.status_code == 200, response.content[:500]


def new_thread(creator: Client, *others: Client) -> str:
    return threads.thread_create(
        actor=Actor.person(creator.user), topic="Push", participants=[o.user for o in others],
        idempotency_token=str(uuid.uuid4()),
    ).acs_thread_id  # fmt: skip


def marker(thread_id: str) -> int:
    from chatsite.chat.live.cache import MARKER

    return MARKER.current(thread_id)


def test_a_send_by_bruno_reaches_anas_stream_and_nothing_of_a_thread_she_is_not_in(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    others = new_thread(bruno, carla)

    async def scenario():
        stream = await stream_of(ana)
        assert stream.status == 200
        assert stream.response["Content-Type"] == "text/event-stream"
        opening = await stream.event()
        assert opening["retry"]  # open: the browser reconnects by itself after a drop…
        assert opening["event"] == "ready" and opening["id"]  # …sending back where it started if nothing came
        await sync_to_async(send)(bruno, others, "Not for Ana")
        await sync_to_async(send)(bruno, thread_id, "For Ana")
        hint = await stream.moved()  # the first hint she gets is her thread's: the other was never sent
        assert hint["thread"] == thread_id
        assert hint["marker"] == await sync_to_async(marker)(thread_id)
        assert "For Ana" not in json.dumps(hint)  # a hint, no content
        await stream.close()

    run(scenario)


def test_a_reconnect_with_last_event_id_gets_what_moved_meanwhile(ana, bruno, thread_id):
    async def scenario():
        stream = await stream_of(ana)
        await sync_to_async(send)(bruno, thread_id, "First")
        first = await stream.moved()
        await stream.close()  # the connection drops…

        await sync_to_async(send)(bruno, thread_id, "While away")  # …something moves meanwhile…
        moved_to = await sync_to_async(marker)(thread_id)
        again = await stream_of(ana, last_event_id=first["id"])  # …and the browser reconnects with its id
        hint = await again.moved()
        assert (hint["thread"], hint["marker"]) == (thread_id, moved_to)
        await again.close()

        # An id the log no longer reaches (or never had): the page is told to poll once, not left behind.
        stale = await stream_of(ana, last_event_id="1-0")
        assert (await stale.event())["retry"]
        assert (await stale.event())["event"] == "resync"
        await stale.close()

    run(scenario)


def test_the_eleventh_stream_of_a_person_is_refused(ana):
    async def scenario():
        streams = [await stream_of(ana) for _ in range(10)]
        for stream in streams:
            assert stream.status == 200
            await stream.event()
        eleventh = await stream_of(ana)
        assert eleventh.status == 429
        await streams[0].close()  # one closes: a new one may open
        twelfth = await stream_of(ana)
        assert twelfth.status == 200
        for stream in [*streams[1:], twelfth]:
            await stream.close()

    run(scenario)


def test_logging_out_closes_the_sessions_streams(ana, bruno, thread_id):
    async def scenario():
        stream = await stream_of(ana)
        bruno_stream = await stream_of(bruno)
        await stream.event()
        await bruno_stream.event()
        await sync_to_async(ana.post)(reverse("logout"))
        assert await stream.event() is None  # the server ended it
        # Bruno's session is another: his stream still gets hints.
        await sync_to_async(lambda: send(ana_again(), thread_id, "Bye"))()
        assert (await bruno_stream.moved())["thread"] == thread_id
        await bruno_stream.close()

    def ana_again():
        client = Client()
        client.force_login(ana.user)
        return client

    run(scenario)


def test_signed_out_and_wsgi_requests_get_no_stream(ana):
    async def scenario():
        anonymous = await AsyncClient().get(reverse("live_stream"))
        assert anonymous.status_code == 403

    run(scenario)
    # Under WSGI (runserver, gthread workers) a stream would hold a worker thread: 204 tells EventSource to stop
    # reconnecting, and the page polls as before.
    assert ana.get(reverse("live_stream")).status_code == 204


def test_someone_typing_reaches_the_stream_as_a_hint_to_look_again(ana, bruno, thread_id):
    async def scenario():
        stream = await stream_of(ana)
        await stream.event()
        typed = await sync_to_async(bruno.post)(reverse("chat:typing", args=[thread_id]), HTTP_HX_REQUEST="true")
        assert typed.status_code < 300
        hint = await stream.moved(look_again=True)
        assert (hint["thread"], hint["marker"]) == (thread_id, 0)  # not the messages: the page looks again
        await stream.close()

    run(scenario)


def test_a_page_made_for_another_account_gets_no_stream(ana, bruno):
    """A shared browser: Bruno's tab left open after he logged out and Ana logged in must not hear of Ana's threads."""

    async def scenario():
        theirs = await stream_of(ana, owner=await sync_to_async(owner_mark)(bruno.user))
        assert theirs.status == 409
        mine = await stream_of(ana, owner=await sync_to_async(owner_mark)(ana.user))
        assert mine.status == 200
        await mine.event()
        await mine.close()

    run(scenario)
