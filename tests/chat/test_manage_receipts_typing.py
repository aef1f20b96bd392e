"""Read receipts (the page's read POST) and typing, shown through the page's poll, inside ACS's budgets, against
the live emulator."""

import time

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.live import typing as live_typing
from chatsite.chat.selectors import presence as presence_selectors
from chatsite.chat.services import messages
from chatsite.chat.services import presence as presence_services

from .conftest import HTMX, Page, count_cache_trips, live_poll, read


def url(name, thread_id):
    return reverse(f"chat:{name}", args=[thread_id])


def status(client, thread_id, **params):
    """What a poll shows of typing and "seen by" to a page that has not seen them yet."""
    return live_poll(client, thread_id, **params).content.decode()


def opened_and_read(client, thread_id, message_id):
    """The person opens the thread page (which shows them the latest messages) and it says they read up to
    `message_id`."""
    assert client.get(url("thread_detail", thread_id)).status_code == 200
    return read(client, thread_id, message_id)


def calls_to(acs_calls, suffix):
    return [c for c in acs_calls if c[1].endswith(suffix)]


def test_seen_by_names_then_everyone(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Pizza?")
    assert "Seen by" not in status(ana, thread_id, own=own)

    assert opened_and_read(bruno, thread_id, own).status_code == 204
    time.sleep(presence_selectors.LIST_EVERY)
    assert f'data-after="m-{own}" hx-swap-oob="true">Seen by Bruno</p>' in status(ana, thread_id, own=own)

    assert opened_and_read(carla, thread_id, own).status_code == 204
    time.sleep(presence_selectors.LIST_EVERY)
    assert ">Seen by everyone</p>" in status(ana, thread_id, own=own)


def test_receipts_stay_in_budget_however_fast_someone_scrolls(ana, bruno, thread_id, acs_calls):
    ids = [messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content=f"m{i}") for i in range(4)]
    assert bruno.get(url("thread_detail", thread_id)).status_code == 200  # shows all four
    acs_calls.clear()

    started = time.monotonic()
    for _round in range(5):
        for message_id in ids:  # 20 reads, each of another newest message
            assert read(bruno, thread_id, message_id).status_code in (202, 204)
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
    assert opened_and_read(bruno, thread_id, message_id).status_code == 204
    time.sleep(presence_services.RECEIPT_EVERY)
    acs_calls.clear()

    assert read(bruno, thread_id, message_id).status_code == 204

    assert calls_to(acs_calls, "/readReceipts") == []


def test_a_receipt_sent_through_the_site_shows_without_listing_receipts_again(ana, bruno, thread_id, acs_calls):
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Pizza?")
    ana_page = Page(ana, thread_id)
    assert "Seen by" not in ana_page.poll(own=own)  # lists the receipts: nobody yet
    bruno_page = Page(bruno, thread_id)
    acs_calls.clear()

    assert bruno_page.read(own).status_code == 204

    assert ">Seen by everyone</p>" in ana_page.poll(own=own)
    assert [c[0] for c in calls_to(acs_calls, "/readReceipts")] == ["POST"]  # Bruno's receipt, and no listing
    assert ana_page.get(own=own).status_code == 204


def test_a_busy_receipt_budget_asks_the_page_to_say_it_again(ana, bruno, thread_id, acs_calls):
    first, second = (
        messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content=words)
        for words in ("One", "Two")
    )
    assert opened_and_read(bruno, thread_id, first).status_code == 204
    acs_calls.clear()

    # Within RECEIPT_EVERY of the last receipt: the unread count drops, the receipt waits (the page asks again).
    assert read(bruno, thread_id, second).status_code == 202
    assert calls_to(acs_calls, "/readReceipts") == []
    time.sleep(presence_services.RECEIPT_EVERY)
    assert read(bruno, thread_id, second).status_code == 204
    assert [c[0] for c in calls_to(acs_calls, "/readReceipts")] == ["POST"]


def test_idle_poll_with_seen_by_costs_no_acs_call(ana, bruno, thread_id, acs_calls):
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hi")
    assert Page(bruno, thread_id).read(own).status_code == 204
    ana_page = Page(ana, thread_id)
    ana_page.poll(own=own)
    time.sleep(presence_selectors.LIST_EVERY)
    ana_page.poll(own=own)  # hands the page the versions of what it shows now
    assert "Seen by everyone" in ana_page.seen
    acs_calls.clear()

    for _ in range(10):
        response = ana_page.get(own=own)
        assert response.status_code == 204

    assert acs_calls == []


def test_idle_poll_is_one_request_whatever_the_page_shows(ana, bruno, thread_id, acs_calls, monkeypatch):
    """Typing, "seen by", a receipt and the panel cost no more than the messages when nothing changed: the same
    single cache round trip."""
    own = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hi")
    bruno_page = Page(bruno, thread_id)
    assert bruno_page.read(own).status_code == 204
    time.sleep(presence_selectors.LIST_EVERY)
    ana_page = Page(ana, thread_id)
    ana_page.poll(own=own)
    trips = count_cache_trips(monkeypatch)
    acs_calls.clear()

    assert ana_page.get(own=own).status_code == 204
    assert bruno_page.get().status_code == 204

    assert trips == ["get_many", "get_many"], trips
    assert acs_calls == []


def test_typing_moves_the_idle_poll_and_fades(ana, bruno, thread_id, monkeypatch):
    bruno_page = Page(bruno, thread_id)
    assert bruno_page.get().status_code == 204
    ana.post(url("typing", thread_id), **HTMX)

    assert "Ana is typing…" in bruno_page.poll()
    assert "Ana is typing…" in bruno_page.poll()  # looked at again while it shows: typing ends by time
    later = time.time() + live_typing.TYPING_FOR + 1
    monkeypatch.setattr(live_typing.time, "time", lambda: later)
    html = bruno_page.poll()
    assert 'id="typing"' in html and "is typing" not in html
    assert bruno_page.get().status_code == 204


def test_typing_shows_to_others_and_fades(ana, bruno, thread_id, acs_calls, monkeypatch):
    assert ana.post(url("typing", thread_id), **HTMX).status_code == 204
    assert [c[0] for c in calls_to(acs_calls, "/typing")] == ["POST"]

    assert "Ana is typing…" in status(bruno, thread_id)
    assert "is typing" not in status(ana, thread_id)  # nobody is told about themself

    later = time.time() + live_typing.TYPING_FOR + 1
    monkeypatch.setattr(live_typing.time, "time", lambda: later)
    assert "is typing" not in status(bruno, thread_id)


def test_a_pause_ends_typing_on_the_next_poll(ana, bruno, thread_id, acs_calls):
    bruno_page = Page(bruno, thread_id)
    ana.post(url("typing", thread_id), **HTMX)
    assert "Ana is typing…" in bruno_page.poll()
    acs_calls.clear()

    # The page reports a pause (or an emptied box); ACS is not told (its typing events lapse by themselves).
    assert ana.post(url("typing", thread_id), {"stopped": "1"}, **HTMX).status_code == 204
    html = bruno_page.poll()
    assert 'id="typing"' in html and "is typing" not in html
    assert calls_to(acs_calls, "/typing") == []
    assert bruno_page.get().status_code == 204


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

    assert opened_and_read(people[0], thread_id, own).status_code == 204
    people[0].post(url("typing", thread_id), **HTMX)
    html = status(ana, thread_id, own=own)

    assert "Seen by" not in html
    assert calls_to(acs_calls, "/readReceipts") == []
    assert calls_to(acs_calls, "/typing") == []
    assert "P0 is typing…" in html  # the site's own record still works
