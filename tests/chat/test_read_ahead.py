"""The one ACS read of a site send, edit or delete starts as the write answers (services/ahead.py): open pages,
polling or on a stream, find the change ready and make no read of their own; a read that fails leaves them reading
it as before; a send without script (its page reloads and reads the latest page) reads nothing ahead, nor does a
write no open page waits for.

Writes go through the site as a page makes them, against the live emulator; ACS requests are counted as the site
makes them (acs_calls)."""

import threading
from urllib.parse import unquote

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from chatsite.acs.errors import AcsThrottled
from chatsite.chat.actors import Actor

from .conftest import HTMX, Page
from .test_push_change import next_change
from .test_push_stream import run, stream_of


def send(client, thread_id, content, *, htmx=True):
    headers = HTMX if htmx else {}
    response = client.post(reverse("chat:message_send", args=[thread_id]), {"content": content}, **headers)
    assert response.status_code == (200 if htmx else 302), response.content[:500]
    return response.get("X-Message-Id")


def edit(client, thread_id, message_id, content):
    url = reverse("chat:message_edit", args=[thread_id, message_id])
    response = client.post(url, {"content": content}, **HTMX)
    assert response.status_code == 200, response.content[:500]


def delete(client, thread_id, message_id):
    response = client.post(reverse("chat:message_delete", args=[thread_id, message_id]), **HTMX)
    assert response.status_code == 200, response.content[:500]


# A write of Bruno's message from his page, and what an open page shows of it once it has the change.
WRITES = {
    "edit": (lambda client, thread_id, message_id: edit(client, thread_id, message_id, "Table at one"), "Table at one"),
    "delete": (delete, "This message was deleted"),
}


def message_reads(calls, thread_id):
    return [call for call in calls if call == ("GET", f"/chat/threads/{thread_id}/messages")]


def unquoted(calls):
    return [(method, unquote(path)) for method, path in calls]


def test_after_a_send_every_open_page_gets_the_message_with_no_read_of_its_own(ana, bruno, thread_id, acs_calls):
    anas, brunos = Page(ana, thread_id), Page(bruno, thread_id)
    acs_calls.clear()

    send(bruno, thread_id, "Table for two at noon")

    assert len(message_reads(unquoted(acs_calls), thread_id)) == 1  # the change's one read, as the send answered
    acs_calls.clear()
    anas.poll()
    brunos.poll()
    assert "Table for two at noon" in anas.seen
    assert "Table for two at noon" in brunos.seen
    assert acs_calls == []


def test_the_first_stream_to_hear_of_a_send_finds_its_change_read(ana, bruno, thread_id, acs_calls):
    Page(ana, thread_id)  # a page open: the thread's chain of reads is under way
    acs_calls.clear()
    got = {}

    async def scenario():
        stream = await stream_of(ana)
        # The send runs to its end, after its answer, before the stream may look at its hint: the stream is the
        # first to ask for the change, as on a busy server whose streams hear of it late.
        sending = threading.Thread(target=send, args=(bruno, thread_id, "Pushed, already read"))
        sending.start()
        sending.join()
        got["reads during the send"] = len(message_reads(unquoted(acs_calls), thread_id))
        acs_calls.clear()
        got["change"] = await next_change(stream)
        await stream.close()

    run(scenario)

    assert got["reads during the send"] == 1
    assert got["change"]["event"] == "change"
    assert "Pushed, already read" in got["change"]["html"]
    assert message_reads(unquoted(acs_calls), thread_id) == []  # the stream read nothing


def test_when_the_read_fails_the_pages_read_the_change_themselves(
    ana, bruno, thread_id, acs_calls, throttled_emulator, monkeypatch
):
    """ACS throttles the site's reads of the thread just as Bruno sends: the send still answers, and Ana's page
    gets his message by its poll once ACS reads again."""
    monkeypatch.setattr("chatsite.acs.clients.MAX_RETRY_AFTER", 0)
    anas = Page(ana, thread_id)
    with time_machine.travel(timezone.now(), tick=False) as clock:  # ACS's window cannot roll over meanwhile
        with pytest.raises(AcsThrottled):  # the site's reads of the thread use up this window's budget
            for _ in range(100):
                Actor.service().acs.messages_page(thread_id, page_size=1)
        acs_calls.clear()

        send(bruno, thread_id, "Sent while ACS throttles reads")

        assert message_reads(unquoted(acs_calls), thread_id), "the read ahead was tried"
        clock.shift(11)  # ACS's 10 s window has passed
        anas.poll()
    assert "Sent while ACS throttles reads" in anas.seen


