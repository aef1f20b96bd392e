"""The pages around the chat fit the person's screen and language (issue 20 items 9 and 10): the admin login
page has its heading (axe finds nothing), the phone list header is not cramped in Brazilian Portuguese, and
"Turn on desktop notifications" is offered on a desktop only, clear of the edges."""

import pytest
from django.contrib.auth import get_user_model

from .axe import SIZES, assert_no_violations
from .test_inbox import NOTIFICATIONS
from .test_thread_page import PASSWORD, chat, person

pytestmark = pytest.mark.browser


def in_language(browser, size, language):
    return browser.new_context(bypass_csp=True, extra_http_headers={"Accept-Language": language}, **SIZES[size])


def log_in(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator("button[type=submit]").click()
    page.locator("#inbox").wait_for()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_the_admin_login_page_has_its_heading(browser, live_server, db, size):
    get_user_model().objects.create_superuser(username="staff", password=PASSWORD)
    page = in_language(browser, size, "en").new_page()
    page.goto(f"{live_server.url}/admin/login/")

    assert page.get_by_role("heading", level=1).count() == 1
    assert_no_violations(page, f"admin login page ({size})")


def gap(page, first, second) -> float:
    """The horizontal gap between two boxes (negative when they overlap)."""
    a, b = page.locator(first).bounding_box(), page.locator(second).bounding_box()
    return b["x"] - (a["x"] + a["width"]) if b["x"] >= a["x"] else a["x"] - (b["x"] + b["width"])


@pytest.mark.parametrize("language", ["pt-BR", "es", "en"])
def test_the_phone_list_header_has_room(browser, live_server, emulator, language):
    ana, bruno = person("ana"), person("bruno")
    chat(ana, "Trip", [bruno], (bruno, "Hello"))
    context = in_language(browser, "phone", language)
    context.add_init_script(NOTIFICATIONS)  # a browser that could notify: still not offered on a phone
    page = context.new_page()
    log_in(page, live_server, "ana")

    heading, new_chat = page.locator(".page-head h1"), page.locator(".page-head .button")
    assert gap(page, ".page-head h1", ".page-head .button") >= 8 or (
        new_chat.bounding_box()["y"] >= heading.bounding_box()["y"] + heading.bounding_box()["height"]
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator("#notify-button").is_hidden()
    assert_no_violations(page, f"thread list, phone ({language})")


def test_notifications_are_offered_on_a_desktop_clear_of_the_edge(browser, live_server, emulator):
    ana, bruno = person("ana"), person("bruno")
    chat(ana, "Trip", [bruno], (bruno, "Hello"))
    context = in_language(browser, "desktop", "pt-BR")
    context.add_init_script(NOTIFICATIONS)
    page = context.new_page()
    log_in(page, live_server, "ana")

    offer = page.get_by_role("button", name="Ativar notificações na área de trabalho")
    offer.wait_for()
    box, main = shown_box(page, offer), page.locator("main").bounding_box()
    assert box["x"] >= main["x"] + 8 and box["x"] + box["width"] <= main["x"] + main["width"] - 8
    new_chat = page.get_by_role("link", name="Nova conversa").bounding_box()
    assert box["y"] >= new_chat["y"] + new_chat["height"]  # its own line, never beside "Nova conversa"


def shown_box(page, locator):
    """Its box once it is on screen, asked again for up to 20 s: the list's poll may be swapping its region at the
    moment of asking (a box of None once at load 13, right after the element was visible)."""
    for _ in range(100):
        box = locator.bounding_box()
        if box is not None:
            return box
        page.wait_for_timeout(200)
    raise AssertionError(f"{locator} never had a box on screen")
