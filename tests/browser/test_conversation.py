"""Two people in two browser contexts chat live, against the live site and the live emulator."""

import os
import re
from pathlib import Path

import pytest

from chatsite.chat.services import accounts

pytestmark = pytest.mark.browser

PASSWORD = "a-long-test-password-9"
DOCS = Path(__file__).resolve().parents[2] / "docs"
# CHATSITE_README_SCREENSHOTS=1 rewrites the README's pictures of this conversation (desktop and phone size).
README_SHOTS = os.environ.get("CHATSITE_README_SCREENSHOTS")
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


def message_action(page, text, action):
    """Edit or Delete one's own message: from its menu (one Tab stop per message)."""
    message(page, text).get_by_role("button", name=re.compile("^Actions for your message")).click()
    message(page, text).get_by_role("button", name=action, exact=True).click()


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

    message_action(ana, "Pizza or sushi?", "Edit")
    ana.get_by_label("Edit message").fill("Hi Bruno! Sushi at 12:30?")
    ana.get_by_role("button", name="Save").click()
    edited = message(bruno, "Sushi at 12:30?")
    edited.wait_for(timeout=LIVE)
    assert "(edited)" in edited.inner_text()

    ana.get_by_label("Message", exact=True).fill("wrong chat, sorry")
    ana.get_by_role("button", name="Send").click()
    message(bruno, "wrong chat, sorry").wait_for(timeout=LIVE)
    ana.once("dialog", lambda dialog: dialog.accept())
    message_action(ana, "wrong chat, sorry", "Delete")
    bruno.get_by_text("This message was deleted").wait_for(timeout=LIVE)
    assert message(bruno, "wrong chat, sorry").count() == 0

    ana.get_by_label("Message", exact=True).fill("See you there!")
    ana.get_by_label("Message", exact=True).press("Enter")
    message(bruno, "See you there!").wait_for(timeout=LIVE)
    message(ana, "See you there!").wait_for(timeout=LIVE)
    if README_SHOTS:
        readme_screenshots(browser, live_server, ana)


def readme_screenshots(browser, live_server, ana):
    """The README's pictures: Ana's page at 1280×800, then on a phone (390×844, touch)."""
    ana.set_viewport_size({"width": 1280, "height": 800})
    message(ana, "See you there!").wait_for()
    ana.locator("#seen-by").wait_for(timeout=LIVE)
    ana.get_by_label("Message", exact=True).blur()
    ana.wait_for_timeout(300)
    ana.screenshot(path=str(DOCS / "screenshot-conversation.png"))
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2
    )
    page = phone.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill("ana")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your chats").wait_for()
    page.goto(ana.url)
    message(page, "See you there!").wait_for()
    page.locator("#seen-by").wait_for(timeout=LIVE)
    page.screenshot(path=str(DOCS / "screenshot-conversation-phone.png"))