def test_a_send_without_script_reads_nothing_ahead(ana, bruno, thread_id, acs_calls):
    """Its page reloads, which reads the latest page once: reading the change too would be a second read."""
    Page(ana, thread_id)
    acs_calls.clear()

    send(bruno, thread_id, "No script here", htmx=False)
    reloaded = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()

    assert "No script here" in reloaded
    assert len(message_reads(unquoted(acs_calls), thread_id)) == 1


@pytest.mark.parametrize("write", WRITES)
def test_after_an_edit_or_delete_every_open_page_gets_it_with_no_read_of_its_own(
    write, ana, bruno, thread_id, acs_calls
):
    anas, brunos = Page(ana, thread_id), Page(bruno, thread_id)
    message_id = send(bruno, thread_id, "Table at noon")
    anas.poll()
    brunos.poll()
    change, shown = WRITES[write]
    acs_calls.clear()

    change(bruno, thread_id, message_id)

    assert len(message_reads(unquoted(acs_calls), thread_id)) == 1  # the change's one read, as the write answered
    acs_calls.clear()
    ana_saw, bruno_saw = anas.poll(), brunos.poll()
    assert shown in ana_saw
    assert shown in bruno_saw
    assert acs_calls == []


@pytest.mark.parametrize("write", WRITES)
def test_the_first_stream_to_hear_of_an_edit_or_delete_finds_its_change_read(write, ana, bruno, thread_id, acs_calls):
    anas = Page(ana, thread_id)
    message_id = send(bruno, thread_id, "Table at noon")
    anas.poll()
    change, shown = WRITES[write]
    acs_calls.clear()
    got = {}

    async def scenario():
        stream = await stream_of(ana)
        # As for a send: the write runs to its end, after its answer, before the stream may look at its hint.
        writing = threading.Thread(target=change, args=(bruno, thread_id, message_id))
        writing.start()
        writing.join()
        got["reads during the write"] = len(message_reads(unquoted(acs_calls), thread_id))
        acs_calls.clear()
        got["change"] = await next_change(stream)
        await stream.close()

    run(scenario)

    assert got["reads during the write"] == 1
    assert got["change"]["event"] == "change"
    assert shown in got["change"]["html"]
    assert message_reads(unquoted(acs_calls), thread_id) == []  # the stream read nothing


def test_when_the_read_after_an_edit_fails_the_pages_read_the_edit_themselves(
    ana, bruno, thread_id, acs_calls, throttled_emulator, monkeypatch
):
    """ACS throttles the site's reads of the thread just as Bruno edits: the edit still answers, and Ana's page
    gets the new words by its poll once ACS reads again."""
    monkeypatch.setattr("chatsite.acs.clients.MAX_RETRY_AFTER", 0)
    anas = Page(ana, thread_id)
    message_id = send(bruno, thread_id, "Table at noon")
    anas.poll()
    with time_machine.travel(timezone.now(), tick=False) as clock:  # ACS's window cannot roll over meanwhile
        with pytest.raises(AcsThrottled):  # the site's reads of the thread use up this window's budget
            for _ in range(100):
                Actor.service().acs.messages_page(thread_id, page_size=1)
        acs_calls.clear()

        edit(bruno, thread_id, message_id, "Edited while ACS throttles reads")

        assert message_reads(unquoted(acs_calls), thread_id), "the read ahead was tried"
        clock.shift(11)  # ACS's 10 s window has passed
        assert "Edited while ACS throttles reads" in anas.poll()


def test_an_edit_no_open_page_waits_for_reads_nothing_ahead(ana, bruno, thread_id, acs_calls):
    """No page has started the thread's chain of reads: the first to open reads the latest page itself."""
    message_id = send(bruno, thread_id, "Table at noon")
    acs_calls.clear()

    edit(bruno, thread_id, message_id, "Table at one")

    assert message_reads(unquoted(acs_calls), thread_id) == []
    assert "Table at one" in Page(ana, thread_id).html
