"""A chat with more unread messages than a page holds (issue 20, item 2), in Chromium at desktop (1280×800) and phone
size (390×844, touch): Bruno sent 60 messages while Ana was away. Her page says "60 new messages" in a bar with a
jump; the jump loads older pages and puts the "New messages" divider above the first of the 60, in view, with the
keyboard there; her list's count drops only as she scrolls through them, to none at the bottom; and a message that
arrives while she reads older ones does not move what she reads. Controls are used where they are, never scrolled to
by the browser (reach.py)."""

import re
import uuid

import pytest
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, messages, threads

from . import reach
from .test_thread_page import LIVE, PASSWORD, SIZES, check, message, open_thread

pytestmark = pytest.mark.browser

UNREAD = 60


def note(n: int) -> str:
    return f"Note {n:02d} of the minutes"


def unread_in_list(page) -> int:
    """The count Ana's thread list shows (in its title, as the tab shows it), read from her list's page."""
    match = re.match(r"\((\d+)\)", page.title())
    return int(match.group(1)) if match else 0


def wait_for_list(page, accept, what: str) -> int:
    """Waits for Ana's list (which keeps itself current) to show a count `accept` takes."""
    page.wait_for_function(
        """accept => { const m = document.title.match(/^\\((\\d+)\\)/); const n = m ? Number(m[1]) : 0;
           return accept[0] <= n && n <= accept[1]; }""",
        arg=accept,
        timeout=LIVE,
    )
    count = unread_in_list(page)
    assert accept[0] <= count <= accept[1], what
    return count


def pane_shows(page, locator) -> bool:
    """The element lies inside the message pane's visible part."""
    return locator.evaluate(
        """e => { const p = document.getElementById("messages-pane").getBoundingClientRect();
           const r = e.getBoundingClientRect(); return r.top >= p.top - 1 && r.bottom <= p.bottom + 1; }"""
    )


