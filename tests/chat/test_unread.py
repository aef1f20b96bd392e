"""More unread messages than a thread page loads (issue 20, item 2), against the live emulator: the page says how many
are new and where the first is (for its jump) and marks nothing by opening; the page's read POST moves a person's
read position only forward, only in that thread, and is refused (never a 500) for an id it could not have shown."""

import re
import uuid

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.models import InboxEntry, UnreadMessage
from chatsite.chat.services import messages, threads

from .conftest import read
from .test_inbox import rows, say

MANY = 35  # more than the 30 messages a page holds


def unread(person, thread_id):
    return InboxEntry.objects.get(thread__acs_thread_id=thread_id, user=person.user).unread_count


def test_more_unread_than_a_page_holds_says_how_many_and_where_the_first_is(ana, bruno, thread_id):
    for n in range(MANY):
        say(ana, thread_id, f"Item {n}")
    first = UnreadMessage.objects.filter(user=bruno.user).order_by("message_id").first().message_id

    page = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()

    bar = re.search(r'<section id="unread-bar".*?</section>', page, re.S).group(0)
    assert 'aria-label="Unread messages"' in bar and f'data-first-unread="{first}"' in bar
    assert f"{MANY} new messages" in bar and "Jump to first unread" in bar
    assert f'id="m-{first}"' not in page and 'id="first-unread"' not in page  # not loaded: no divider yet
    assert rows(bruno)[0][1] == MANY  # opening marks nothing read


def test_when_the_unread_fit_there_is_a_divider_and_no_bar(ana, bruno, thread_id):
    say(bruno, thread_id, "Shall we?")
    say(ana, thread_id, "Yes")
    page = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert 'id="first-unread"' in page and 'id="unread-bar"' not in page


def test_the_read_position_only_moves_forward(ana, bruno, thread_id):
    for n in range(4):
        say(ana, thread_id, f"Item {n}")
    ids = sorted(UnreadMessage.objects.filter(user=bruno.user).values_list("message_id", flat=True))
    bruno.get(reverse("chat:thread_detail", args=[thread_id]))

    assert read(bruno, thread_id, str(ids[2])).status_code == 204  # scrolled to the third
    assert unread(bruno, thread_id) == 1
    assert read(bruno, thread_id, str(ids[0])).status_code == 204  # a late POST of an earlier position
    assert unread(bruno, thread_id) == 1  # changes nothing: never unread again
    assert read(bruno, thread_id, str(ids[3])).status_code in (202, 204)  # 202: its receipt waits for ACS's budget
    assert unread(bruno, thread_id) == 0


def test_a_read_post_the_page_could_not_have_sent_is_refused(ana, bruno, thread_id):
    say(ana, thread_id, "Hello")
    bruno.get(reverse("chat:thread_detail", args=[thread_id]))
    for bad in ("abc", "-5", "", "1e9", "9" * 30):
        assert read(bruno, thread_id, bad).status_code == 400, bad
    newest = UnreadMessage.objects.get(user=bruno.user).message_id
    assert read(bruno, thread_id, str(newest + 1)).status_code == 400  # beyond what he was shown
    assert unread(bruno, thread_id) == 1
    assert bruno.get(reverse("chat:thread_read", args=[thread_id]) + f"?message={newest}").status_code == 405
    assert unread(bruno, thread_id) == 1


def test_reading_one_thread_marks_nothing_in_another(ana, bruno, thread_id):
    other = threads.thread_create(
        actor=Actor.person(ana.user), topic="Books", participants=[bruno.user], idempotency_token=str(uuid.uuid4())
    ).acs_thread_id
    messages.message_send(actor=Actor.person(ana.user), thread_id=other, content="Finished it?")
    say(ana, thread_id, "Lunch at noon")
    bruno.get(reverse("chat:thread_detail", args=[thread_id]))
    newest = max(UnreadMessage.objects.filter(user=bruno.user).values_list("message_id", flat=True))

    assert read(bruno, thread_id, str(newest)).status_code == 204  # an id as new as the other thread's message

    assert unread(bruno, thread_id) == 0
    assert unread(bruno, other) == 1


def test_the_jump_costs_one_acs_read_per_older_page(ana, bruno, thread_id, acs_calls):
    for n in range(MANY):
        say(ana, thread_id, f"Item {n}")
    page = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    older = re.search(r'hx-get="([^"]*older=[^"]*)"', page).group(1).replace("&amp;", "&")
    first = re.search(r'data-first-unread="(\d+)"', page).group(1)
    acs_calls.clear()

    answer = bruno.get(older, HTTP_HX_REQUEST="true").content.decode()

    assert f'id="m-{first}"' in answer  # the first unread is on the older page
    assert len(acs_calls) == 1 and acs_calls[0][0] == "GET" and acs_calls[0][1].endswith("/messages")
