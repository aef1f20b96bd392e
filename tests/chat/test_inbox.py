"""The thread list against the live emulator: unread counts, previews, order, the list's poll and what it costs,
the "New messages" divider, one-to-one chats and the people picker."""

import re
import uuid

from django.contrib.auth import get_user_model
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.models import Thread
from chatsite.chat.services import messages, threads

from .conftest import HTMX, read


def rows(client):
    """(name, unread, preview) per row of the person's list, top first."""
    return parse_rows(client.get(reverse("chat:thread_list")).content.decode())


def parse_rows(html):
    found = []
    for row in re.findall(r'<li class="thread.*?</li>', html, re.S):
        name = re.search(r'data-name="([^"]*)"', row).group(1)
        unread = int(re.search(r'data-unread="(\d+)"', row).group(1))
        preview = re.search(r'<span class="preview"[^>]*>(.*?)</span>', row, re.S).group(1)
        preview = re.sub(r"\s+", " ", re.sub(r"</?(bdi|em)>", "", preview)).strip()
        found.append((name, unread, preview))
    return found


def poll_url(html):
    return re.search(r'id="inbox-poller".*?hx-get="([^"]+)"', html, re.S).group(1).replace("&amp;", "&")


def say(person, thread_id, content):
    messages.message_send(actor=Actor.person(person.user), thread_id=thread_id, content=content)


def test_unread_counts_across_two_people(ana, bruno, thread_id):
    for text in ("One", "Two", "Three"):
        say(ana, thread_id, text)

    assert rows(bruno) == [("Lunch", 3, "Ana: Three")]
    assert rows(ana) == [("Lunch", 0, "You: Three")]
    listing = bruno.get(reverse("chat:thread_list")).content.decode()
    assert "3 unread messages" in listing
    assert "<title>(3) Your chats · Chatsite</title>" in listing

    bruno.get(reverse("chat:thread_detail", args=[thread_id]))
    assert read(bruno, thread_id, str(Thread.objects.get().last_message_id)).status_code == 204  # his page says so

    assert rows(bruno) == [("Lunch", 0, "Ana: Three")]
    assert "<title>Your chats · Chatsite</title>" in bruno.get(reverse("chat:thread_list")).content.decode()


def test_what_the_page_says_was_read_is_read_and_later_messages_stay_unread(ana, bruno, thread_id):
    say(ana, thread_id, "First")
    first = Thread.objects.get(acs_thread_id=thread_id).last_message_id
    say(ana, thread_id, "Second")
    bruno.get(reverse("chat:thread_detail", args=[thread_id]))

    assert read(bruno, thread_id, str(first)).status_code == 204  # "First" was in view, "Second" not yet

    assert rows(bruno) == [("Lunch", 1, "Ana: Second")]


def test_the_divider_sits_above_the_first_unread_message(ana, bruno, thread_id):
    say(bruno, thread_id, "Shall we?")
    say(ana, thread_id, "Yes")
    say(ana, thread_id, "At noon")
    page = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()

    divider = page.index('id="first-unread"')
    assert page.index("Shall we?") < divider < page.index(">Yes<") < page.index("At noon")
    assert 'href="#first-unread"' in page and "Jump to first unread" in page
    # Opening it again before the page said what was read: the divider is where it was.
    assert 'id="first-unread"' in bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    # Read now (the page's POST): opening it again shows no divider.
    newest = re.findall(r'id="m-(\d+)"', page)[-1]
    assert read(bruno, thread_id, newest).status_code == 204
    assert 'id="first-unread"' not in bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()


def test_rows_are_ordered_by_activity_with_a_one_line_preview(ana, bruno, thread_id):
    other = threads.thread_create(
        actor=Actor.person(bruno.user), topic="Books", participants=[ana.user], idempotency_token="b"
    ).acs_thread_id
    say(bruno, other, "Finished it")
    assert [name for name, *_ in rows(ana)] == ["Books", "Lunch"]

    say(ana, thread_id, "see you at\n\nthe usual place, the one by the river with the long queue and the good bread")

    assert rows(bruno) == [
        ("Lunch", 1, "Ana: see you at the usual place, the one by the river with the long queue and the go…"),
        ("Books", 0, "You: Finished it"),
    ]


def test_an_idle_list_poll_costs_no_acs_call_and_a_change_no_acs_read(
    ana, bruno, thread_id, acs_calls, django_assert_max_num_queries
):
    url = poll_url(bruno.get(reverse("chat:thread_list")).content.decode())
    acs_calls.clear()

    for _ in range(3):
        with django_assert_max_num_queries(2):  # the session and its user; the marker is in the cache
            assert bruno.get(url, **HTMX).status_code == 204
    assert acs_calls == []

    say(ana, thread_id, "New here")
    acs_calls.clear()
    with django_assert_max_num_queries(8):  # the rows, and the record: windows, hidden messages
        update = bruno.get(url, **HTMX)
    assert update.status_code == 200
    assert acs_calls == []
    assert parse_rows(update.content.decode()) == [("Lunch", 1, "Ana: New here")]
    assert 'data-unread="1"' in update.content.decode()
    # Current again: the next poll is idle.
    assert bruno.get(poll_url(update.content.decode()), **HTMX).status_code == 204
    # Someone else's change does not move this person's list.
    threads.thread_create(actor=Actor.person(ana.user), topic="Alone", participants=[], idempotency_token="a")
    assert bruno.get(poll_url(update.content.decode()), **HTMX).status_code == 204


def create(client, **data):
    data.setdefault("idempotency_token", str(uuid.uuid4()))
    return client.post(reverse("chat:thread_create"), data)


def test_a_chat_with_one_person_needs_no_topic_and_is_found_again(ana, bruno):
    response = create(ana, participants=[bruno.user.pk])
    assert response.status_code == 302
    thread = Thread.objects.get()
    assert thread.topic == "Ana and Bruno"

    assert rows(ana) == [("Bruno", 0, "")]
    assert rows(bruno) == [("Ana", 0, "")]
    page = bruno.get(response.url).content.decode()
    assert re.search(r"<h1[^>]*>\s*Ana\s*<", page) or ">Ana<" in page

    # "New chat" with Bruno again opens the same chat, from either side.
    assert create(ana, participants=[bruno.user.pk]).url == response.url
    assert create(bruno, participants=[ana.user.pk]).url == response.url
    assert Thread.objects.count() == 1


def test_the_people_picker_lists_people_only_and_searches(ana, bruno, make_person):
    make_person("carla", "Carla")
    get_user_model().objects.create_user("ops", password="x-long-password-1", is_staff=True)
    assert people(ana.get(reverse("chat:thread_create"))) == ["Bruno", "Carla"]  # not Ana herself, not staff

    assert people(ana.get(reverse("chat:thread_create"), {"q": "car"})) == ["Carla"]
    assert people(ana.get(reverse("chat:thread_create"), {"q": "BRU"}, **HTMX)) == ["Bruno"]


def people(response):
    html = response.content.decode()
    labels = re.findall(r"data-person><input[^>]*>(.*?)</label>", html, re.S)
    return [re.sub(r"<[^>]+>", "", label).strip() for label in labels]


def test_a_chat_needs_another_person_and_a_group_a_topic(ana, bruno, make_person):
    carla = make_person("carla", "Carla")

    alone = create(ana, topic="Just me")
    assert alone.status_code == 422
    assert "Choose at least one person to chat with." in alone.content.decode()

    unnamed = create(ana, participants=[bruno.user.pk, carla.user.pk])
    assert unnamed.status_code == 422
    assert "Give a chat with several people a topic." in unnamed.content.decode()
    assert not Thread.objects.exists()
