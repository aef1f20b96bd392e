"""What a person read is a CSRF-protected POST from their page, never a GET: a cross-site link (which carries the
Lax session cookie) or opening the thread page marks nothing read and sends ACS no read receipt; the POST marks
read only up to the newest message the site showed that person."""

import re

from django.test import Client
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.models import InboxEntry
from chatsite.chat.services import messages

from .conftest import HTMX, Page, read

HUGE = "9" * 20  # beyond a 64-bit integer: once a 500 (OverflowError) in the read marking


def say(person, thread_id, words):
    return messages.message_send(actor=Actor.person(person.user), thread_id=thread_id, content=words)


def unread(person, thread_id):
    entry = InboxEntry.objects.filter(thread__acs_thread_id=thread_id, user=person.user).first()
    return entry and entry.unread_count


def receipts_sent(acs_calls):
    return [c for c in acs_calls if c[0] == "POST" and c[1].endswith("/readReceipts")]


def test_a_cross_site_get_of_the_poll_marks_nothing_read(ana, bruno, thread_id, acs_calls):
    say(ana, thread_id, "First")
    poll = reverse("chat:thread_poll", args=[thread_id])
    acs_calls.clear()

    # What a link on another site makes the browser send, with Bruno's session cookie (SameSite=Lax).
    for params in (
        {"marker": 0, "seq": 0, "newest": "9999999999999"},
        {"marker": 0, "seq": 0, "newest": "9999999999999", "n": ""},
    ):
        assert bruno.get(poll, params).status_code == 200
    say(ana, thread_id, "Second")

    assert unread(bruno, thread_id) == 2  # nothing was read, and later messages count
    assert receipts_sent(acs_calls) == []


def test_opening_the_thread_page_marks_nothing_read(ana, bruno, thread_id, acs_calls):
    say(ana, thread_id, "First")
    acs_calls.clear()

    assert bruno.get(reverse("chat:thread_detail", args=[thread_id])).status_code == 200

    assert unread(bruno, thread_id) == 1
    assert receipts_sent(acs_calls) == []


def test_the_read_post_marks_what_was_shown_and_refuses_what_was_not(ana, bruno, thread_id, acs_calls):
    first = say(ana, thread_id, "First")
    page = Page(bruno, thread_id)  # shows "First"
    second = say(ana, thread_id, "Second")  # not on Bruno's page yet
    acs_calls.clear()

    assert page.read(second).status_code == 400
    for never in (HUGE, "-1", "1e3", "abc", "", " 1"):
        assert page.read(never).status_code == 400, never
    assert unread(bruno, thread_id) == 2
    assert receipts_sent(acs_calls) == []

    assert page.read(first).status_code == 204
    assert unread(bruno, thread_id) == 1
    assert len(receipts_sent(acs_calls)) == 1

    # His page's poll brings "Second": now it may say he read it.
    assert "Second" in page.poll()
    assert page.read(second).status_code in (202, 204)  # 202: the receipt waits for ACS's budget
    assert unread(bruno, thread_id) == 0


def test_the_read_post_needs_the_pages_csrf_token(ana, bruno, thread_id):
    say(ana, thread_id, "First")
    html = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    newest = re.findall(r'id="m-(\d+)"', html)[-1]
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(bruno.user)

    assert checked.post(reverse("chat:thread_read", args=[thread_id]), {"message": newest}, **HTMX).status_code == 403
    assert unread(bruno, thread_id) == 1


def test_nobody_outside_the_chat_marks_it_read(ana, bruno, make_person, thread_id):
    message_id = say(ana, thread_id, "First")
    carla = make_person("carla")

    assert read(carla, thread_id, message_id).status_code == 404
