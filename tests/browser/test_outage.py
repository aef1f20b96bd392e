"""Redis gone mid-conversation (its server stopped, as when it restarts or fails over), served as production serves
it (ASGI, the push stream on the Redis broker): both open pages say "Reconnecting…", what Ana sends meanwhile waits
in her outbox with her words kept, and once Redis is back it goes out once and reaches Bruno's open page."""

import subprocess
import time

import pytest
import redis

from chatsite.chat.push import broker as push_broker
from tests.deploy.conftest import free_port

from .axe import new_context
from .test_push import log_in, open_thread, wait_for_push
from .test_thread_page import ana_texts, chat, composer, message, person

pytestmark = pytest.mark.browser

BACK = 90_000  # ms: Bruno's page learns only when its stream's next heartbeat (25 s) fails; the machine is loaded


class RedisServer:
    """A Redis of this test's own on a free port, which it can stop and start again on the same port (empty, as
    Redis with no persistence comes back)."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self):
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + 60
        while True:
            try:
                client.ping()
                return
            except redis.ConnectionError:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=60)


@pytest.fixture
def own_redis(settings, monkeypatch):
    """The site's cache and push broker on a Redis of the test's own."""
    server = RedisServer()
    server.start()
    working = settings.CACHES
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": server.url}}
    broker = push_broker.RedisBroker(server.url)
    monkeypatch.setattr(push_broker, "_broker", broker)
    yield server
    broker.close()
    settings.CACHES = working
    if server.process.poll() is None:
        server.stop()


def reconnecting(page):
    return page.get_by_role("status").filter(has_text="Reconnecting…")


def test_with_redis_gone_pages_say_reconnecting_and_lose_nothing(browser, own_redis, asgi_live_server, emulator):
    ana, bruno = person("ana"), person("bruno")
    thread = chat(ana, "Trip", [bruno], (bruno, "Are you there?"))
    pages = {}
    for name, size in (("ana", "desktop"), ("bruno", "phone")):
        pages[name] = new_context(browser, size).new_page()
        log_in(pages[name], asgi_live_server, name)
        open_thread(pages[name], asgi_live_server, thread)
        wait_for_push(pages[name])

    own_redis.stop()
    composer(pages["ana"]).fill("Yes, on a train")
    pages["ana"].get_by_role("button", name="Send").click()
    reconnecting(pages["ana"]).wait_for(timeout=BACK)
    assert pages["ana"].locator("#outbox li", has_text="Yes, on a train").is_visible()  # waiting, not failed
    assert composer(pages["ana"]).input_value() == ""
    reconnecting(pages["bruno"]).wait_for(timeout=BACK)

    own_redis.start()
    for page in pages.values():
        message(page, "Yes, on a train").locator("xpath=self::li[starts-with(@id, 'm-')]").wait_for(timeout=BACK)
        reconnecting(page).wait_for(state="detached", timeout=BACK)
    pages["ana"].wait_for_timeout(2_500)  # one more beat: nothing goes out twice
    for page in pages.values():
        assert message(page, "Yes, on a train").count() == 1
        assert message(page, "Are you there?").count() == 1
    assert pages["ana"].locator("#outbox li").count() == 0
    assert len(ana_texts(thread, ana, "Yes, on a train")) == 1
