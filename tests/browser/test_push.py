"""Push in the browser (issue 22), served as production serves it (ASGI, `asgi_live_server`): a change on the stream
shows on the open page with no request, a hint (what the stream cannot carry) makes its one poll, with no timed
poll while the stream is live; with the stream blocked the page polls
as before; the tabs of one person share one stream, so a seventh tab still sends and receives; and on a shared
browser one person's hints never reach the next person's tabs."""

import re
import time
from urllib.parse import urlsplit

import pytest

from chatsite.chat.live.typing import typing_record
from chatsite.chat.services.record import message_hide

from .axe import new_context
from .test_thread_page import PASSWORD, SIZES, chat, check, composer, message, person, say, wait_until

pytestmark = pytest.mark.browser

LIVE = 20_000  # ms: generous, the machine is loaded; what must be quick is counted in requests, not timed
QUIET_S = 4.5  # more than two beats of the 2 s poll: a page still polling on its beat shows it here


def log_in(page, server, username):
    page.goto(f"{server.url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Your chats").wait_for()


def open_thread(page, server, thread):
    page.goto(f"{server.url}/threads/{thread.acs_thread_id}/")
    composer(page).wait_for()


def push_state(page):
    return page.evaluate("document.documentElement.dataset.push || ''")


def wait_for_push(page, state="live"):
    page.wait_for_function(f"document.documentElement.dataset.push === '{state}'", timeout=LIVE)


class Requests:
    """What a page (or all pages of a context) asks the site, the stream itself left out."""

    def __init__(self, target):
        self.seen = []  # (time, path)
        target.on("request", self._request)

    def _request(self, request):
        path = urlsplit(request.url).path
        if path != "/live/stream/":
            self.seen.append((time.monotonic(), path))

    def settle(self, page, quiet=QUIET_S, timeout=60):
        """Wait until the page has asked nothing for `quiet` seconds: what opening it brings (its first poll, the
        read POST, "Seen by" after the receipt) is over."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            last = self.seen[-1][0] if self.seen else 0
            if time.monotonic() - last >= quiet:
                return
            page.wait_for_timeout(250)
        raise AssertionError(f"the page never went quiet: {self.paths()[-10:]}")

    def paths(self, since=0.0):
        return [path for at, path in self.seen if at >= since]


@pytest.mark.parametrize("size", SIZES)
def test_a_push_brings_bruno_message_itself_with_no_request(browser, asgi_live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (bruno, "Anyone?"), (ana, "Here"))
    page = new_context(browser, size).new_page()
    requests = Requests(page)
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page)
    requests.settle(page)  # quiet for two beats: no timed poll while the stream is live

    start = time.monotonic()
    say(bruno, thread, "Pizza at noon?")
    message(page, "Pizza at noon?").wait_for(timeout=LIVE)
    brought_by = requests.paths(since=start)

    poll, read = f"/threads/{thread.acs_thread_id}/poll/", f"/threads/{thread.acs_thread_id}/read/"
    # The change came on the stream: no poll (nor any other request) before it showed; then the page says at once
    # what Ana saw.
    assert poll not in brought_by
    assert [path for path in brought_by if path != read] == []
    wait_until(page, lambda: read in requests.paths(since=start))
    assert "New message from Bruno" in page.locator("#announcer").text_content()  # said to screen readers
    assert push_state(page) == "live"
    check(page, f"thread page, a message brought by push ({size})", shot=f"push-{size}")

    # The page's poller moved on with it: the next change follows on, and no poll brings the message again.
    say(bruno, thread, "Or at one?")
    message(page, "Or at one?").wait_for(timeout=LIVE)
    requests.settle(page)
    assert page.locator("#message-list li", has_text="Pizza at noon?").count() == 1


def test_a_redrawn_thread_still_comes_by_the_pages_poll(browser, asgi_live_server, emulator):
    """A change the stream cannot carry (a moderator hid a message: every page reloads its newest messages) is a
    hint, and the page's one poll brings it."""
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (bruno, "Something rude"), (ana, "Hm"))
    page = new_context(browser, "desktop").new_page()
    requests = Requests(page)
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page)
    requests.settle(page)

    start = time.monotonic()
    rude = page.locator("#message-list li.message", has_text="Something rude").get_attribute("id").removeprefix("m-")
    message_hide(thread_id=thread.acs_thread_id, message_id=int(rude))
    page.locator(f"#m-{rude}", has_text="moderator").wait_for(timeout=LIVE)
    assert f"/threads/{thread.acs_thread_id}/poll/" in requests.paths(since=start)


@pytest.mark.parametrize("size", SIZES)
def test_with_the_stream_blocked_the_page_delivers_by_polling(browser, asgi_live_server, emulator, size):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (bruno, "Anyone?"))
    context = new_context(browser, size)
    context.route("**/live/stream/**", lambda route: route.abort())
    page = context.new_page()
    requests = Requests(page)
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page, "polling")

    start = time.monotonic()
    say(bruno, thread, "Still there?")
    message(page, "Still there?").wait_for(timeout=LIVE)
    page.wait_for_timeout(QUIET_S * 1000)
    polls = [path for path in requests.paths(since=start) if path.endswith("/poll/")]
    assert len(polls) >= 2, polls  # the page keeps its 2 s beat
    assert push_state(page) == "polling"


