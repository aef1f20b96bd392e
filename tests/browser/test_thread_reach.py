"""The thread page's controls within reach (issue 20), at 1280×800 and 390×844 with touch, checked without letting
the browser scroll for them (reach.py): menus that flip to stay in view, live updates that leave alone what a person
is using, recovery right after an outage, errors that clear, and a chat with many unread messages that opens where
the person stopped reading."""

import re

import pytest

from . import reach
from .test_thread_page import (
    LIVE,
    SIZES,
    ana_texts,
    chat,
    check,
    composer,
    message,
    open_thread,
    person,
    wait_until,
)

pytestmark = pytest.mark.browser


def menu_button(row):
    return row.get_by_role("button", name=re.compile("^Actions for your message"))


# Item 1: menus flip or move to stay inside the viewport and outside the message pane's clipping.


@pytest.mark.parametrize("size", SIZES)
def test_the_menu_of_the_newest_message_is_fully_in_reach(browser, live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    said = [(bruno if n % 2 else ana, f"Line {n:02d} about the trip") for n in range(20)]
    thread = chat(ana, "Trip", [bruno], *said, (ana, "My newest words"))
    page = open_thread(browser, live_server, "ana", thread, size)

    newest = message(page, "My newest words")
    reach.click(menu_button(newest), "the newest message's menu button")
    for name in ("Edit", "Delete"):
        reach.assert_reachable(newest.get_by_role("button", name=name, exact=True), name)
    check(page, f"thread page, the newest message's menu open ({size})", shot=f"menu-newest-{size}")

    page.once("dialog", lambda dialog: dialog.accept())
    reach.click(newest.get_by_role("button", name="Delete", exact=True), "Delete")
    message(page, "This message was deleted").wait_for()

    # The oldest message on the page, scrolled to the top edge of the pane: its menu opens below, in view.
    page.locator("#messages-pane").evaluate("pane => { pane.scrollTop = 0; }")
    oldest = message(page, "Line 00")
    reach.click(menu_button(oldest), "the oldest message's menu button")
    reach.assert_reachable(oldest.get_by_role("button", name="Edit", exact=True), "Edit (oldest)")
    menu = oldest.locator(".message-actions").bounding_box()
    assert menu["y"] > menu_button(oldest).bounding_box()["y"]  # below its button: there is room there

    # The chat's own menu, in the header.
    page.keyboard.press("Escape")
    reach.click(page.get_by_role("button", name="Chat options"), "Chat options")
    for control in (page.get_by_role("link", name="Edit topic"), page.get_by_role("button", name="Leave chat")):
        reach.assert_reachable(control)


# Items 4, 5, 6: one people count; the poll never swaps the panel under a control in use; "Add people" by keyboard
# puts the keyboard on its first field.


def open_people(page, size):
    """The participants: beside the messages on a desktop, in a drawer on a phone."""
    if size == "phone":
        reach.click(page.get_by_role("button", name=re.compile("^People")), "People")
    page.get_by_role("heading", name="People in this chat").wait_for()


@pytest.mark.parametrize("size", SIZES)
def test_add_people_works_right_after_an_add_and_opens_on_its_first_field(browser, live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    person("carla"), person("dario")
    thread = chat(ana, "Trip", [bruno], (bruno, "Who else is coming?"))
    page = open_thread(browser, live_server, "ana", thread, size)
    open_people(page, size)

    # By keyboard: Enter on "Add people" puts the keyboard on its first field, the search; two Tabs on reach the
    # first person to choose.
    focused_label = "document.activeElement.labels?.[0]?.textContent.trim()"
    page.get_by_role("link", name="Add people").focus()
    page.keyboard.press("Enter")
    wait_until(page, lambda: page.evaluate(focused_label) == "Search people")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate(focused_label) == "Carla"
    page.keyboard.press("Space")
    # The add changes the panel, so the next poll brings it too: it is held until "Add people" was clicked again
    # (its answer also held), then answered. The panel in use stays; the form opens in it.
    polls, forms = [], []
    poll_url = re.compile(r"/threads/[^/]+/poll/")
    form_url = re.compile(r"/threads/[^/]+/participants/add/$")
    page.route(poll_url, lambda route: polls.append(route))
    reach.click(page.get_by_role("button", name="Add", exact=True), "Add")
    page.locator("#participants li", has_text="Carla").wait_for()
    wait_until(page, lambda: polls)
    page.route(form_url, lambda route: forms.append(route) if route.request.method == "GET" else route.continue_())
    reach.click(page.get_by_role("link", name="Add people"), "Add people")
    wait_until(page, lambda: forms)
    page.unroute(poll_url)
    with page.expect_response(poll_url) as answer:
        polls.pop().continue_()
    assert "Carla" in answer.value.text()  # the poll did bring the changed panel
    page.wait_for_timeout(300)  # htmx has handled it
    forms.pop().continue_()
    page.unroute(form_url)
    reach.assert_reachable(page.locator(".add-people").get_by_label("Dario"), "Dario")
    assert page.evaluate(focused_label) == "Search people"
    check(page, f"thread page, add people after an add ({size})", shot=f"add-again-{size}")

    # Cancel: the panel comes back, and the people count was never written twice.
    reach.click(page.get_by_role("button", name="Cancel"), "Cancel")
    page.locator(".add-people").wait_for(state="detached")
    page.wait_for_timeout(2_500)  # a beat: the panel the poll held back comes now
    assert page.locator("#people-count").count() == 1
    assert page.locator("#people-count").inner_text() == "3"
    assert page.locator("#participants .count").count() == 0


# Item 7: after an outage the page is back as soon as the site is ("Reconnecting…" clears on the first answer,
# whatever it brings), and "Retry now" tries at once.


@pytest.mark.parametrize("size", SIZES)
def test_after_an_outage_retry_now_sends_what_waited(browser, live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Trip", [bruno], (bruno, "Are you there?"))
    page = open_thread(browser, live_server, "ana", thread, size)
    banner = page.get_by_role("status").filter(has_text="Reconnecting…")
    down = re.compile(r"/threads/[^/]+/(messages|poll)/")
    page.route(down, lambda route: route.abort())
    composer(page).fill("Still on the train")
    reach.click(page.get_by_role("button", name="Send"), "Send")
    banner.wait_for(timeout=LIVE)
    check(page, f"thread page, reconnecting with Retry now ({size})", shot=f"retry-now-{size}")
    page.unroute(down)
    reach.click(page.get_by_role("button", name="Retry now"), "Retry now")
    banner.wait_for(state="detached", timeout=LIVE)
    wait_until(page, lambda: len(ana_texts(thread, ana, "Still on the train")) == 1)
    message(page, "Still on the train").locator("xpath=self::li[starts-with(@id, 'm-')]").wait_for(timeout=LIVE)
    wait_until(page, lambda: page.locator("#outbox li").count() == 0)


# Item 12: "Write something before sending." clears on any other action, not only on typing.


@pytest.mark.parametrize("size", SIZES)
def test_the_empty_send_error_clears_on_edit_rename_and_add(browser, live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    person("carla")
    thread = chat(ana, "Trip", [bruno], (ana, "Shall we go in May?"))
    page = open_thread(browser, live_server, "ana", thread, size)
    error = page.get_by_text("Write something before sending.")

    def refuse_empty():
        reach.click(page.get_by_role("button", name="Send"), "Send")
        error.wait_for()

    refuse_empty()
    row = message(page, "Shall we go in May?")
    reach.click(menu_button(row), "the message's menu button")
    reach.click(row.get_by_role("button", name="Edit", exact=True), "Edit")
    error.wait_for(state="detached")
    assert composer(page).get_attribute("aria-invalid") is None
    reach.click(page.locator(".message--editing").get_by_role("button", name="Cancel"), "Cancel (edit)")
    page.get_by_label("Edit message").wait_for(state="detached")

    refuse_empty()
    reach.click(page.get_by_role("button", name="Chat options"), "Chat options")
    reach.click(page.get_by_role("link", name="Edit topic"), "Edit topic")
    error.wait_for(state="detached")
    reach.click(page.locator("#topic").get_by_role("button", name="Cancel"), "Cancel")
    page.get_by_label("Topic").wait_for(state="detached")

    refuse_empty()
    if size == "phone":
        reach.click(page.get_by_role("button", name=re.compile("^People")), "People")
    reach.click(page.get_by_role("link", name="Add people"), "Add people")
    error.wait_for(state="detached")
