""""More" links (the thread list's `?page=`, the thread page's `?older=`) carry only ACS's opaque continuation:
a forged one, even signed with the site's own key, never makes the site send a person's ACS token anywhere."""

import re
import ssl
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from urllib.parse import unquote

import pytest
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.selectors import threads as thread_selectors
from chatsite.chat.selectors.paging import sign, unsign
from chatsite.chat.services import messages

from .conftest import HTMX


@pytest.fixture
def capture(acs_emulator):
    """An HTTPS server on loopback that the site's ACS clients would trust (it presents the emulator's own
    certificate, issued for 127.0.0.1), recording every request that reaches it and answering an empty list."""
    received = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):
            received.append((self.path, self.headers.get("Authorization")))
            body = b'{"value": []}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(acs_emulator.certificates.server_cert, acs_emulator.certificates.server_key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield SimpleNamespace(url=f"https://127.0.0.1:{server.server_address[1]}", received=received)
    finally:
        server.shutdown()
        server.server_close()


def forgeries(capture, path):
    """What someone holding the signing key could put in a link: the capture server as a next link, in the shapes
    a URL can take."""
    host = capture.url.removeprefix("https://")
    return [
        f"{capture.url}{path}?syncState=e30&maxPageSize=30&api-version=2024-03-07",
        f"//{host}{path}?syncState=e30",
        f"@{host}{path}?syncState=e30",
        f"syncState=e30&next=https://{host}{path}",  # a plain query, harmless: it goes to ACS, not there
    ]


def test_a_forged_thread_list_link_sends_nothing_to_its_host(ana, thread_id, capture):
    for continuation in forgeries(capture, "/chat/threads"):
        for headers in ({}, HTMX):
            response = ana.get(reverse("chat:thread_list"), {"page": sign(continuation, scope="threads")}, **headers)

            assert response.status_code in (200, 400, 404), (continuation, response.status_code)
    assert capture.received == []


def test_a_forged_older_messages_link_sends_nothing_to_its_host(ana, thread_id, capture):
    path = f"/chat/threads/{thread_id}/messages"
    for continuation in forgeries(capture, path):
        url = reverse("chat:thread_detail", args=[thread_id])
        response = ana.get(url, {"older": sign(continuation, scope=thread_id)}, **HTMX)

        assert response.status_code in (200, 400, 404), (continuation, response.status_code)
    assert capture.received == []


def test_a_forged_link_is_refused_with_a_400_and_a_message(ana, thread_id, capture):
    page_link = sign(f"{capture.url}/chat/threads?syncState=e30", scope="threads")
    older_link = sign(f"{capture.url}/chat/threads/{thread_id}/messages?syncState=e30", scope=thread_id)

    page = ana.get(reverse("chat:thread_list"), {"page": page_link})
    older = ana.get(reverse("chat:thread_detail", args=[thread_id]), {"older": older_link}, **HTMX)

    assert page.status_code == 400
    assert "This link is out of date. Reload the page to go on." in page.content.decode()
    assert older.status_code == 400
    assert "This link is out of date." in older.content.decode()
    assert capture.received == []


def test_the_thread_list_more_link_carries_no_url_and_shows_the_next_threads(ana, monkeypatch):
    """Threads made by another ACS client (the site does not host them) come from ACS's list, page by page."""
    monkeypatch.setattr(thread_selectors, "THREADS_PER_PAGE", 2)
    for topic in ("Elsewhere 1", "Elsewhere 2", "Elsewhere 3"):
        Actor.person(ana.user).acs.thread_create(topic=topic, members=[], idempotency_token=str(uuid.uuid4()))

    first = ana.get(reverse("chat:thread_list")).content.decode()
    more = re.search(r'href="\?page=([^"]+)"', first).group(1)
    shown = set(re.findall(r"Elsewhere \d", first))
    rest = ana.get(reverse("chat:thread_list") + "?page=" + more, **HTMX).content.decode()

    assert len(shown) == 2
    assert set(re.findall(r"Elsewhere \d", rest)) == {"Elsewhere 1", "Elsewhere 2", "Elsewhere 3"} - shown
    signed = unsign(unquote(more), scope="threads")
    assert "://" not in signed and "127.0.0.1" not in signed and "api-version" not in signed


def test_older_messages_follow_on_from_the_opaque_continuation(ana, thread_id):
    actor = Actor.person(ana.user)
    for number in range(5):
        messages.message_send(actor=actor, thread_id=thread_id, content=f"message {number}")

    first = actor.acs.messages_page(thread_id, page_size=3)
    second = actor.acs.messages_page(thread_id, page_size=3, continuation=first.continuation)

    assert first.continuation and "://" not in first.continuation and "/" not in first.continuation
    assert not {m.id for m in first.items} & {m.id for m in second.items}
    assert [m.content for m in second.items if m.type == "text"][:2] == ["message 1", "message 0"]
