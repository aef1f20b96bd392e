"""The gallery: every main state of the site at 1280×800 and at 390×844 with touch, each checked by axe-core and
by the in-viewport check of every control (tests/browser/reach.py), each photographed for people to look at
(the tests cannot judge taste). Linked from the README's "Screens".

`CHATSITE_README_SCREENSHOTS=1 pytest tests/browser/test_gallery.py` rewrites docs/screens/; otherwise the
pictures go to a temporary folder (still taken, so the suite checks exactly what the README shows).
"""

import os
import re
import uuid
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, threads

from .axe import SIZES, assert_no_violations
from .reach import assert_controls_usable
from .test_thread_page import LIVE, PASSWORD, say

pytestmark = pytest.mark.browser

SCREENS = Path(__file__).resolve().parents[2] / "docs" / "screens"
STORY = (
    "Here is the plan for Saturday, so nobody has to scroll back for it. We meet at the station at 8:30 and take the "
    "8:52 train; tickets are booked, Bruno has them on his phone. From the station it is a twenty-minute walk to the "
    "lake. Bring water, sun cream and something warm for the evening: it gets cold by the water once the sun is down. "
)


@pytest.fixture
def shots(tmp_path):
    folder = SCREENS if os.environ.get("CHATSITE_README_SCREENSHOTS") else tmp_path
    folder.mkdir(parents=True, exist_ok=True)

    def shoot(page, name: str, size: str) -> None:
        """The state as it is now, in the viewport only (what a person sees): photographed, then checked."""
        state = f"{name} ({size})"
        page.screenshot(path=str(folder / f"{name}-{size}.png"), scale="css")  # CSS pixels: small files
        assert_no_violations(page, state)
        assert_controls_usable(page, state)

    return shoot


def someone(username, name):
    return accounts.account_create(username=username, password=PASSWORD, display_name=name)


def conversation(creator, topic, people, *said):
    thread = threads.thread_create(
        actor=Actor.person(creator),
        topic=topic,
        participants=people,
        idempotency_token=str(uuid.uuid4()),
        direct=not topic,  # a chat with one person needs no topic: each sees it named after the other
    )
    for sender, words in said:
        say(sender, thread, words)
    return thread


def tab(browser, size, language="en"):
    context = browser.new_context(bypass_csp=True, extra_http_headers={"Accept-Language": language}, **SIZES[size])
    return context.new_page()


def log_in(page, live_server, username, path="/accounts/login/"):
    page.goto(f"{live_server.url}{path}")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("[type=submit]").click()
    page.wait_for_load_state()


def open_chat(page, live_server, thread):
    page.goto(f"{live_server.url}/threads/{thread.acs_thread_id}/")
    page.locator("#composer-content").wait_for()
    page.wait_for_load_state()


