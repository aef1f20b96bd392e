"""The push carries the change itself (chat/push/change.py): each viewer's stream gets what their poll would show a
page one step behind, laid out once per presentation class, and a person whose part ended gets no content.

Through Django's ASGI handler with the sends made through the site against the live emulator, as
test_push_stream.py; the pages are opened first (a page open starts the chain of reads a change is laid out from).
"""

import asyncio
import json
import uuid
from urllib.parse import unquote

import pytest
from asgiref.sync import sync_to_async
from django.urls import reverse

from chatsite.acs.identities import identity_for
from chatsite.chat.push import broker as push_broker
from chatsite.chat.push import change

from .conftest import HTMX, Page
from .test_push_stream import WAIT, new_thread, run, send, stream_of


async def next_change(stream) -> dict:
    """The next event about a thread's messages: a change ({"event": "change", ...}) or a hint (fields)."""
    async with asyncio.timeout(WAIT):
        while True:
            fields = await stream.event()
            assert fields is not None, "the stream ended"
            if fields.get("event") == "change":
                return {"event": "change", "id": fields["id"], **json.loads(fields["data"])}
            if fields.get("event") == "moved" and json.loads(fields["data"])["marker"]:
                return fields


def poll_answer(page: Page) -> str:
    response = page.get()
    assert response.status_code == 200
    return response.content.decode()


def test_each_class_gets_what_its_poll_shows_and_never_anothers(ana, bruno, make_person, thread_id):
    """Bruno sends: his own stream lays it out as his own (no announcement); Ana's announces it; Carla, added
    with history from now, never gets what was said before she came, which the read of the change still holds."""
    carla = make_person("carla", "Carla")
    send(ana, thread_id, "Before Carla came")
    added = ana.post(
        reverse("chat:participants_add", args=[thread_id]), {"people": [carla.user.pk], "history": "now"}, **HTMX
    )
    assert added.status_code == 200
    pages = {who: Page(client, thread_id) for who, client in (("ana", ana), ("bruno", bruno), ("carla", carla))}
    got = {}

    async def scenario():
        streams = {who: await stream_of(client) for who, client in (("ana", ana), ("bruno", bruno), ("carla", carla))}
        await sync_to_async(send)(bruno, thread_id, "After Carla came")
        for who, stream in streams.items():
            got[who] = await next_change(stream)
            await stream.close()

    run(scenario)
    for who, pushed in got.items():
        assert pushed["event"] == "change", who
        assert "After Carla came" in pushed["html"]
        # Exactly what the page's poll from the same marker shows (the poll answer adds only its own poller).
        assert pushed["prev"] == int(_param(pages[who].url, "marker")), who
        assert pushed["html"] in poll_answer(pages[who]), who
    assert "message--own" in row_of("After Carla came", got["bruno"]["html"])
    assert "New message from" not in got["bruno"]["html"]
    assert "message--own" not in row_of("After Carla came", got["ana"]["html"])
    assert "New message from Bruno" in got["ana"]["html"]
    # The change's read starts 5 s before the one before it: it holds Ana's earlier words, which Carla may not see.
    assert "Before Carla came" in got["ana"]["html"]
    assert "Before Carla came" not in got["carla"]["html"]


