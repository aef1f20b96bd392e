"""What open pages cost in ACS calls over minutes and under load, through the real SDKs against the emulator: an idle
thread nothing (without Event Grid, only the bounded background read), a change one read however many pages poll
it and however their polls interleave."""

import dataclasses
import uuid
from datetime import timedelta
from urllib.parse import unquote

import pytest
import time_machine
from azure.communication.identity import CommunicationUserIdentifier
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.chat.actors import Actor
from chatsite.chat.live import keys, polling
from chatsite.chat.services import accounts, messages, threads
from chatsite.chat.views import messages as message_views

from .conftest import HTMX, Page

IDLE = timedelta(minutes=3)
BEAT = timedelta(seconds=2)  # the page's poll interval (static/js/thread.js)


def idle_for(pages, duration) -> list[int]:
    """Every page polls once per beat for `duration` of simulated time (the whole process's clock moves, the
    emulator's too; nothing sleeps); the status of every answer."""
    statuses = []
    start = timezone.now()
    with time_machine.travel(start, tick=True) as clock:
        for _ in range(int(duration / BEAT)):
            clock.shift(BEAT)
            for page in pages:
                statuses.append(page.get().status_code)
        assert timezone.now() - start >= duration
    return statuses


@pytest.fixture
def idle_thread(ana, bruno, thread_id):
    """A conversation both have open, nothing happening."""
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Lunch at noon?")
    messages.message_send(actor=Actor.person(bruno.user), thread_id=thread_id, content="Sure")
    return [Page(ana, thread_id), Page(bruno, thread_id)]


def test_an_idle_thread_costs_no_acs_call_for_minutes(idle_thread, acs_calls, settings):
    settings.ACS_EVENTS = "eventgrid"  # other clients' changes arrive as events
    acs_calls.clear()

    statuses = idle_for(idle_thread, IDLE)

    assert set(statuses) == {204}
    assert acs_calls == []  # no roster re-read, nothing else


def test_without_event_grid_an_idle_thread_costs_only_the_background_reads(idle_thread, thread_id, acs_calls, settings):
    settings.ACS_EVENTS = "poll"
    acs_calls.clear()

    statuses = idle_for(idle_thread, IDLE)

    # One list of the latest messages per BACKGROUND_INTERVAL for the thread, finding nothing new: no page is told
    # of a change, and nothing else is read.
    assert set(statuses) == {204}
    assert {(method, unquote(path)) for method, path in acs_calls} == {("GET", f"/chat/threads/{thread_id}/messages")}
    assert len(acs_calls) <= IDLE / polling.BACKGROUND_INTERVAL


def person(username):
    """Someone signed in without a password (hashing twenty would take most of the test's time)."""
    client = Client()
    client.user = accounts.account_create(username=username, password=None, display_name=username.title())
    client.force_login(client.user)
    return client


def test_many_pages_cost_one_read_per_change_however_their_polls_interleave(ana, acs_calls, monkeypatch):
    """The worst interleaving on a loaded server, made deterministic: each page's poll finds no delta for the change,
    and before it goes on, the next page's whole poll runs (and so on down to the last page)."""
    viewers = [person(f"viewer{n:02d}") for n in range(20)]
    thread_id = threads.thread_create(
        actor=Actor.person(ana.user), topic="Busy", participants=[v.user for v in viewers],
        idempotency_token=str(uuid.uuid4()),
    ).acs_thread_id  # fmt: skip
    pages = [Page(viewer, thread_id) for viewer in viewers]
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Anyone hungry?")
    acs_calls.clear()
    waiting = list(pages[1:])
    get = cache.get

    def overtaken(key, *args, **kwargs):
        found = get(key, *args, **kwargs)
        if found is None and key.startswith("chat:delta:") and waiting:
            waiting.pop(0).poll()
        return found

    monkeypatch.setattr(cache, "get", overtaken)
    pages[0].poll()
    monkeypatch.undo()

    assert not waiting
    assert all("Anyone hungry?" in page.seen for page in pages)
    assert [(method, unquote(path)) for method, path in acs_calls if method == "GET"] == [
        ("GET", f"/chat/threads/{thread_id}/messages")
    ]


def test_a_removed_person_polling_before_the_read_is_noted_gets_nothing_after_the_removal(
    ana, bruno, make_person, thread_id, settings, monkeypatch
):
    """The reader notes removals after releasing the thread's lock: a removed person whose poll replays the delta
    in between still gets their ended page and nothing said after their removal."""
    settings.ACS_EVENTS = "poll"
    dora = make_person("dora", "Dora")
    add = {"people": [dora.user.pk], "history": "all"}
    assert ana.post(reverse("chat:participants_add", args=[thread_id]), add, **HTMX).status_code == 200
    bruno_page, dora_page = Page(bruno, thread_id), Page(dora, thread_id)
    # Another ACS client (an app on the SDK, as Ana) removes Dora, then writes: the site's marker does not move.
    as_ana = clients.thread_client(credentials_for(ana.user).token, thread_id)
    as_ana.remove_participant(CommunicationUserIdentifier(identity_for(dora.user).acs_user_id))
    as_ana.send_message("said behind her back")
    synced = cache.get(keys.synced(thread_id))  # the background read is due
    cache.set(keys.synced(thread_id), dataclasses.replace(synced, at=synced.at - polling.BACKGROUND_INTERVAL * 2), None)
    note = message_views.changes_apply

    def dora_polls_first(**change):
        monkeypatch.setattr(message_views, "changes_apply", note)
        dora_page.poll()
        note(**change)

    monkeypatch.setattr(message_views, "changes_apply", dora_polls_first)
    bruno_page.poll()  # his poll makes the background read; Dora's comes before he has noted what it found

    assert "said behind her back" in bruno_page.seen
    assert "You were removed from this chat." in dora_page.seen
    assert "said behind her back" not in dora_page.seen