@pytest.mark.parametrize("size", SIZES)
def test_sixty_unread_messages_open_one_jump_from_the_first_and_are_read_as_scrolled(
    browser, live_server, emulator, size
):
    ana, bruno = (
        accounts.account_create(username=n, password=PASSWORD, display_name=n.title()) for n in ("ana", "bruno")
    )
    thread = threads.thread_create(
        actor=Actor.person(ana), topic="Minutes", participants=[bruno], idempotency_token=str(uuid.uuid4())
    )
    messages.message_send(actor=Actor.person(ana), thread_id=thread.acs_thread_id, content="Send me the minutes")
    for n in range(1, UNREAD + 1):  # while Ana is away
        messages.message_send(actor=Actor.person(bruno), thread_id=thread.acs_thread_id, content=note(n))

    page = open_thread(browser, live_server, "ana", thread, size)
    reads = []
    page.on("request", lambda r: r.url.endswith("/read/") and reads.append(r.post_data))
    listing = page.context.new_page()
    listing.goto(live_server.url + reverse("chat:thread_list"))
    assert unread_in_list(listing) == UNREAD

    # The bar says how many are new, above the oldest messages loaded; "Load older messages" is not under it.
    bar = page.get_by_role("region", name="Unread messages")
    bar.get_by_text(f"{UNREAD} new messages").wait_for()
    jump = bar.get_by_role("button", name="Jump to first unread")
    reach.assert_reachable(jump, "the jump to the first unread")
    reach.assert_reachable(page.get_by_role("link", name="Load older messages"), "Load older messages under the bar")
    check(page, f"60 unread, the bar ({size})", shot=f"unread-bar-{size}")
    # Two beats of the poll go by: nothing was scrolled past the first unread, so nothing is read.
    for _ in range(2):
        with page.expect_request(re.compile(r"/poll/"), timeout=LIVE):
            pass
    assert reads == []
    assert unread_in_list(listing) == UNREAD

    reach.click(jump, "the jump to the first unread")
    divider = page.get_by_role("heading", name="New messages")
    divider.wait_for(timeout=LIVE)
    assert bar.count() == 0  # gone once the first unread is on the page
    assert page.locator("#first-unread + li.message").inner_text().count(note(1)) == 1
    assert pane_shows(page, divider) and pane_shows(page, message(page, note(1)))
    assert divider.evaluate("e => document.activeElement === e")  # the keyboard is at the divider
    check(page, f"60 unread, at the first ({size})", shot=f"unread-first-{size}")

    # What is in view is read; the rest stays unread.
    first_count = wait_for_list(listing, (1, UNREAD - 1), "only what was in view is read after the jump")

    # A message arrives while she reads older ones: what she reads stays where it is.
    top = page.locator("#messages-pane").evaluate("p => p.scrollTop")
    messages.message_send(actor=Actor.person(bruno), thread_id=thread.acs_thread_id, content="One more thing")
    message(page, "One more thing").wait_for(state="attached", timeout=LIVE)
    page.get_by_role("button", name="New messages").wait_for(timeout=LIVE)
    assert abs(page.locator("#messages-pane").evaluate("p => p.scrollTop") - top) < 2
    assert pane_shows(page, divider)

    # Half-way down, about half is read.
    page.locator("#messages-pane").evaluate("p => { p.scrollTop = (p.scrollHeight - p.clientHeight) / 2; }")
    half = wait_for_list(listing, (1, first_count - 1), "scrolling on marks more read, not all")
    assert half > 1

    # At the bottom, everything is read, the last one too.
    page.locator("#messages-pane").evaluate("p => { p.scrollTop = p.scrollHeight; }")
    wait_for_list(listing, (0, 0), "all read at the bottom")
    assert listing.title() == "Your chats · Chatsite"
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_unread_that_fit_open_at_the_divider_and_only_what_is_in_view_is_read(browser, live_server, emulator, size):
    ana, bruno = (
        accounts.account_create(username=n, password=PASSWORD, display_name=n.title()) for n in ("ana", "bruno")
    )
    thread = threads.thread_create(
        actor=Actor.person(ana), topic="Minutes", participants=[bruno], idempotency_token=str(uuid.uuid4())
    )
    for n in range(1, 9):
        messages.message_send(actor=Actor.person(ana), thread_id=thread.acs_thread_id, content=f"Question {n}")
    for n in range(1, 21):  # 20 unread: with Ana's 8 and the chat's start, one page holds them all
        messages.message_send(actor=Actor.person(bruno), thread_id=thread.acs_thread_id, content=note(n))

    page = open_thread(browser, live_server, "ana", thread, size)
    listing = page.context.new_page()
    listing.goto(live_server.url + reverse("chat:thread_list"))
    divider = page.get_by_role("heading", name="New messages")
    divider.wait_for()
    assert page.get_by_role("region", name="Unread messages").count() == 0  # no bar: the first unread is here
    assert page.locator("#first-unread + li.message").inner_text().count(note(1)) == 1
    assert pane_shows(page, divider) and pane_shows(page, message(page, note(1)))
    assert not pane_shows(page, message(page, note(20)))  # opened at the divider, not at the bottom
    wait_for_list(listing, (1, 19), "what is in view is read, what is below it is not")

    page.locator("#messages-pane").evaluate("p => { p.scrollTop = p.scrollHeight; }")
    wait_for_list(listing, (0, 0), "all read at the bottom")
    page.context.close()


@pytest.mark.parametrize("size", SIZES)
def test_loading_older_by_hand_brings_the_divider_and_reading_counts_from_it(browser, live_server, emulator, size):
    ana, bruno = (
        accounts.account_create(username=n, password=PASSWORD, display_name=n.title()) for n in ("ana", "bruno")
    )
    thread = threads.thread_create(
        actor=Actor.person(ana), topic="Minutes", participants=[bruno], idempotency_token=str(uuid.uuid4())
    )
    for n in range(1, 41):
        messages.message_send(actor=Actor.person(bruno), thread_id=thread.acs_thread_id, content=note(n))

    page = open_thread(browser, live_server, "ana", thread, size)
    reads = []
    page.on("request", lambda r: r.url.endswith("/read/") and reads.append(r))
    listing = page.context.new_page()
    listing.goto(live_server.url + reverse("chat:thread_list"))
    page.get_by_role("region", name="Unread messages").get_by_text("40 new messages").wait_for()

    reach.click(page.get_by_role("link", name="Load older messages"), "Load older messages")
    divider = page.get_by_role("heading", name="New messages")
    divider.wait_for(state="attached", timeout=LIVE)
    assert page.get_by_role("region", name="Unread messages").count() == 0
    assert page.locator("#first-unread + li.message").inner_text().count(note(1)) == 1
    assert not pane_shows(page, divider)  # the message she was reading stayed where it was
    for _ in range(2):  # two beats: she has not scrolled up to the first unread, so nothing is read
        with page.expect_request(re.compile(r"/poll/"), timeout=LIVE):
            pass
    assert reads == [] and unread_in_list(listing) == 40

    page.locator("#messages-pane").evaluate("p => { p.scrollTop = 0; }")  # up to the divider
    wait_for_list(listing, (1, 39), "read from the divider down to what is in view")
    page.context.close()
