"""When Redis goes: every page, poll and send answers 503 with Retry-After (never 500), which the thread page shows
as "Reconnecting…" and its outbox waits out (tests/browser/test_outage.py); and a cut of the push reader's own
connection to Redis mid-conversation loses no hint."""

import contextlib
import uuid

import pytest
import redis
from asgiref.sync import sync_to_async
from django.conf import settings as django_settings
from django.urls import reverse

from chatsite.chat.push.broker import READER_NAME
from tests.deploy.conftest import free_port

from .conftest import HTMX
from .test_push_stream import marker, run, send, stream_of


@pytest.fixture
def redis_gone(settings):
    """While in it, the cache is a Redis that is not there (a port nothing listens on), as when Redis restarts or
    fails over; the working cache is back after it, before any fixture cleans up."""

    @contextlib.contextmanager
    def gone():
        working = settings.CACHES
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            }
        }
        try:
            yield
        finally:
            settings.CACHES = working

    return gone


def test_with_redis_gone_pages_polls_and_sends_say_wait_and_retry_not_500(ana, thread_id, redis_gone):
    ana.raise_request_exception = False  # answered as a browser would be answered
    with redis_gone():
        page = ana.get(reverse("chat:thread_detail", args=[thread_id]))
        listing = ana.get(reverse("chat:thread_list"))
        poll = ana.get(reverse("chat:thread_poll", args=[thread_id]), {"marker": 1}, **HTMX)
        sent = ana.post(reverse("chat:message_send", args=[thread_id]), {"content": "Still there?"}, **HTMX)

    for response in (page, listing, poll, sent):
        assert response.status_code == 503, (response.status_code, response.content[:300])
        assert response["Retry-After"] == "5"
    assert "The site is reconnecting" in page.content.decode()
    assert "Nothing you wrote is lost" in page.content.decode()


def test_when_redis_is_back_the_same_send_goes_through_once(ana, bruno, thread_id, redis_gone):
    ana.raise_request_exception = False
    words = {"content": "Back?", "client_id": str(uuid.uuid4())}  # as the page's outbox sends it, and again
    with redis_gone():
        refused = ana.post(reverse("chat:message_send", args=[thread_id]), words, **HTMX)

    again = ana.post(reverse("chat:message_send", args=[thread_id]), words, **HTMX)

    assert (refused.status_code, again.status_code) == (503, 200)
    shown = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert shown.count("Back?") == 1


@pytest.mark.skipif(
    not django_settings.CACHES["default"]["BACKEND"].endswith("RedisCache"), reason="the Redis broker: REDIS_URL"
)
def test_a_cut_of_the_push_readers_redis_connection_mid_conversation_loses_no_hint(ana, bruno, thread_id):
    reader_url = django_settings.CACHES["default"]["LOCATION"]

    async def scenario():
        stream = await stream_of(ana)
        await sync_to_async(send)(bruno, thread_id, "Before the cut")
        assert (await stream.moved())["marker"] == await sync_to_async(marker)(thread_id)

        cut = await sync_to_async(kill_reader)(reader_url)
        await sync_to_async(send)(bruno, thread_id, "During the cut")  # published while the reader reconnects

        hint = await stream.moved()
        assert hint["thread"] == thread_id
        assert hint["marker"] == await sync_to_async(marker)(thread_id)
        assert cut >= 1
        await stream.close()

    run(scenario)


def kill_reader(url: str) -> int:
    """Close every connection named as the push reader's (this process's, and any other's on this Redis db)."""
    client = redis.Redis.from_url(url)
    killed = 0
    for entry in client.client_list():
        if entry.get("name") == READER_NAME:
            killed += client.client_kill_filter(_id=entry["id"])
    return killed
