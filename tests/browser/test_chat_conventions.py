"""What people expect of a chat app (issue 20 items 8, 13, 14): right-to-left text shown right to left, links
that open, one name per run of messages, initials avatars, "Show more" for long messages, quiet per-person actions.
Chromium at 1280×800 and 390×844 with touch; controls found by accessible name."""

import pytest

from chatsite.chat.services import accounts

from .reach import usable
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
    assert direction(row.locator(".topic bdi")) == "rtl"


def shown(locator) -> bool:
    """Seen on screen: more than a visually hidden 1-pixel box."""
    return locator.evaluate("el => el.getBoundingClientRect().width > 1 && el.getBoundingClientRect().height > 1")


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_links_runs_avatars_and_show_more(browser, live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    story = " ".join(f"Line {n} of a long story about the trip." for n in range(80))
    thread = chat(
        ana,
        "Trip",
        [bruno],
        (bruno, story),
        (bruno, "Are you coming?"),
        (bruno, "The menu: https://example.com/menu"),
    )
    page = open_thread(browser, live_server, "ana", thread, size)

    names = page.locator("#message-list .sender", has_text="Bruno")
    assert names.count() == 3
    assert [shown(names.nth(n)) for n in range(3)] == [True, False, False]  # one name per run
    avatars = page.locator("#message-list .avatar")
    assert avatars.first.get_attribute("aria-hidden") == "true" and avatars.first.inner_text() == "B"
    assert [shown(avatars.nth(n)) for n in range(3)] == [True, False, False]

    link = page.get_by_role("link", name="https://example.com/menu")
    assert link.get_attribute("href") == "https://example.com/menu"
    assert link.get_attribute("rel") == "noopener noreferrer nofollow"
    assert usable(link)

    # The long message is clamped; "Show more" opens it by keyboard, "Show less" closes it.
    long = message(page, "Line 0 of a long story").locator(".body")
    assert long.evaluate("el => el.scrollHeight > el.clientHeight + 20")
    more = page.locator("summary", has_text="Show more")
    more.scroll_into_view_if_needed()  # the long message is above the newest ones: the person scrolls up to it
    more.focus()
    page.keyboard.press("Enter")
    assert long.evaluate("el => el.scrollHeight <= el.clientHeight + 1")
    assert page.locator("summary", has_text="Show less").is_visible()
    page.keyboard.press("Enter")
    assert long.evaluate("el => el.scrollHeight > el.clientHeight + 20")

    # A message the poll brings joins the run it continues.
    from .test_thread_page import say

    say(bruno, thread, "Table for two at 1 pm")
    newest = message(page, "Table for two")
    newest.wait_for(timeout=10_000)
    page.wait_for_function("() => document.querySelector('#message-list > li:last-child.message--continued')")
    assert not shown(newest.locator(".sender"))


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_actions_for_a_person_are_in_a_quiet_menu(browser, live_server, emulator, size):
    ana, bruno, carla = person("ana"), person("bruno"), person("carla")
    thread = chat(ana, "Trip", [bruno, carla], (bruno, "Hello"))
    page = open_thread(browser, live_server, "ana", thread, size)
    if size == "phone":
        page.get_by_role("button", name="People").click()
    panel = page.locator("#participants")

    assert panel.get_by_role("button", name="Remove Bruno").is_hidden()
    actions = panel.get_by_role("button", name="Actions for Bruno")
    assert usable(actions)
    actions.click()
    remove = panel.get_by_role("button", name="Remove Bruno")
    assert usable(remove)
    page.keyboard.press("Escape")
    assert remove.is_hidden()


def test_removing_someone_works_without_javascript(browser, live_server, emulator):
    ana, bruno, carla = person("ana"), person("bruno"), person("carla")
    thread = chat(ana, "Trip", [bruno, carla], (bruno, "Hello"))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 800})
    page = open_thread(browser, live_server, "ana", thread, "desktop", page=context.new_page())
    panel = page.locator("#participants")

    assert panel.get_by_role("button", name="Actions for Bruno").is_hidden()
    panel.get_by_role("button", name="Remove Bruno").click()

    page.get_by_text("Ana removed Bruno").wait_for()
    assert panel.get_by_role("button", name="Remove Bruno").count() == 0
    assert panel.get_by_role("button", name="Remove Carla").is_visible()
    context.close()


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_add_people_by_a_search_with_namesakes_told_apart(browser, live_server, emulator, size):
    from chatsite.chat.selectors.accounts import person_tag

    ana, bruno = person("ana"), person("bruno")
    first, second = named("sam1", "Sam Lee"), named("sam2", "Sam Lee")
    named("carla", "Carla")
    thread = chat(ana, "Trip", [bruno], (bruno, "Hello"))
    page = open_thread(browser, live_server, "ana", thread, size)
    if size == "phone":
        page.get_by_role("button", name="People").click()
    panel = page.locator("#participants")
    panel.get_by_role("link", name="Add people").click()

    search = panel.get_by_role("searchbox", name="Search people")
    search.press_sequentially("sam", delay=100)  # typed as a person types: the search asks as one types
    one = panel.get_by_role("checkbox", name=f"Sam Lee {person_tag(first.pk)}")
    other = panel.get_by_role("checkbox", name=f"Sam Lee {person_tag(second.pk)}")
    panel.get_by_role("checkbox", name="Carla").wait_for(state="detached")  # the search has answered
    assert one.is_visible() and other.is_visible()
    one.check()
    search.fill("")
    search.press_sequentially("carla", delay=100)
    other.wait_for(state="detached")
    panel.get_by_role("checkbox", name="Carla").check()
    assert one.is_checked()  # still chosen after the next search
    panel.get_by_role("button", name="Add", exact=True).click()

    page.locator("#participants .people", has_text="Carla").wait_for()
    assert page.locator("#participants .people li").count() == 4  # Ana, Bruno, one Sam Lee, Carla