@pytest.fixture
def people(emulator):
    ana, bruno, carla = someone("ana", "Ana Souza"), someone("bruno", "Bruno Lima"), someone("carla", "Carla Mendes")
    dana = someone("dana", "דנה כהן")
    conversation(carla, "Book club", [ana], (carla, "Chapter 7 for Thursday?"), (ana, "Yes, see you then"))
    conversation(bruno, "", [ana], (bruno, "Can you send me the photos from Sunday?"))
    trip = conversation(
        ana,
        "Weekend at the lake",
        [bruno, carla],
        (bruno, STORY * 3),
        (bruno, "Map: https://example.com/lake-trail"),
        (carla, "I’ll bring the sandwiches"),
        (carla, "And a thermos of coffee ☕"),
        (ana, "Perfect, see you at 8:30!"),
    )
    hebrew = conversation(
        dana,
        "ארוחת צהריים",
        [ana],
        (dana, "שלום! נפגש ב-12:30 ב-Café Roma?"),
        (dana, "התפריט כאן: https://example.com/menu"),
        (ana, "Great, see you there"),
    )
    return {"ana": ana, "bruno": bruno, "trip": trip, "hebrew": hebrew}


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_pages_people_use(browser, live_server, people, shots, size):
    page = tab(browser, size)
    log_in(page, live_server, "ana")
    page.locator("#inbox").wait_for()
    shoot = shots

    shoot(page, "list", size)
    page.get_by_role("link", name="New chat").click()
    page.get_by_role("heading", name="New chat").wait_for()
    page.get_by_role("checkbox").first.wait_for()
    shoot(page, "new-chat", size)

    open_chat(page, live_server, people["trip"])
    shoot(page, "thread", size)

    newest = page.locator("li.message--own").last
    newest.get_by_role("button", name=re.compile("^Actions for your message")).click()
    page.get_by_role("button", name="Edit", exact=True).click()
    page.get_by_label("Edit message").wait_for()
    shoot(page, "edit", size)
    page.keyboard.press("Escape")
    page.get_by_label("Edit message").wait_for(state="detached")

    send = re.compile(r"/threads/[^/]+/messages/$")
    busy = '<div id="banner" hx-swap-oob="innerHTML"><p class="banner">Chat is busy. Try again in a moment.</p></div>'
    page.route(send, lambda route: route.fulfill(status=503, body=busy, content_type="text/html"))
    page.get_by_label("Message", exact=True).fill("Who has the tickets?")
    page.get_by_role("button", name="Send").click()
    page.locator("#outbox li").get_by_text("Not sent").wait_for()
    shoot(page, "not-sent", size)
    page.unroute(send)
    page.locator("#outbox li").get_by_role("button", name="Discard").click()
    page.locator("#outbox li").wait_for(state="detached")

    down = re.compile(r"/threads/[^/]+/(messages|poll)/")
    page.route(down, lambda route: route.abort())
    page.get_by_label("Message", exact=True).fill("On my way")
    page.get_by_role("button", name="Send").click()
    reconnecting = page.get_by_role("status").filter(has_text="Reconnecting…")
    reconnecting.wait_for(timeout=LIVE)
    shoot(page, "reconnecting", size)
    page.unroute(down)
    reconnecting.wait_for(state="detached", timeout=LIVE)
    page.locator("#outbox li").wait_for(state="detached", timeout=LIVE)

    if size == "phone":
        page.get_by_role("button", name="People").click()
        page.get_by_role("heading", name="People in this chat").wait_for()
    page.get_by_role("button", name="Actions for Bruno Lima").click()
    page.get_by_role("button", name="Remove Bruno Lima").wait_for()
    shoot(page, "people", size)

    open_chat(page, live_server, people["hebrew"])
    shoot(page, "right-to-left", size)
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_menu_of_the_newest_message(browser, live_server, people, shots, size):
    page = tab(browser, size)
    log_in(page, live_server, "ana")
    open_chat(page, live_server, people["trip"])
    newest = page.locator("li.message--own").last
    newest.get_by_role("button", name=re.compile("^Actions for your message")).click()
    page.get_by_role("button", name="Delete", exact=True).wait_for()
    shots(page, "menu-newest", size)
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_a_chat_with_more_unread_than_a_page(browser, live_server, people, shots, size):
    said = [(people["bruno"], f"Stand-up note {n} of 40") for n in range(1, 41)]
    standup = conversation(people["bruno"], "Stand-up", [people["ana"]], *said)
    page = tab(browser, size)
    log_in(page, live_server, "ana")
    open_chat(page, live_server, standup)
    page.get_by_role("region", name="Unread messages").get_by_text("40 new messages").wait_for()
    shots(page, "unread", size)
    page.get_by_role("button", name="Jump to first unread").click()
    page.get_by_role("heading", name="New messages").wait_for(timeout=LIVE)
    shots(page, "unread-first", size)
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
@pytest.mark.parametrize("language", ["es", "pt-BR"])
def test_the_pages_in_spanish_and_portuguese(browser, live_server, people, shots, size, language):
    page = tab(browser, size, language)
    log_in(page, live_server, "ana")
    page.locator("#inbox").wait_for()
    shots(page, f"list-{language}", size)
    open_chat(page, live_server, people["trip"])
    shots(page, f"thread-{language}", size)
    page.context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_staff_pages(browser, live_server, people, shots, size):
    get_user_model().objects.create_superuser(username="staff", password=PASSWORD)
    page = tab(browser, size)
    page.goto(f"{live_server.url}/admin/login/")
    shots(page, "admin-login", size)
    log_in(page, live_server, "staff", path="/admin/login/")
    admin = f"{live_server.url}/admin/chat/thread"

    page.goto(f"{admin}/")
    shots(page, "admin-threads", size)
    page.goto(f"{admin}/{people['trip'].pk}/change/")
    page.locator("#acs-messages").wait_for()
    page.get_by_role("link", name="Remove Bruno Lima").click()
    page.get_by_role("button", name=re.compile("^Yes")).wait_for()
    shots(page, "admin-confirm-remove", size)
    page.get_by_role("link", name="No, take me back").click()
    page.get_by_role("link", name=re.compile("^Delete Carla Mendes’s message")).first.click()
    page.get_by_role("button", name="Yes, delete the message").wait_for()
    shots(page, "admin-confirm-delete", size)
    page.context.close()
