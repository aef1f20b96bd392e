"""Bruno's thread list keeps itself current in Chromium: Ana's new messages show with their preview and an unread
badge without a reload, the tab title counts them, opening the chat puts the divider above the first one, and what
the open chat showed him is read; a row says what happened to its chat (a deleted last message, a chat he left)."""

import re
import uuid

import pytest

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, messages, threads

from .test_conversation import PASSWORD, log_in, message

pytestmark = pytest.mark.browser

LIVE = 10_000  # ms: the list polls every 3 s
# Headless Chromium cannot show the permission prompt or a notification: this stands in for the browser's
# Notification API and records what the page asks of it.
NOTIFICATIONS = """
window.asked = 0;
window.notes = [];
window.Notification = class {
  constructor(title, options) { window.notes.push([title, options.body]); }
  static requestPermission() {
    window.asked += 1;
    window.Notification.permission = "granted";
    return Promise.resolve("granted");
  }
};
window.Notification.permission = "default";
"""


def test_the_list_shows_new_messages_and_the_chat_where_they_start(browser, live_server, emulator):
    for username in ("ana", "bruno", "carla"):
        accounts.account_create(username=username, password=PASSWORD, display_name=username.title())
    ana = log_in(browser, live_server, "ana")
    bruno = log_in(browser, live_server, "bruno")
    bruno.context.add_init_script(NOTIFICATIONS)
    bruno.reload()
    turn_on = bruno.get_by_role("button", name="Turn on desktop notifications")
    turn_on.wait_for()
    assert bruno.evaluate("window.asked") == 0  # never asked on load
    turn_on.click()
    turn_on.wait_for(state="hidden")
    assert bruno.evaluate("window.asked") == 1

    # A chat with one person: no topic, found by typing part of the name.
    ana.get_by_role("link", name="New chat").click()
    # Typed key by key, as a person types: htmx takes in the form it swapped in a moment after it shows, and a
    # single fill() in that moment would go unheard.
    ana.get_by_label("Search people").press_sequentially("bru", delay=50)
    ana.get_by_label("Carla").wait_for(state="detached")  # the site's answer to the search, as one types
    ana.get_by_label("Bruno").check()
    ana.get_by_role("button", name="Create chat").click()
    ana.get_by_role("heading", name="Bruno").wait_for()
    ana.wait_for_load_state()  # Enter sends once thread.js (deferred) runs; before that it types a newline

    # Bruno's list learns of the chat, then of Ana's messages, without a reload.
    row = bruno.get_by_role("link", name=re.compile("^Ana"))
    row.wait_for(timeout=LIVE)
    for text in ("See you at noon", "Bring the tickets"):
        ana.get_by_label("Message", exact=True).fill(text)
        ana.get_by_label("Message", exact=True).press("Enter")
        message(ana, text).wait_for(timeout=LIVE)

    bruno.get_by_role("link", name=re.compile("Ana: Bring the tickets")).wait_for(timeout=LIVE)
    assert row.get_by_label("2 unread messages").is_visible()
    assert bruno.title() == "(2) Your chats · Chatsite"
    assert ["Ana", "Ana: Bring the tickets"] in bruno.evaluate("window.notes")

    with bruno.expect_response(lambda response: response.url.endswith("/read/"), timeout=LIVE) as reading:
        row.click()
    assert reading.value.status == 204
    divider = bruno.get_by_role("heading", name="New messages")
    divider.wait_for()
    assert bruno.locator("#first-unread + li.message").inner_text().count("See you at noon") == 1
    assert bruno.get_by_role("link", name="Jump to first unread").count() == 1

    # The open page said what Bruno saw (its read POST): back on the list, nothing is unread.
    bruno.get_by_role("link", name="All chats").click()
    bruno.get_by_role("heading", name="Your chats").wait_for()
    row.wait_for()
    assert row.get_by_label(re.compile("unread")).count() == 0
    assert bruno.title() == "Your chats · Chatsite"


def test_the_people_picker_searches_the_site_and_keeps_who_is_chosen(browser, live_server, emulator):
    for username, name in (("ana", "Ana"), ("bruno", "Bruno"), ("carla", "Carla"), ("zq7hidden", "Dora")):
        accounts.account_create(username=username, password=PASSWORD, display_name=name)
    ana = log_in(browser, live_server, "ana")
    ana.get_by_role("link", name="New chat").click()
    search = ana.get_by_label("Search people")

    search.press_sequentially("bru", delay=50)  # key by key (see above)
    ana.get_by_label("Carla").wait_for(state="detached")
    ana.get_by_label("Bruno").check()
    search.fill("car")
    ana.get_by_label("Carla").check()
    search.fill("zq7")  # part of a login: nobody, while the chosen stay chosen
    ana.get_by_text("Nobody matches that search.").wait_for()
    assert ana.get_by_label("Bruno").is_checked() and ana.get_by_label("Carla").is_checked()
    search.fill("ZQ7HIDDEN")  # a login typed in full
    ana.get_by_label("Dora").check()
    search.fill("")
    ana.get_by_text("Nobody matches that search.").wait_for(state="detached")
    assert ana.get_by_label("Bruno").count() == 1  # listed once: among the chosen, not again among the found

    ana.get_by_label("Topic").fill("Four of us")
    ana.get_by_role("button", name="Create chat").click()
    ana.get_by_role("heading", name="Four of us").wait_for()
    for name in ("Bruno", "Carla", "Dora"):
        ana.locator("#participants").get_by_role("button", name=f"Actions for {name}").wait_for()


def test_a_row_says_what_happened_to_its_chat(browser, live_server, emulator):
    ana, bruno = (accounts.account_create(username=n, password=PASSWORD, display_name=n.title()) for n in ("ana", "bo"))
    thread_id = threads.thread_create(
        actor=Actor.person(ana), topic="Lunch", participants=[bruno], idempotency_token=str(uuid.uuid4())
    ).acs_thread_id
    messages.message_send(actor=Actor.person(bruno), thread_id=thread_id, content="Before")
    oops = messages.message_send(actor=Actor.person(ana), thread_id=thread_id, content="Oops, wrong chat")
    page = log_in(browser, live_server, "bo")
    row = page.get_by_role("link", name=re.compile("^Lunch"))
    row.get_by_text("Oops, wrong chat").wait_for()

    # A deleted last message: the row says so, without a reload (no empty preview line).
    messages.message_delete(actor=Actor.person(ana), thread_id=thread_id, message_id=oops)
    row.get_by_text("Message deleted").wait_for(timeout=LIVE)

    # A chat he left says so, not "No messages yet".
    page.goto(f"{live_server.url}/threads/{thread_id}/")
    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Chat options").click()
    page.get_by_role("button", name="Leave chat").click()
    page.get_by_text("You left this chat.").wait_for(timeout=LIVE)
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name=re.compile("^Lunch")).get_by_text("You left this chat").wait_for()
