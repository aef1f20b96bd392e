"""The thread page's controls within reach (issue 20), at 1280×800 and 390×844 with touch, checked without letting
the browser scroll for them (reach.py): menus that flip to stay in view, live updates that leave alone what a person
is using, recovery right after an outage, errors that clear, and a chat with many unread messages that opens where
the person stopped reading."""

import re

import pytest

from . import reach
from .test_thread_page import LIVE, SIZES, chat, check, composer, message, open_thread, person, say, wait_until

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
