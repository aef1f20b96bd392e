"""What people expect of a chat app (issue 20 items 8, 13, 14): right-to-left text shown right to left, links
that open, one name per run of messages, initials avatars, "Show more" for long messages, quiet per-person actions.
Chromium at 1280×800 and 390×844 with touch; controls found by accessible name."""

import pytest

from chatsite.chat.services import accounts

from .test_thread_page import PASSWORD, chat, message, open_thread, person

pytestmark = pytest.mark.browser

HEBREW = "שלום, נפגש ב-12 ב-Café Roma?"


def named(username, display_name):
    return accounts.account_create(username=username, password=PASSWORD, display_name=display_name)


def direction(locator) -> str:
    return locator.evaluate("el => el.matches(':dir(rtl)') ? 'rtl' : 'ltr'")


def test_right_to_left_words_read_right_to_left(browser, live_server, emulator):
    ana, dana = person("ana"), named("dana", "דנה כהן")
    thread = chat(ana, "ארוחת צהריים", [dana], (dana, HEBREW), (ana, "Sounds good"))
    page = open_thread(browser, live_server, "ana", thread, "desktop")

    assert direction(page.get_by_role("heading", level=1)) == "rtl"
    assert direction(message(page, "שלום").locator(".body")) == "rtl"
    assert direction(message(page, "Sounds good").locator(".body")) == "ltr"
    assert direction(message(page, "שלום").locator(".sender bdi")) == "rtl"
    # The system message's sentence stays English, the Hebrew name isolated in it.
    added = page.locator("li.message--system", has_text="added")
    assert direction(added.locator("p")) == "ltr"
    assert direction(added.locator("bdi", has_text="דנה")) == "rtl"

    box = page.get_by_label("Message", exact=True)
    box.fill("מה נשמע?")
    assert direction(box) == "rtl"
    box.fill("Hello")
    assert direction(box) == "ltr"

    page.get_by_role("link", name="All chats").click()
    row = page.locator("li.thread", has_text="ארוחת")
    assert direction(row.locator(".topic")) == "rtl"
