"""A departed sender's message, hidden by staff on the site (ACS lets only the sender delete it), against the live
emulator: the admin offers only the action that can work and explains it; every surface of every member then says
"Removed by a moderator" and never the words. And what the list says of a chat whose last message was deleted."""

import re
import uuid

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.models import Thread
from chatsite.chat.services import messages, threads

from .conftest import HTMX, Page
from .test_inbox import parse_rows, poll_url, rows

NOTICE = "Removed by a moderator"


def admin_actions(admin_client, thread):
    """Per message row of the admin's thread page: (the words shown, the action links it offers)."""
    html = admin_client.get(reverse("admin:chat_thread_change", args=[thread.pk])).content.decode()
    found = {}
    for row in re.findall(r'<tr id="message-.*?</tr>', html, re.S):
        links = re.findall(r'<a [^>]*href="([^"]+)"[^>]*>([^<]+)</a>', row)
        found[re.sub(r"<[^>]+>|\s+", " ", row).strip()] = [(text, href.replace("&amp;", "&")) for href, text in links]
    return found


def offered(admin_client, thread, words):
    return next(links for row, links in admin_actions(admin_client, thread).items() if words in row)


def test_staff_hide_a_departed_senders_message_and_every_surface_says_so(ana, bruno, make_person, admin_client):
    carla = make_person("carla", "Carla")
    thread = threads.thread_create(
        actor=Actor.person(ana.user),
        topic="Lunch",
        participants=[bruno.user, carla.user],
        idempotency_token=str(uuid.uuid4()),
    )
    thread_id = thread.acs_thread_id
    messages.message_send(actor=Actor.person(bruno.user), thread_id=thread_id, content="see you there")
    messages.message_send(actor=Actor.person(carla.user), thread_id=thread_id, content="rude words")
    assert carla.post(reverse("chat:thread_leave", args=[thread_id]), **HTMX).status_code == 200
    bruno_page = Page(bruno, thread_id)
    list_poll = poll_url(ana.get(reverse("chat:thread_list")).content.decode())
    assert rows(ana) == [("Lunch", 2, "Carla: rude words")]

    # The sender is still a member: Delete (as them, in ACS). The departed sender: only Hide, which cannot fail.
    assert [text for text, _ in offered(admin_client, thread, "see you there")] == ["Delete"]
    (text, hide_url), *more = offered(admin_client, thread, "rude words")
    assert (text, more) == ("Hide", [])

    confirm = admin_client.get(hide_url)
    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert "Hide Carla’s message in “Lunch” on this site?" in page
    assert "ACS lets only the sender delete a message" in page
    assert "this hides it on this site for everyone" in page
    assert (
        NOTICE not in ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    )  # GET changes nothing
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    message_id = re.search(r'name="message_id" value="([^"]+)"', page).group(1)
    path = hide_url.partition("?")[0]
    done = admin_client.post(path, {"csrfmiddlewaretoken": token, "message_id": message_id})
    assert done.status_code == 302

    # Every member's page, the open page's poll, the departed sender's own history: the notice, not the words.
    for person in (ana, bruno, carla):
        html = person.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
        assert NOTICE in html and "rude words" not in html, person.user.username
        assert "see you there" in html
    bruno_page.poll()
    assert NOTICE in bruno_page.seen and "rude words" not in bruno_page.seen
    # The list and its poll: the notice as the preview (a desktop notification's text too), and not unread.
    update = ana.get(list_poll, **HTMX).content.decode()
    assert parse_rows(update) == [("Lunch", 1, NOTICE)]
    assert f'data-preview="{NOTICE}"' in update
    assert rows(ana) == [("Lunch", 1, NOTICE)]
    assert rows(bruno) == [("Lunch", 0, NOTICE)]
    # The sender left: their row says so, not "No messages yet".
    assert rows(carla) == [("Lunch", 0, "You left this chat")]

    # Hidden once: the admin says so and offers no link for it any more.
    assert offered(admin_client, thread, "rude words") == []
    again = admin_client.get(hide_url)
    assert again.status_code == 302


def test_a_deleted_last_message_says_so_in_the_list_and_its_poll(ana, bruno, thread_id):
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Before")
    last = messages.message_send(actor=Actor.person(bruno.user), thread_id=thread_id, content="Oops")
    url = poll_url(ana.get(reverse("chat:thread_list")).content.decode())

    messages.message_delete(actor=Actor.person(bruno.user), thread_id=thread_id, message_id=last)

    # Not an empty line: the row says what happened (its time stays the deleted message's); and a deleted message
    # is nobody's unread message any more.
    assert parse_rows(ana.get(url, **HTMX).content.decode()) == [("Lunch", 0, "Message deleted")]
    assert rows(bruno) == [("Lunch", 0, "Message deleted")]
    assert Thread.objects.get(acs_thread_id=thread_id).last_message_preview == ""


def test_a_chat_you_left_says_so_in_the_list(ana, bruno, thread_id):
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hello")
    url = poll_url(bruno.get(reverse("chat:thread_list")).content.decode())
    assert bruno.post(reverse("chat:thread_leave", args=[thread_id]), **HTMX).status_code == 200

    # What happened to him, rather than the last words he saw (unread as they were when he left).
    assert parse_rows(bruno.get(url, **HTMX).content.decode()) == [("Lunch", 1, "You left this chat")]
    assert rows(bruno) == [("Lunch", 1, "You left this chat")]
    assert rows(ana) == [("Lunch", 0, "You: Hello")]
