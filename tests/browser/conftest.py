import os
import socket
import threading
import time

import pytest

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


class Chromium:
    """One Playwright driver and Chromium for a test module, launched again if it went away (crashed)."""

    def __init__(self, playwright):
        self.playwright = playwright
        self.browser = None

    def get(self):
        if self.browser is None or not self.browser.is_connected():
            self.browser = self.playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        return self.browser

    def close(self):
        if self.browser is not None and self.browser.is_connected():
            self.browser.close()


@pytest.fixture(scope="module")
def chromium():
    """Launching Chromium and its driver is most of a short browser test's CPU, so a module's tests share one, as
    pytest-playwright does; each test keeps its own contexts (`browser`). Not for the session: while Playwright's
    sync API is started, its event loop counts as running in this thread, which other tests' `async_to_sync`
    refuses."""
    if not os.path.exists(CHROMIUM):
        pytest.skip(f"{CHROMIUM} is not installed")
    with pytest.MonkeyPatch.context() as patch:
        # The tests' (and their fixtures') own ORM calls stay synchronous beside Playwright's loop.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            launched = Chromium(playwright)
            yield launched
            launched.close()


@pytest.fixture
def browser(chromium):
    """The module's Chromium for one test. A test opens its own contexts on it: each has its own cookies, storage,
    cache, service workers, Web Locks and BroadcastChannels, so tests share nothing but the process. Every context
    is closed when the test ends, so no page it left open (polling, holding a push stream) outlives it."""
    browser = chromium.get()
    yield browser
    for context in browser.contexts:
        context.close()


class AsgiLiveServer:
    """The project's ASGI application (chatsite/asgi.py, as the uvicorn workers serve it) under uvicorn on a free
    loopback port, in a thread of the test process: the same test database and cache as the test, and an open
    push stream is a coroutine, as in production. pytest-django's `live_server` is a WSGI server, where the stream
    answers 204 and pages poll."""

    def __init__(self):
        import uvicorn

        from chatsite.asgi import application

        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind(("127.0.0.1", 0))
        host, port = self.socket.getsockname()
        self.url = f"http://{host}:{port}"
        # Streams still open when the test ends (its browser goes after this server) are cut after a second.
        config = uvicorn.Config(
            application, lifespan="off", log_level="warning", access_log=False, timeout_graceful_shutdown=1
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="asgi-live-server", daemon=True
        )

    def start(self):
        self.thread.start()
        deadline = time.monotonic() + 60
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the ASGI live server did not start")
            time.sleep(0.05)

    def stop(self):
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()


@pytest.fixture
def asgi_live_server(transactional_db, settings, monkeypatch):
    from django.db import connections

    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "1")  # the test's own ORM calls beside Playwright's loop
    # Each request's sync code runs on a thread of its own there (production pools connections instead): a
    # connection kept for reuse (CONN_MAX_AGE) would outlive its thread and keep the test database from being
    # dropped. Closed at the end of each request instead.
    for alias in connections:
        monkeypatch.setitem(connections.settings[alias], "CONN_MAX_AGE", 0)
    server = AsgiLiveServer()
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "127.0.0.1"]
    server.start()
    yield server
    server.stop()
