"""Three people manage a conversation in Chromium: add with "From now on", topic, typing, receipts,
removal, leaving and deleting, against the live site and the live emulator."""

import os

import pytest

from chatsite.chat.services import accounts

from .test_conversation import PASSWORD, log_in, message

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # Playwright's sync API runs an event loop here

pytestmark = pytest.mark.browser

LIVE = 10_000  # ms: polls run every 2 s


def confirm_next(page):
    page.once("dialog", lambda dialog: dialog.accept())


def send(page, text):
    page.wait_for_load_state()  # Enter sends once thread.js (deferred) runs; before that it types a newline
    page.get_by_label("Message", exact=True).fill(text)
    page.get_by_label("Message", exact=True).press("Enter")


def test_three_people_manage_a_conversation(browser, live_server, emulator):
    for username in ("ana", "bruno", "carla"):
        accounts.account_create(username=username, password=PASSWORD, display_name=username.title())
    ana, bruno, carla = (log_in(browser, live_server, name) for name in ("ana", "bruno", "carla"))

    ana.get_by_role("link", name="New chat").click()
    ana.get_by_label("Topic").fill("Trip")
    ana.get_by_label("Bruno").check()
    ana.get_by_role("button", name="Create chat").click()
    ana.get_by_role("heading", name="Trip").wait_for()
    send(ana, "Before Carla joins")
    message(ana, "Before Carla joins").wait_for(timeout=LIVE)
    bruno.reload()
    bruno.get_by_role("link", name="Trip").click()
    message(bruno, "Before Carla joins").wait_for(timeout=LIVE)

    # Ana adds Carla, who sees only what comes after.
    ana.get_by_role("link", name="Add people").click()
    ana.locator(".add-people").get_by_label("Carla").check()
    ana.get_by_label("From now on").check()
    ana.get_by_role("button", name="Add", exact=True).click()
    ana.locator("#participants").get_by_text("Carla").wait_for()
    bruno.get_by_text("Ana added Carla").wait_for(timeout=LIVE)
    carla.reload()
    carla.get_by_role("link", name="Trip").click()
    carla.get_by_text("Ana added Carla").wait_for(timeout=LIVE)
    assert message(carla, "Before Carla joins").count() == 0

    # A new topic reaches the others' header and timeline.
    ana.get_by_role("button", name="Chat options").click()
    ana.get_by_role("link", name="Edit topic").click()
    ana.get_by_label("Topic").fill("Trip to Lisbon")
    ana.get_by_role("button", name="Save").click()
    ana.get_by_role("heading", name="Trip to Lisbon").wait_for()
    bruno.get_by_role("heading", name="Trip to Lisbon").wait_for(timeout=LIVE)
    bruno.get_by_text("Ana changed the topic to “Trip to Lisbon”").wait_for(timeout=LIVE)

    # Typing shows to the others; when Ana pauses, her page says so and it goes on their next poll.
    def stopped_typing(request):
        return request.url.endswith("/typing/") and "stopped=1" in (request.post_data or "")

    with ana.expect_request(stopped_typing):
        ana.get_by_label("Message", exact=True).press_sequentially("Shall we go in May", delay=100)
        bruno.get_by_text("Ana is typing…").wait_for(timeout=LIVE)
    bruno.get_by_text("Ana is typing…").wait_for(state="detached", timeout=LIVE)

    # Bruno's own message, read by Ana and Carla on their open pages.
    send(bruno, "Flights are cheap in May")
    message(ana, "Flights are cheap in May").wait_for(timeout=LIVE)
    message(carla, "Flights are cheap in May").wait_for(timeout=LIVE)
    bruno.locator("#seen-by", has_text="Seen by everyone").wait_for(timeout=LIVE + 5_000)

    # Ana removes Carla; Carla's page says so and stops.
    confirm_next(ana)
    ana.get_by_role("button", name="Actions for Carla").click()
    ana.get_by_role("button", name="Remove Carla").click()
    carla.get_by_text("You were removed from this chat.").wait_for(timeout=LIVE)
    assert carla.locator("#composer").count() == 0
    assert carla.locator("#poller").count() == 0  # no more polling
    bruno.get_by_text("Ana removed Carla").wait_for(timeout=LIVE)

    # Bruno leaves: his history stays, without composer.
    confirm_next(bruno)
    bruno.get_by_role("button", name="Chat options").click()
    bruno.get_by_role("button", name="Leave chat").click()
    bruno.get_by_text("You left this chat.").wait_for(timeout=LIVE)
    message(bruno, "Flights are cheap in May").wait_for()
    assert bruno.locator("#composer").count() == 0
    ana.get_by_text("Bruno left").wait_for(timeout=LIVE)

    # Ana deletes the thread: it leaves her list.
    confirm_next(ana)
    ana.get_by_role("button", name="Chat options").click()
    ana.get_by_role("button", name="Delete chat").click()
    ana.get_by_role("heading", name="Your chats").wait_for()
    assert ana.get_by_role("link", name="Trip to Lisbon").count() == 0
