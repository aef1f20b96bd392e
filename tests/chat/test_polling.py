"""Live updates: idle polls cost no ACS call; a change costs one ACS read shared by every viewer."""

import dataclasses
import re
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.live import keys, polling
from chatsite.chat.services import messages

from .conftest import HTMX, Page, count_cache_trips, poller_url


def open_page(client, thread_id):
    """The URL an open page polls with once it has made its first poll (as it opens)."""
    return Page(client, thread_id).url


def next_poll_url(html):
    return poller_url(html)


def test_idle_poll_costs_no_acs_call(ana, thread_id, acs_calls):
    poll_url = open_page(ana, thread_id)
    acs_calls.clear()

    for _ in range(5):
        response = ana.get(poll_url, **HTMX)
        assert response.status_code == 204
        assert response.content == b""

    assert acs_calls == []


def test_a_change_costs_one_read_shared_by_all_viewers(ana, bruno, make_person, thread_id, acs_calls):
    carla = make_person("carla", "Carla")
    ana_poll = open_page(ana, thread_id)
    bruno_poll = open_page(bruno, thread_id)
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Anyone hungry?")
    acs_calls.clear()

    bruno_update = bruno.get(bruno_poll, **HTMX)
    ana_update = ana.get(ana_poll, **HTMX)

    reads = [call for call in acs_calls if call[0] == "GET"]
    assert len(reads) == 1, acs_calls
    assert "Anyone hungry?" in bruno_update.content.decode()
    assert 'hx-swap-oob="beforeend:#message-list"' in bruno_update.content.decode()
    assert "New message from Ana" in bruno_update.content.decode()
    assert "Anyone hungry?" in ana_update.content.decode()
    assert "New message from" not in ana_update.content.decode()  # nobody announces their own message
    # Polling with the new marker is idle again.
    acs_calls.clear()
    assert bruno.get(next_poll_url(bruno_update.content.decode()), **HTMX).status_code == 204
    assert acs_calls == []
    # Someone outside the thread gets nothing from the shared cache.
    assert carla.get(bruno_poll, **HTMX).status_code == 404


def test_edits_and_deletions_replace_messages_in_place(ana, bruno, thread_id):
    kept = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="see you at noon")
    gone = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="oops")
    bruno_poll = open_page(bruno, thread_id)

    messages.message_edit(actor=Actor.person(ana.user), thread_id=thread_id, message_id=kept, content="see you at one")
    messages.message_delete(actor=Actor.person(ana.user), thread_id=thread_id, message_id=gone)
    html = bruno.get(bruno_poll, **HTMX).content.decode()

    assert re.search(rf'<li id="m-{kept}" class="message[ "][^>]*hx-swap-oob="outerHTML">', html)
    assert "see you at one" in html and "(edited)" in html
    assert f'<li id="m-{gone}"' in html and "This message was deleted" in html
    assert "beforeend" not in html  # nothing new to append


def test_changes_by_other_clients_found_by_a_bounded_background_read(ana, bruno, thread_id, acs_calls, settings):
    settings.ACS_EVENTS = "poll"  # a deployment without Event Grid
    from chatsite.acs import clients
    from chatsite.acs.identities import credentials_for

    bruno_poll = open_page(bruno, thread_id)
    # Another ACS client writes: the site's marker does not move.
    clients.thread_client(credentials_for(ana.user).token, thread_id).send_message("from my phone")
    acs_calls.clear()
    assert bruno.get(bruno_poll, **HTMX).status_code == 204
    assert acs_calls == []

    key = keys.synced(thread_id)
    synced = cache.get(key)
    cache.set(key, dataclasses.replace(synced, at=synced.at - polling.BACKGROUND_INTERVAL - timedelta(seconds=1)), None)
    html = bruno.get(bruno_poll, **HTMX).content.decode()

    assert "from my phone" in html
    assert len(acs_calls) == 1
    acs_calls.clear()
    assert ana.get(open_page(ana, thread_id), **HTMX).status_code == 204
    assert len([c for c in acs_calls if c[1].endswith("/messages")]) == 1  # only ana's page load


@pytest.mark.parametrize("marker", ["x", ""])
def test_malformed_poll_is_refused(ana, thread_id, marker):
    url = reverse("chat:thread_poll", args=[thread_id]) + f"?marker={marker}"
    assert ana.get(url, **HTMX).status_code == 400


def test_idle_poll_is_one_cache_round_trip_and_no_query_beyond_the_login(
    ana, thread_id, acs_calls, monkeypatch, django_assert_max_num_queries
):
    poll_url = open_page(ana, thread_id)
    ana.get(poll_url, **HTMX)  # warm: the viewer's ACS id is cached from now on
    trips = count_cache_trips(monkeypatch)

    acs_calls.clear()
    with django_assert_max_num_queries(2):  # the session and the user, as any login-required view
        response = ana.get(poll_url, **HTMX)

    assert response.status_code == 204
    assert trips == ["get_many"], trips
    assert acs_calls == []


def test_opening_the_page_reads_acs_once_per_change_whoever_opens_it(ana, bruno, make_person, thread_id, acs_calls):
    carla = make_person("carla", "Carla")
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Before Carla")
    add = {"people": [carla.user.pk], "history": "now"}  # she sees the chat from now on
    assert ana.post(reverse("chat:participants_add", args=[thread_id]), add, **HTMX).status_code == 200
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Lunch at noon?")
    acs_calls.clear()

    def page(client):
        return client.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()

    ana_page, bruno_page, carla_page = page(ana), page(bruno), page(carla)
    page(ana), page(bruno)

    message_reads = [call for call in acs_calls if call[0] == "GET" and call[1].endswith("/messages")]
    assert len(message_reads) == 1  # one read for five page loads, by the site's service identity
    assert "Before Carla" in ana_page and "Before Carla" in bruno_page and "Lunch at noon?" in carla_page
    assert "Before Carla" not in carla_page  # each sees only what ACS would show them