def test_a_person_removed_mid_conversation_gets_no_further_content(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    added = ana.post(
        reverse("chat:participants_add", args=[thread_id]), {"people": [carla.user.pk], "history": "all"}, **HTMX
    )
    assert added.status_code == 200
    elsewhere = new_thread(carla, bruno)
    for client in (ana, carla):
        Page(client, thread_id)
    Page(carla, elsewhere)

    async def scenario():
        carlas = await stream_of(carla)
        anas = await stream_of(ana)
        await sync_to_async(send)(bruno, thread_id, "Still there, Carla?")
        assert "Still there, Carla?" in (await next_change(carlas))["html"]
        assert (await next_change(anas))["event"] == "change"

        removed = await sync_to_async(ana.post)(
            reverse("chat:participant_remove", args=[thread_id]),
            {"participant": await sync_to_async(lambda: identity_for(carla.user).acs_user_id)()},
            **HTMX,
        )
        assert removed.status_code == 200
        await sync_to_async(send)(bruno, thread_id, "Carla is gone")
        while "Carla is gone" not in json.dumps(await next_change(anas)):
            pass  # Ana's stream brings it (after the removal's own change)
        # Bounded by a later event: a message in Carla's other thread reaches her; nothing of the first came before.
        await sync_to_async(send)(bruno, elsewhere, "Another thread")
        while True:
            event = await next_change(carlas)
            assert "Carla is gone" not in json.dumps(event)
            data = event if event["event"] == "change" else json.loads(event["data"])
            if data["thread"] == elsewhere:
                break
            assert event["event"] != "change", "no content of a thread she was removed from"
        await carlas.close()
        await anas.close()

    run(scenario)


def test_a_change_is_laid_out_once_for_all_streams_of_one_class(ana, bruno, thread_id, monkeypatch):
    made = []
    render = change.render

    def counted(kind, delta, items):
        made.append(kind)
        return render(kind, delta, items)

    monkeypatch.setattr(change, "render", counted)
    Page(ana, thread_id)

    async def scenario():
        streams = [await stream_of(ana) for _ in range(5)]
        await sync_to_async(send)(bruno, thread_id, "Once for all")
        events = [await next_change(stream) for stream in streams]
        assert all(e["event"] == "change" and "Once for all" in e["html"] for e in events)
        assert len({e["html"] for e in events}) == 1
        for stream in streams:
            await stream.close()

    run(scenario)
    assert len(made) == 1


def row_of(words: str, html: str) -> str:
    [row] = [row for row in html.split('<li id="m-') if words in row]
    return row


def _param(url: str, name: str) -> str:
    from urllib.parse import parse_qs, urlsplit

    return parse_qs(urlsplit(url).query, keep_blank_values=True)[name][0]


def test_a_change_the_stream_cannot_lay_out_comes_as_a_hint(ana, bruno, thread_id):
    """A moderator hid a message: every page reloads its newest messages (a resync), which only the poll brings."""
    from chatsite.chat.live import polling

    Page(ana, thread_id)

    async def scenario():
        stream = await stream_of(ana)
        marker = await sync_to_async(polling.redraw)(thread_id=thread_id)
        event = await next_change(stream)
        assert event["event"] == "moved"
        assert json.loads(event["data"]) == {"thread": thread_id, "marker": marker}
        await stream.close()

    run(scenario)


def test_a_reconnect_one_step_behind_gets_the_change_itself(ana, bruno, thread_id, acs_calls):
    """The stream dropped for one message: the reconnect (Last-Event-ID) brings that change, laid out for a page
    at the marker the last event left it at, so the page applies it with no poll; ACS is read once for it."""
    page = Page(ana, thread_id)

    async def scenario():
        stream = await stream_of(ana)
        await sync_to_async(send)(bruno, thread_id, "Before the drop")
        first = await next_change(stream)
        assert first["event"] == "change"
        await stream.close()  # the connection drops…
        await sync_to_async(page.poll)()  # (the page as the first change left it: at its marker and message)

        acs_calls.clear()
        await sync_to_async(send)(bruno, thread_id, "While away")  # …one message comes meanwhile…
        again = await stream_of(ana, last_event_id=first["id"])  # …and the browser reconnects with its id
        got["resumed"] = await next_change(again)
        await again.close()

    got = {}
    run(scenario)
    resumed = got["resumed"]
    assert resumed["event"] == "change"
    assert "While away" in resumed["html"]
    assert (resumed["prev"], resumed["base"]) == (int(_param(page.url, "marker")), int(_param(page.url, "seq")))
    assert resumed["html"] in poll_answer(page)  # what the page's poll from there would have brought
    assert [(method, unquote(path)) for method, path in acs_calls if method == "GET"] == [
        ("GET", f"/chat/threads/{thread_id}/messages")  # the send's read ahead, which the stream and poll replayed
    ]


@pytest.mark.parametrize("how", ["left", "removed"])
def test_a_reconnect_brings_nothing_of_a_thread_the_person_is_no_longer_in(ana, bruno, make_person, thread_id, how):
    carla = make_person("carla", "Carla")
    added = ana.post(
        reverse("chat:participants_add", args=[thread_id]), {"people": [carla.user.pk], "history": "all"}, **HTMX
    )
    assert added.status_code == 200
    elsewhere = new_thread(carla, bruno)
    Page(carla, thread_id)
    Page(carla, elsewhere)

    def part_ends():
        if how == "left":
            response = carla.post(reverse("chat:thread_leave", args=[thread_id]))
            assert response.status_code == 302
        else:
            acs_id = identity_for(carla.user).acs_user_id
            response = ana.post(reverse("chat:participant_remove", args=[thread_id]), {"participant": acs_id}, **HTMX)
            assert response.status_code == 200

    async def scenario():
        stream = await stream_of(carla)
        await sync_to_async(send)(bruno, thread_id, "Still there, Carla?")
        last = await next_change(stream)
        assert last["event"] == "change"
        await stream.close()

        await sync_to_async(part_ends)()
        await sync_to_async(send)(bruno, thread_id, "Carla is gone")
        # Bounded by a later move: her other thread's comes again; nothing of the first came before it.
        await sync_to_async(send)(bruno, elsewhere, "Another thread")
        again = await stream_of(carla, last_event_id=last["id"])
        event = await next_change(again)
        data = event if event["event"] == "change" else json.loads(event["data"])
        assert data["thread"] == elsewhere, "nothing of a thread she is no longer in"
        await again.close()

    run(scenario)


def test_a_reconnect_that_missed_someone_typing_is_told_to_look_again_too(ana, bruno, thread_id):
    """A change carries only the messages: what else moved meanwhile (who is typing, "Seen by", the people) comes
    as one "look again" beside it, so the page's poll still shows it."""
    Page(ana, thread_id)
    events = []

    async def scenario():
        stream = await stream_of(ana)
        await sync_to_async(send)(bruno, thread_id, "Before the drop")
        first = await next_change(stream)
        await stream.close()

        typed = await sync_to_async(bruno.post)(reverse("chat:typing", args=[thread_id]), **HTMX)
        assert typed.status_code < 300
        await sync_to_async(send)(bruno, thread_id, "While away")
        again = await stream_of(ana, last_event_id=first["id"])
        async with asyncio.timeout(WAIT):
            while len(events) < 2:
                fields = await again.event()
                if "event" in fields:
                    events.append((fields["event"], json.loads(fields["data"])))
        await again.close()

    run(scenario)
    kinds = sorted((kind, data["thread"], data["marker"] == 0) for kind, data in events)
    assert kinds == [("change", thread_id, False), ("moved", thread_id, True)], events
    assert "While away" in next(data for kind, data in events if kind == "change")["html"]


@pytest.fixture(params=["kept", "empty"])
def log(request, settings, monkeypatch):
    """The broker's log as a stream opens: holding earlier hints, or empty (a new process; a new Redis)."""
    if request.param == "kept":
        yield
        return
    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        monkeypatch.setattr(push_broker, "REDIS_STREAM", f"chatsite:push:test-{uuid.uuid4().hex}")
        fresh = push_broker.RedisBroker(cache["LOCATION"])
    else:
        fresh = push_broker.LocalBroker()
    monkeypatch.setattr(push_broker, "_broker", fresh)
    yield
    if isinstance(fresh, push_broker.RedisBroker):
        fresh.close()
        fresh._client.delete(push_broker.REDIS_STREAM)


def test_a_quiet_stream_that_dropped_resumes_from_where_it_opened_with_the_change_itself(ana, bruno, thread_id, log):
    """The stream dropped before it brought any event (a proxy or a blip cut an idle stream): it opened with an id,
    so the reconnect sends that back and gets the one message that came meanwhile as the change, from what the page
    shows; the page applies it with no poll."""
    page = Page(ana, thread_id, opened=False)
    got = {}

    async def scenario():
        stream = await stream_of(ana)
        opened = await stream.ready()
        await sync_to_async(page.poll)()  # the page's one poll as a new stream opens
        await stream.close()  # the connection drops, nothing having moved…

        await sync_to_async(send)(bruno, thread_id, "While away")  # …one message comes meanwhile…
        again = await stream_of(ana, last_event_id=opened)  # …and the browser reconnects with the opening id
        got["resumed"] = await next_change(again)
        await again.close()

    run(scenario)
    resumed = got["resumed"]
    assert resumed["event"] == "change", resumed
    assert "While away" in resumed["html"]
    assert (resumed["prev"], resumed["base"]) == (int(_param(page.url, "marker")), int(_param(page.url, "seq")))
    assert resumed["html"] in poll_answer(page)


def test_a_quiet_streams_reconnect_brings_nothing_of_a_thread_the_person_is_not_in(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    hers = new_thread(carla, bruno)
    Page(carla, hers)

    async def scenario():
        stream = await stream_of(carla)
        opened = await stream.ready()
        await stream.close()

        await sync_to_async(send)(bruno, thread_id, "Not for Carla")
        # Bounded by a later move: her own thread's comes; nothing of the other came before it.
        await sync_to_async(send)(bruno, hers, "For Carla")
        again = await stream_of(carla, last_event_id=opened)
        event = await next_change(again)
        data = event if event["event"] == "change" else json.loads(event["data"])
        assert data["thread"] == hers, "nothing of a thread she is not in"
        assert "Not for Carla" not in json.dumps(event)
        await again.close()

    run(scenario)


def test_what_moved_as_the_stream_opened_is_the_first_polls_and_not_sent_again(ana, bruno, thread_id, monkeypatch):
    """A message sent between the stream's subscribing and its reading of where it starts: the page's first poll
    (made once the stream is open) shows it, so the stream does not send it too; the next one it sends once."""
    page = Page(ana, thread_id, opened=False)
    kind = type(push_broker.broker())
    newest = kind.newest

    def moved_meanwhile(self):
        send(bruno, thread_id, "As it opened")
        return newest(self)

    monkeypatch.setattr(kind, "newest", moved_meanwhile)
    got = {}

    async def scenario():
        stream = await stream_of(ana)
        await stream.ready()
        monkeypatch.setattr(kind, "newest", newest)
        got["first poll"] = await sync_to_async(page.poll)()
        await sync_to_async(send)(bruno, thread_id, "After it opened")
        got["first event"] = await next_change(stream)
        await stream.close()

    run(scenario)
    assert "As it opened" in got["first poll"]
    first = got["first event"]
    assert first["event"] == "change", first
    assert "After it opened" in first["html"]
    assert first["prev"] == int(_param(page.url, "marker"))  # it follows what the first poll showed
