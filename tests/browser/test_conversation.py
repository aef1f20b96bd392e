"""Two people in two browser contexts chat live, against the live site and the live emulator."""

from pathlib import Path

import pytest

from chatsite.chat.services import accounts

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-9"
SCREENSHOT = Path(__file__).resolve().parents[2] / "docs" / "screenshot-conversation.png"
LIVE = 10_000  # ms: polls run every 2 s


def log_in(browser, live_server, username):
    context = browser.new_context(viewport={"width": 900, "height": 760})
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your chats").wait_for()
    return page


def message(page, text):
    return page.locator("li.message", has_text=text)


def test_two_people_chat_live(browser, live_server, emulator):
    accounts.account_create(username="ana", password=PASSWORD, display_name="Ana")
    accounts.account_create(username="bruno", password=PASSWORD, display_name="Bruno")
    ana = log_in(browser, live_server, "ana")
    bruno = log_in(browser, live_server, "bruno")

    ana.get_by_role("link", name="New chat").click()
    ana.get_by_label("Topic").fill("Lunch on Friday")
    ana.get_by_label("Bruno").check()
    ana.get_by_role("button", name="Create chat").click()
    ana.get_by_role("heading", name="Lunch on Friday").wait_for()
    ana.wait_for_load_state()  # Enter sends once thread.js (deferred) runs; before that it types a newline

    bruno.reload()
    bruno.get_by_role("link", name="Lunch on Friday").click()
    bruno.get_by_text("Ana added Bruno").wait_for()

    ana.get_by_label("Message", exact=True).fill("Hi Bruno! Pizza or sushi?")
    ana.get_by_label("Message", exact=True).press("Enter")
    message(bruno, "Hi Bruno! Pizza or sushi?").wait_for(timeout=LIVE)
    assert ana.get_by_label("Message", exact=True).input_value() == ""

    bruno.get_by_label("Message", exact=True).fill("Sushi, definitely.")
    bruno.get_by_role("button", name="Send").click()
    message(ana, "Sushi, definitely.").wait_for(timeout=LIVE)

    message(ana, "Pizza or sushi?").get_by_role("button", name="Edit").click()
    ana.get_by_label("Edit message").fill("Hi Bruno! Sushi at 12:30?")
    ana.get_by_role("button", name="Save").click()
    edited = message(bruno, "Sushi at 12:30?")
    edited.wait_for(timeout=LIVE)
    assert "(edited)" in edited.inner_text()

    ana.get_by_label("Message", exact=True).fill("wrong chat, sorry")
    ana.get_by_role("button", name="Send").click()
    message(bruno, "wrong chat, sorry").wait_for(timeout=LIVE)
    ana.once("dialog", lambda dialog: dialog.accept())
    message(ana, "wrong chat, sorry").get_by_role("button", name="Delete").click()
    bruno.get_by_text("This message was deleted").wait_for(timeout=LIVE)
    assert message(bruno, "wrong chat, sorry").count() == 0

    ana.get_by_label("Message", exact=True).fill("See you there!")
    ana.get_by_label("Message", exact=True).press("Enter")
    message(bruno, "See you there!").wait_for(timeout=LIVE)
    message(ana, "See you there!").wait_for(timeout=LIVE)
    # Tall enough for the whole conversation: the sticky composer would cover part of a full-page capture.
    ana.set_viewport_size({"width": 900, "height": 1200})
    ana.get_by_label("Message", exact=True).blur()
    ana.screenshot(path=str(SCREENSHOT))
