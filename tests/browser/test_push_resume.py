"""A page whose push stream dropped (a lost link, a proxy ending a long request) while messages came: EventSource
reconnects with the last id it saw, and the site sends each thread's last move again, as the change itself. A page
that missed one change applies it with no request; a page two steps behind does not apply a change that does not
follow what it shows, and polls once. A quiet page, whose stream brought nothing before it dropped, resumes
from where the stream opened just the same. Served by uvicorn in the test process (`asgi_live_server`), at desktop and
phone size; the drop is the stream's connection closed under it, the reconnect held by Playwright's routing until
the messages are sent."""

import json
from urllib.parse import parse_qs, urlsplit

import pytest
from django.conf import settings

from chatsite.chat.push import stream as push_stream

from .axe import new_context
from .test_push import LIVE, Requests, log_in, open_thread, push_state, wait_for_push
from .test_thread_page import SIZES, chat, message, person, say, wait_until

pytestmark = pytest.mark.browser


class Stream:
    """The page's push stream, which the test can drop and whose reconnects it can hold back."""

    def __init__(self, server, page):
        self.server = server
        self.page = page
        self.holding = False
        self.held = []
        page.context.route("**/live/stream/**", self._route)

    def _route(self, route):
        if self.holding:
            self.held.append(route)
        else:
            route.continue_()

    def drop(self):
        """Its connection closes under it, as a lost link or a proxy cuts it (found among uvicorn's connections by
        its path and the page's session); its reconnects wait until release()."""
        self.holding = True
        session = next(c["value"] for c in self.page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME)
        cookie = f"{settings.SESSION_COOKIE_NAME}={session}".encode()
        streams = [
            protocol
            for protocol in list(self.server.server.server_state.connections)
            if getattr(protocol, "scope", None)
            and protocol.scope["path"] == "/live/stream/"
            and any(name == b"cookie" and cookie in value for name, value in protocol.scope["headers"])
        ]
        assert len(streams) == 1, streams  # this person's one stream, shared by their tabs
        streams[0].loop.call_soon_threadsafe(streams[0].transport.abort)

    def release(self):
        """The reconnect EventSource made (after the stream's `retry`) goes through, with its Last-Event-ID."""
        wait_until(self.page, lambda: self.held, timeout=LIVE)  # Playwright hands over the requests it holds
        self.holding = False
        for route in self.held:
            route.continue_()
        self.held = []


class Changes:
    """What Ana's streams were sent, as it went (the server runs in the test process): the changes' data."""

    def __init__(self):
        self.sent = []  # (the stream's viewer, a change's data or None for a hint)
        self.old = set()

    def streams_so_far(self):
        """From now on only what streams that have sent nothing yet send counts: the reconnect's, not the stream
        that dropped (whose server end may render a change or two into the dead connection before it notices)."""
        self.old = {id(visible) for visible, _ in self.sent}

    def new(self):
        return [data for visible, data in self.sent if id(visible) not in self.old and data is not None]


@pytest.fixture
def changes(monkeypatch):
    changes = Changes()
    event = push_stream._event

    async def recorded(hint, visible, *args):
        text = await event(hint, visible, *args)
        if visible.actor.user.username == "ana":
            change = "event: change" in text
            changes.sent.append((visible, json.loads(text.split("data: ", 1)[1]) if change else None))
        return text

    monkeypatch.setattr(push_stream, "_event", recorded)
    return changes


class Polls:
    """The markers the page's polls asked from (the marker its poller carried)."""

    def __init__(self, page, thread):
        self.markers = []
        path = f"/threads/{thread.acs_thread_id}/poll/"
        page.on("request", lambda r: urlsplit(r.url).path == path and self.markers.append(marker_of(r.url)))


def marker_of(url):
    return int(parse_qs(urlsplit(url).query)["marker"][0])


def shown_marker(page):
    """The change marker the page shows: its poller's."""
    return marker_of(page.evaluate("new URL(document.getElementById('poller').getAttribute('hx-get'), location).href"))


def texts(page):
    return page.locator("#message-list > li.message").all_text_contents()


# Before the page's scripts: the page's streams note each event they dispatch, [type, id], so the test drops a quiet
# stream only after the page has heard where it starts (dropped before, the page rightly goes back to its beat),
# and can tell it heard nothing else.
HEARD = """
window.streamEvents = [];
window.EventSource = class extends window.EventSource {
  constructor(...args) {
    super(...args);
    for (const type of ["ready", "moved", "change", "resync"]) {
      this.addEventListener(type, (event) => { window.streamEvents.push([type, event.lastEventId, event.data]); });
    }
  }
};
"""


def ready(browser, server, size, thread, sender, words):
    """Ana's page, live, which has had a message (`words`) on its stream: its stream has an id to resume from."""
    page = new_context(browser, size).new_page()
    stream = Stream(server, page)
    requests = Requests(page)
    log_in(page, server, "ana")
    open_thread(page, server, thread)
    wait_for_push(page)
    say(sender, thread, words)
    message(page, words).wait_for(timeout=LIVE)
    requests.settle(page)  # its polls, the read POST, "Seen by": over
    return page, stream, requests


