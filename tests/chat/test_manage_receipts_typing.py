"""Read receipts and typing through the status poll, inside ACS's budgets, against the live emulator."""

import re
import time

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.live import typing as live_typing
from chatsite.chat.selectors import presence as presence_selectors
from chatsite.chat.services import messages
from chatsite.chat.services import presence as presence_services

from .conftest import HTMX


def url(name, thread_id):
    return reverse(f"chat:{name}", args=[thread_id])


def status(client, thread_id, **params):
    return client.get(url("thread_status", thread_id), params, **HTMX).content.decode()


def calls_to(acs_calls, suffix):
    return [c for c in acs_calls if c[1].endswith(suffix)]


def test_seen_by_names_then_everyone(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Pizza?")
    assert "Seen by" not in status(ana, thread_id, own=own)

    status(bruno, thread_id, newest=own)
    time.sleep(presence_selectors.LIST_EVERY)
    assert f'data-after="m-{own}" hx-swap-oob="true">Seen by Bruno</p>' in status(ana, thread_id, own=own)

    status(carla, thread_id, newest=own)
    time.sleep(presence_selectors.LIST_EVERY)
    assert ">Seen by everyone</p>" in status(ana, thread_id, own=own)


def test_receipts_stay_in_budget_however_fast_someone_scrolls(ana, bruno, thread_id, acs_calls):
    ids = [messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content=f"m{i}") for i in range(4)]
    acs_calls.clear()

    started = time.monotonic()
    for _round in range(5):
        for message_id in ids:  # 20 polls, each with another newest message
            status(bruno, thread_id, newest=message_id)
            status(ana, thread_id, own=ids[-1])
    elapsed = time.monotonic() - started

    sent = calls_to(acs_calls, "/readReceipts")
    sends = [c for c in sent if c[0] == "POST"]
    lists = [c for c in sent if c[0] == "GET"]
    # ACS: 30 sends a minute (10 per 10 s) per person per thread; 5 listings per 10 s per person per thread.
    assert 1 <= len(sends) <= 1 + elapsed / presence_services.RECEIPT_EVERY
    assert 1 <= len(lists) <= 1 + elapsed / presence_selectors.LIST_EVERY
    assert len(lists) <= 5 * (1 + elapsed / 10)


def test_same_newest_message_sends_no_second_receipt(ana, bruno, thread_id, acs_calls):
    message_id = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hi")
    status(bruno, thread_id, newest=message_id)
    time.sleep(presence_services.RECEIPT_EVERY)
    acs_calls.clear()

    status(bruno, thread_id, newest=message_id)

    assert calls_to(acs_calls, "/readReceipts") == []


def test_idle_status_poll_costs_no_acs_call(ana, bruno, thread_id, acs_calls):
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hi")
    status(bruno, thread_id, newest=own)
    status(ana, thread_id, own=own, newest=own)
    time.sleep(presence_selectors.LIST_EVERY)
    first = status(ana, thread_id, own=own, newest=own)  # hands the page the current panel version
    roster_version = re.search(r'name="v" value="(\d+)"', first).group(1)
    acs_calls.clear()

    for _ in range(10):
        html = status(ana, thread_id, own=own, newest=own, v=roster_version)
        assert "Seen by everyone" in html

    assert acs_calls == []


def test_typing_shows_to_others_and_fades(ana, bruno, thread_id, acs_calls, monkeypatch):
    assert ana.post(url("typing", thread_id), **HTMX).status_code == 204
    assert [c[0] for c in calls_to(acs_calls, "/typing")] == ["POST"]

    assert "Ana is typing…" in status(bruno, thread_id)
    assert "is typing" not in status(ana, thread_id)  # nobody is told about themself

    later = time.time() + live_typing.TYPING_FOR + 1
    monkeypatch.setattr(live_typing.time, "time", lambda: later)
    assert "is typing" not in status(bruno, thread_id)


def test_two_people_typing(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)
    ana.post(url("typing", thread_id), **HTMX)
    bruno.post(url("typing", thread_id), **HTMX)

    assert "Ana, Bruno are typing…" in status(carla, thread_id)


def test_typing_notifications_stay_in_budget_however_fast_someone_types(ana, thread_id, acs_calls):
    started = time.monotonic()
    for _ in range(60):
        assert ana.post(url("typing", thread_id), **HTMX).status_code == 204
        time.sleep(0.1)
    elapsed = time.monotonic() - started

    typing_calls = calls_to(acs_calls, "/typing")
    # ACS: 15 a minute and 5 per 10 s per person per thread.
    assert 1 <= len(typing_calls) <= 1 + elapsed / presence_services.TYPING_EVERY
    assert len(typing_calls) <= 5


def test_typing_refused_for_non_participant_and_removed(ana, bruno, make_person, thread_id):
    from chatsite.acs.identities import identity_for

    carla = make_person("carla", "Carla")
    assert carla.post(url("typing", thread_id), **HTMX).status_code == 404
    ana.post(url("participant_remove", thread_id), {"participant": identity_for(bruno.user).acs_user_id}, **HTMX)
    assert bruno.post(url("typing", thread_id), **HTMX).status_code == 403
    assert "Bruno is typing" not in status(ana, thread_id)


def test_receipts_and_typing_say_nothing_above_twenty_participants(ana, make_person, thread_id, acs_calls):
    people = [make_person(f"p{i}", f"P{i}") for i in range(19)]
    ana.post(url("participants_add", thread_id), {"people": [p.user.pk for p in people], "history": "all"}, **HTMX)
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hello all")
    acs_calls.clear()

    status(people[0], thread_id, newest=own)
    people[0].post(url("typing", thread_id), **HTMX)
    html = status(ana, thread_id, own=own)

    assert "Seen by" not in html
    assert calls_to(acs_calls, "/readReceipts") == []
    assert calls_to(acs_calls, "/typing") == []
    assert "P0 is typing…" in html  # the site's own record still works