def test_seven_tabs_of_one_person_share_one_stream_and_the_seventh_sends_and_receives(
    browser, asgi_live_server, emulator
):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Team", [bruno], (bruno, "Morning"))
    context = new_context(browser, "desktop")
    streams = []
    context.on("request", lambda request: "/live/stream/" in request.url and streams.append(request.url))
    first = context.new_page()
    log_in(first, asgi_live_server, "ana")
    tabs = [first]
    for n in range(6):
        tab = context.new_page()
        if n % 2:
            tab.goto(f"{asgi_live_server.url}/")  # the list shares the stream too
            tab.get_by_role("heading", name="Your chats").wait_for()
        else:
            open_thread(tab, asgi_live_server, thread)
        tabs.append(tab)
    seventh = context.new_page()
    open_thread(seventh, asgi_live_server, thread)
    tabs.append(seventh)
    for tab in tabs:
        wait_for_push(tab)
    assert len(streams) == 1, streams  # one stream for the browser, not one per tab

    composer(seventh).fill("Sent from the seventh tab")
    seventh.get_by_role("button", name="Send").click()
    sent = message(seventh, "Sent from the seventh tab").locator("xpath=self::li[starts-with(@id, 'm-')]")
    sent.wait_for(timeout=LIVE)
    say(bruno, thread, "Got it, from Bruno")
    message(seventh, "Got it, from Bruno").wait_for(timeout=LIVE)
    message(tabs[1], "Got it, from Bruno").wait_for(timeout=LIVE)  # another thread page
    tabs[2].get_by_role("link", name=re.compile("Team.*Got it, from Bruno")).wait_for(timeout=LIVE)  # a list

    # The tab holding the stream (the first, which asked first) goes: another takes it over, and hints still come.
    first.close()
    say(bruno, thread, "After the first tab closed")
    message(seventh, "After the first tab closed").wait_for(timeout=LIVE)
    for tab in tabs[1:]:
        wait_for_push(tab)
    assert len(streams) == 2, streams


def test_after_logout_and_login_as_another_person_no_hint_of_the_first_reaches_the_second(
    browser, asgi_live_server, emulator
):
    ana, bruno, carla = person("ana"), person("bruno"), person("carla")
    anas = chat(ana, "Ana and Bruno", [bruno], (bruno, "Hi Ana"))
    carlas = chat(carla, "Carla and Bruno", [bruno], (bruno, "Hi Carla"))
    context = new_context(browser, "desktop")
    left_open = context.new_page()  # Ana's page, left open on the shared browser
    log_in(left_open, asgi_live_server, "ana")
    open_thread(left_open, asgi_live_server, anas)
    wait_for_push(left_open)

    tab = context.new_page()
    tab.goto(f"{asgi_live_server.url}/")
    tab.get_by_role("heading", name="Your chats").wait_for()
    tab.get_by_role("button", name="Log out").click()
    log_in(tab, asgi_live_server, "carla")
    carla_requests = Requests(tab), Requests(carla_list := context.new_page())
    open_thread(tab, asgi_live_server, carlas)
    wait_for_push(tab)
    carla_list.goto(f"{asgi_live_server.url}/")
    carla_list.get_by_role("heading", name="Your chats").wait_for()
    wait_for_push(carla_list)
    # Ana's old page lost its stream as she logged out (and goes to the login page at its next poll); a stream
    # asked for by her page under Carla's session is refused (tests/chat/test_push_stream.py).

    for requests, page in zip(carla_requests, [tab, carla_list], strict=True):
        requests.settle(page)
    start = time.monotonic()
    say(bruno, anas, "Only for Ana")
    tab.wait_for_timeout(QUIET_S * 1000)
    assert [r.paths(since=start) for r in carla_requests] == [[], []]  # no hint of Ana's reached Carla's tabs

    say(bruno, carlas, "For Carla")  # while Carla's own hints still come
    message(tab, "For Carla").wait_for(timeout=LIVE)
    carla_list.get_by_role("link", name=re.compile("Carla and Bruno.*For Carla")).wait_for(timeout=LIVE)


def show_as(page, state):
    """The tab goes to the background ("hidden") or comes back ("visible"), as the browser tells the page."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", {configurable: true, get: () => state});
            Object.defineProperty(document, "hidden", {configurable: true, get: () => state === "hidden"});
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def test_a_tab_hidden_for_five_minutes_lets_the_stream_go_and_opens_it_again_when_shown(
    browser, asgi_live_server, emulator
):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Later", [bruno], (bruno, "Ping"))
    page = new_context(browser, "desktop").new_page()
    page.clock.install()  # the page's timers, to jump five minutes ahead
    streams = []
    # Which page asked: the list's stream may or may not open before the test leaves the list (a loaded machine).
    page.on("request", lambda request: "/live/stream/" in request.url and streams.append(request.frame.url))
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page)

    show_as(page, "hidden")
    page.clock.fast_forward("04:50")
    assert push_state(page) == "live"  # a short while in the background keeps it
    page.clock.fast_forward("00:15")
    wait_for_push(page, "polling")  # five minutes: let go

    show_as(page, "visible")
    wait_for_push(page)
    opened_here = [url for url in streams if urlsplit(url).path == f"/threads/{thread.acs_thread_id}/"]
    assert len(opened_here) == 2, streams  # the thread page's, and the one opened on coming back
    say(bruno, thread, "Back again?")
    message(page, "Back again?").wait_for(timeout=LIVE)


def test_someone_typing_shows_by_push(browser, asgi_live_server, emulator):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Typing", [bruno], (bruno, "Hello"))
    page = new_context(browser, "desktop").new_page()
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page)
    typing_record(thread_id=thread.acs_thread_id, user_pk=bruno.pk, name="Bruno")  # as his page reports it
    page.get_by_text("Bruno is typing").wait_for(timeout=LIVE)
    page.get_by_text("Bruno is typing").wait_for(state="detached", timeout=LIVE)  # ends by time: the page looks
