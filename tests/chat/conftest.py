import re
import uuid
from urllib.parse import parse_qsl

import pytest
from django.test import Client
from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, threads
from tests.acs.conftest import acs_calls  # noqa: F401 - shared fixture

PASSWORD = "a-long-test-password-9"


@pytest.fixture
def make_person(emulator):
    def make(username, name=None):
        user = accounts.account_create(username=username, password=PASSWORD, display_name=name or username.title())
        client = Client()
        client.force_login(user)
        client.user = user
        return client

    return make


@pytest.fixture
def ana(make_person):
    return make_person("ana", "Ana")


@pytest.fixture
def bruno(make_person):
    return make_person("bruno", "Bruno")


@pytest.fixture
def thread_id(ana, bruno):
    thread = threads.thread_create(
        actor=Actor.person(ana.user), topic="Lunch", participants=[bruno.user], idempotency_token=str(uuid.uuid4())
    )
    return thread.acs_thread_id


HTMX = {"HTTP_HX_REQUEST": "true"}


def poller_url(html):
    """The URL the page's next poll GETs (the poller's hx-get), or None when the answer has no new poller."""
    found = re.search(r'id="poller"[^>]*?hx-get="([^"]+)"', html, re.S)
    return found and found.group(1).replace("&amp;", "&")


class Page:
    """One person's open thread page, polling as static/js/thread.js does: once as it opens (`opened`), then
    with the URL of the poller each answer hands it, adding their own newest message; `read` says what the
    person saw, as the page does with its POST."""

    def __init__(self, client, thread_id, *, opened=True):
        self.client = client
        self.thread_id = thread_id
        self.html = client.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
        self.url = poller_url(self.html)
        self.seen = ""
        if opened:
            self.poll()

    def get(self, **params):
        """The next poll's answer, without following it."""
        path, _, query = self.url.partition("?")
        data = {**dict(parse_qsl(query, keep_blank_values=True)), **{k: v for k, v in params.items() if v is not None}}
        return self.client.get(path, data, **HTMX)

    def poll(self, *, own=None):
        response = self.get(own=own)
        assert response.status_code in (200, 204), response.status_code
        html = response.content.decode()
        self.url = poller_url(html) or self.url
        self.seen += html
        return html

    def read(self, message_id):
        return read(self.client, self.thread_id, message_id)


def read(client, thread_id, message_id):
    """The thread page's POST saying the person read up to `message_id` (static/js/thread.js, as it polls)."""
    return client.post(reverse("chat:thread_read", args=[thread_id]), {"message": message_id})


def live_poll(client, thread_id, **params):
    """A page's poll that shows every message but none of the rest yet (typing, "seen by", the panel): the
    answer looks at all of them, as the first poll of a page does."""
    from chatsite.chat.live.cache import MARKER

    params = {"marker": MARKER.current(thread_id), **{k: v for k, v in params.items() if v is not None}}
    return client.get(reverse("chat:thread_poll", args=[thread_id]), params, **HTMX)


def count_cache_trips(monkeypatch) -> list[str]:
    """From now on, every round trip to the cache is appended to the returned list by its method's name."""
    from django.core.cache import cache

    trips, depth = [], [0]

    def counted(name, original):
        def call(*args, **kwargs):
            if depth[0] == 0:  # the local cache's get_many calls get itself; Redis answers it in one MGET
                trips.append(name)
            depth[0] += 1
            try:
                return original(*args, **kwargs)
            finally:
                depth[0] -= 1

        return call

    for name in ("get", "get_many", "add", "set", "incr", "delete", "set_many"):
        monkeypatch.setattr(cache, name, counted(name, getattr(cache, name)))
    return trips
