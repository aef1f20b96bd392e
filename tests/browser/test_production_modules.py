"""The thread page's ES modules as production serves them: `collectstatic` with the production storage, gunicorn with
production settings (DEBUG off, WhiteNoise serving the hashed files, the CSP enforced), PostgreSQL, Redis and ACS
played by `runemulator` in its own process (tests/deploy/servers.py). Two people chat in Chromium: every module
loads by its hashed name, none fails, and nothing goes to the console."""

import re
from pathlib import Path

import pytest

from tests.deploy import servers
from tests.deploy.conftest import production_env

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        (reason := servers.unreachable_services()) is not None, reason=reason or "PostgreSQL and Redis answer"
    ),
]

PASSWORD = "a long passphrase 42"
LIVE = 10_000  # ms: polls run every 2 s
HASHED_MODULE = re.compile(r"/static/js/(?:thread/)?[a-z]+\.[0-9a-f]{12}\.js$")
# Every module the thread page is made of, as the source tree has them (stream.js: push): a new one must load
# hashed too.
JS = Path(__file__).resolve().parents[2] / "static" / "js"
THREAD_MODULES = {"thread", "storage", "stream"} | {path.stem for path in (JS / "thread").glob("*.js")}


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("production")
    with (
        servers.fresh_postgres_database() as database_url,
        servers.flushed_redis() as redis_url,
        servers.emulator_process(tmp / "emulator") as acs,
    ):
        env = production_env(
            ALLOWED_HOSTS="127.0.0.1",
            DATABASE_URL=database_url,
            REDIS_URL=redis_url,
            STATIC_ROOT=str(tmp / "static"),
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
            **acs,
        )
        for command in (["migrate", "--noinput"], ["collectstatic", "--noinput"]):
            result = servers.manage(*command, env=env)
            assert result.returncode == 0, result.stderr
        gunicorn = servers.Gunicorn(env, tmp, workers=1)
        # The browser reaches gunicorn over plain HTTP, as the proxy would (X-Forwarded-Proto: https); its posts
        # carry that origin.
        env["CSRF_TRUSTED_ORIGINS"] = gunicorn.url
        gunicorn.start()
        try:
            yield gunicorn
        finally:
            gunicorn.stop()


class Person:
    """One person's browser context on the production site, noting what would show that something is broken."""

    def __init__(self, browser, site, username):
        self.context = browser.new_context(
            base_url=site.url, viewport={"width": 900, "height": 760}, extra_http_headers={"X-Forwarded-Proto": "https"}
        )
        self.page = self.context.new_page()
        self.problems, self.scripts = [], []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        self.page.on("requestfailed", self._failed)
        self.page.on("response", self._response)
        self.page.goto("/signup/")
        self.page.get_by_label("Username").fill(username)
        self.page.get_by_label("Display name").fill(username.title())
        self.page.get_by_label("Password", exact=True).fill(PASSWORD)
        self.page.get_by_label("Password confirmation").fill(PASSWORD)
        self.page.get_by_role("button", name="Sign up").click()
        self.page.get_by_role("heading", name="Your chats").wait_for()

    def _console(self, message):
        # The site has no favicon, and the browser asks for one by itself.
        if message.type == "error" and not message.location["url"].endswith("/favicon.ico"):
            self.problems.append(f"console: {message.text} ({message.location['url']})")

    def _failed(self, request):
        # Only scripts: the read POST's 202 has a body the page never reads, which Chromium reports as aborted.
        if request.resource_type == "script":
            self.problems.append(f"{request.failure}: {request.url}")

    def _response(self, response):
        if response.status >= 400 and not response.url.endswith("/favicon.ico"):
            self.problems.append(f"{response.status}: {response.url}")
        if response.request.resource_type == "script" and "/static/js/" in response.url:
            self.scripts.append(response)


def test_the_thread_page_loads_its_hashed_modules_and_a_message_goes_both_ways(browser, site):
    ana = Person(browser, site, "ana")
    ben = Person(browser, site, "ben")
    ana.page.get_by_role("link", name="New chat").click()
    ana.page.get_by_label("Topic").fill("Shipping")
    ana.page.get_by_label("Ben").check()
    ana.page.get_by_role("button", name="Create chat").click()
    ana.page.get_by_role("heading", name="Shipping").wait_for()
    ben.page.reload()
    ben.page.get_by_role("link", name="Shipping").click()
    ben.page.get_by_text("Ana added Ben").wait_for()
    ana.page.wait_for_load_state()  # the modules have run: Enter sends (without them it types a newline)

    ana.page.get_by_label("Message", exact=True).fill("Shipped with modules")
    ana.page.get_by_label("Message", exact=True).press("Enter")

    ben.page.locator("li.message", has_text="Shipped with modules").wait_for(timeout=LIVE)
    assert ana.page.get_by_label("Message", exact=True).input_value() == ""
    ana.page.locator("li.message:not(.message--pending)", has_text="Shipped with modules").wait_for(timeout=LIVE)
    ben.page.get_by_label("Message", exact=True).fill("Seen it")
    ben.page.get_by_role("button", name="Send").click()
    ana.page.locator("li.message", has_text="Seen it").wait_for(timeout=LIVE)

    for person in (ana, ben):
        assert person.problems == [], person.problems
        thread_scripts = [response for response in person.scripts if "/static/js/inbox." not in response.url]
        loaded = {re.sub(r"\..*", "", response.url.rsplit("/", 1)[1]) for response in thread_scripts}
        assert loaded == THREAD_MODULES
        for response in person.scripts:
            assert HASHED_MODULE.search(response.url), response.url
            assert response.status == 200
            assert response.headers["content-type"].startswith("text/javascript")
            assert "immutable" in response.headers["cache-control"]