@pytest.mark.parametrize("size", SIZES)
def test_a_page_two_steps_behind_polls_once_and_shows_every_message_once_in_order(
    browser, asgi_live_server, emulator, changes, size
):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (ana, "Hi"))
    # Bruno's page is open too: his stream reads each change as it comes, so the second's change follows the first.
    brunos = new_context(browser, "desktop").new_page()
    log_in(brunos, asgi_live_server, "bruno")
    open_thread(brunos, asgi_live_server, thread)
    wait_for_push(brunos)
    page, stream, _ = ready(browser, asgi_live_server, size, thread, bruno, "Anyone?")
    polls = Polls(page, thread)
    before = shown_marker(page)

    changes.streams_so_far()  # the one about to drop has sent an event (the first message)
    stream.drop()
    for words in ("Pizza at noon?", "Or at one?"):
        say(bruno, thread, words)
        message(brunos, words).wait_for(timeout=LIVE)
    stream.release()
    message(page, "Or at one?").wait_for(timeout=LIVE)

    # The reconnect brought the last change, from the first message to the second: it does not follow what the
    # page showed, so the page made its one poll, from there, which brought both.
    after = shown_marker(page)
    assert [(c["marker"], c["prev"] > before) for c in changes.new()] == [(after, True)], (before, changes.sent)
    assert polls.markers.count(before) == 1, polls.markers
    assert set(polls.markers) <= {before, after}, polls.markers  # nothing asked from the step between
    shown = texts(page)
    said = ["Hi", "Anyone?", "Pizza at noon?", "Or at one?"]
    assert [[words in text for text in shown].count(True) for words in said] == [1, 1, 1, 1], shown
    order = [next(n for n, text in enumerate(shown) if words in text) for words in said]
    assert order == sorted(order), shown


@pytest.mark.parametrize("size", SIZES)
def test_a_page_whose_stream_dropped_for_one_message_shows_it_after_the_reconnect_with_no_poll(
    browser, asgi_live_server, emulator, changes, size
):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (ana, "Hi"))
    page, stream, requests = ready(browser, asgi_live_server, size, thread, bruno, "Anyone?")
    polls = Polls(page, thread)
    before = shown_marker(page)
    read = f"/threads/{thread.acs_thread_id}/read/"

    changes.streams_so_far()  # the one about to drop has sent an event (the first message)
    stream.drop()
    dropped = len(requests.seen)
    say(bruno, thread, "While you were away")
    stream.release()
    message(page, "While you were away").wait_for(timeout=LIVE)

    assert polls.markers.count(before) == 0, polls.markers  # nothing asked for what the stream brought
    # The reconnect brought the change from what the page showed, and the page's poller moved on with it.
    assert [(c["prev"], c["marker"]) for c in changes.new()] == [(before, shown_marker(page))], changes.sent
    # Nor any request before the page said what Ana saw (her read, which moves "Seen by" for a later poll).
    wait_until(page, lambda: read in requests.paths()[dropped:], timeout=LIVE)
    after_drop = requests.paths()[dropped:]
    assert after_drop[: after_drop.index(read)] == [], after_drop
    assert sum("While you were away" in text for text in texts(page)) == 1


@pytest.mark.parametrize("size", SIZES)
def test_a_quiet_page_whose_stream_dropped_before_any_event_shows_the_message_after_the_reconnect_with_no_poll(
    browser, asgi_live_server, emulator, changes, size, monkeypatch
):
    """The common drop: a proxy or a network blip cuts an idle stream. It opened with an id, so it resumes from
    there: the page stays on push, and the reconnect brings the message as the change, with no poll."""
    resumed_from = []  # the Last-Event-IDs the streams were asked with (the browser adds it past Playwright's view)
    parse = push_stream.parse_event_id
    monkeypatch.setattr(push_stream, "parse_event_id", lambda value: resumed_from.append(value) or parse(value))
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Lunch", [bruno], (ana, "Anyone?"))
    page = new_context(browser, size).new_page()
    page.add_init_script(HEARD)
    stream = Stream(asgi_live_server, page)
    requests = Requests(page)
    log_in(page, asgi_live_server, "ana")
    open_thread(page, asgi_live_server, thread)
    wait_for_push(page)
    # What opening the page sets off is over: a "look again" came a few seconds after the first open. The stream
    # that drops is one opened after that.
    requests.settle(page)
    page.reload()
    wait_for_push(page)
    page.wait_for_function("window.streamEvents.length", timeout=LIVE)
    requests.settle(page)
    heard = page.evaluate("window.streamEvents")
    assert [kind for kind, *_ in heard] == ["ready"], heard  # nothing came on the stream but where it starts
    started_at = heard[0][1]
    polls = Polls(page, thread)
    before = shown_marker(page)
    read = f"/threads/{thread.acs_thread_id}/read/"

    changes.streams_so_far()  # (the first page's stream sent its "look again")
    stream.drop()
    dropped = len(requests.seen)
    say(bruno, thread, "While you were quiet")
    stream.release()
    message(page, "While you were quiet").wait_for(timeout=LIVE)

    assert resumed_from[-1] == started_at, resumed_from  # the reconnect sent back where the stream started
    assert polls.markers == [], polls.markers  # no poll: not to catch up, nor for the message
    assert [(c["prev"], c["marker"]) for c in changes.new()] == [(before, shown_marker(page))], changes.sent
    wait_until(page, lambda: read in requests.paths()[dropped:], timeout=LIVE)
    after_drop = requests.paths()[dropped:]
    assert after_drop[: after_drop.index(read)] == [], after_drop
    assert sum("While you were quiet" in text for text in texts(page)) == 1
    assert push_state(page) == "live"
