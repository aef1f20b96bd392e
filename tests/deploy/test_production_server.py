"""The site as deployed: gunicorn with two gthread workers, production settings, PostgreSQL, Redis, and ACS
(played by `runemulator` in its own process, reached only through its connection string and CA); for static files,
the ASGI configuration (uvicorn workers) beside it.

Worker processes share nothing in memory, so each check notes which worker served a request (gunicorn logs the
pid) and requires that more than one did.
"""

import json
import re
from html import unescape

import pytest
import requests

from . import servers
from .conftest import production_env

pytestmark = pytest.mark.skipif(
    (reason := servers.unreachable_services()) is not None, reason=reason or "PostgreSQL and Redis answer"
)


@pytest.fixture(scope="module")
def site(tmp_path_factory, collected_static):
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
            STATIC_ROOT=str(collected_static),
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto: https",
            **acs,
        )
        migrated = servers.manage("migrate", "--noinput", env=env)
        assert migrated.returncode == 0, migrated.stderr
        gunicorn = servers.Gunicorn(env, tmp)
        gunicorn.start()
        try:
            yield gunicorn
        finally:
            gunicorn.stop()


def test_every_worker_reaches_the_database_and_the_cache(site):
    session = requests.Session()
    served_by = set()
    # The kernel hands each new connection to whichever worker accepts first; on a busy machine one worker can
    # win many in a row, so ask until both have answered (bounded).
    for _ in range(200):
        response, pid = site.request(session, "GET", "/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
        served_by.add(pid)
        if len(served_by) == 2:
            break

    assert len(served_by) == 2


def test_plain_http_is_redirected_to_https_except_healthz(site):
    plain = {"X-Forwarded-Proto": "http"}

    page, _ = site.request(requests.Session(), "GET", "/accounts/login/", headers=plain)
    health, _ = site.request(requests.Session(), "GET", "/healthz", headers=plain)

    assert page.status_code == 301
    assert page.headers["Location"] == f"{site.origin}/accounts/login/"
    assert health.status_code == 200


@pytest.fixture(scope="module")
def asgi_site(site, tmp_path_factory):
    """The same site under chatsite/gunicorn_asgi_conf.py, as deployed for push (one worker is enough here)."""
    gunicorn = servers.Gunicorn(
        site.env, tmp_path_factory.mktemp("asgi"), workers=1, config="chatsite/gunicorn_asgi_conf.py"
    )
    gunicorn.start()
    try:
        yield gunicorn
    finally:
        gunicorn.stop()


@pytest.fixture(params=["gthread", "ASGI"])
def server(request, site):
    return site if request.param == "gthread" else request.getfixturevalue("asgi_site")


def _get(server, path, **headers):
    return requests.get(f"{server.url}{path}", headers={"X-Forwarded-Proto": "https", **headers}, timeout=30)


def test_static_files_are_hashed_compressed_and_cached_for_ever(server, collected_static):
    page = _get(server, "/accounts/login/")
    assert page.status_code == 200
    assert "Strict-Transport-Security" in page.headers
    assert "script-src 'self'" in page.headers["Content-Security-Policy"]
    # collectstatic's manifest names every file by its content's hash.
    names = re.findall(r'(?:href|src)="(/static/[^"]+\.[0-9a-f]{12}\.(?:css|js))"', page.text)
    assert len(names) >= 2

    for name in names:
        original = (collected_static / name.removeprefix("/static/")).read_bytes()
        compressed = _get(server, name, **{"Accept-Encoding": "gzip"})
        plain = _get(server, name, **{"Accept-Encoding": "identity"})
        unchanged = _get(server, name, **{"If-None-Match": compressed.headers["ETag"], "Accept-Encoding": "gzip"})
        part = _get(server, name, **{"Range": "bytes=0-9", "Accept-Encoding": "identity"})
        head = requests.head(
            f"{server.url}{name}", headers={"X-Forwarded-Proto": "https", "Accept-Encoding": "identity"}, timeout=30
        )

        assert compressed.status_code == plain.status_code == head.status_code == 200
        assert compressed.headers["Content-Encoding"] == "gzip"
        assert compressed.content == plain.content == original  # requests undoes the gzip
        assert "Content-Encoding" not in plain.headers
        assert "Accept-Encoding" in compressed.headers["Vary"]
        for response in (compressed, plain):
            assert "immutable" in response.headers["Cache-Control"]
            assert "max-age=315360000" in response.headers["Cache-Control"]  # ten years
        assert unchanged.status_code == 304
        assert unchanged.content == b""
        assert head.content == b""
        assert head.headers["Content-Length"] == str(len(original))
        assert part.status_code == 206
        assert part.content == original[:10]


def test_under_asgi_static_files_are_served_without_a_warning(asgi_site, collected_static):
    """Django under ASGI warns when a response streams a sync iterator (it then reads it whole on another thread):
    the server's output stays free of it."""
    manifest = json.loads((collected_static / "staticfiles.json").read_text())["paths"]
    for name in ("css/chat.css", "admin/js/vendor/xregexp/xregexp.js"):  # the site's and the largest file
        response = _get(asgi_site, f"/static/{manifest[name]}", **{"Accept-Encoding": "gzip"})
        assert response.status_code == 200

    output = asgi_site.output.read_text() + asgi_site.error_log.read_text()
    assert "Booting worker" in output  # the server's own lines are there to read
    assert "synchronous iterators" not in output


def _form_value(html, name):
    return re.search(rf'name="{name}" value="([^"]*)"', html)[1]


def _poll_path(html):
    return unescape(re.search(r'id="poller"[^>]*hx-get="([^"]+)"', html)[1])


def _sign_up(site, session, username):
    page, _ = site.request(session, "GET", "/signup/")
    fields = {"username": username, "display_name": username.title(), "password1": "a long passphrase 42"}
    fields |= {
        "password2": fields["password1"],
        "csrfmiddlewaretoken": _form_value(page.text, "csrfmiddlewaretoken"),
    }
    response, _ = site.request(session, "POST", "/signup/", data=fields)
    assert response.status_code == 302, response.text


def test_a_message_sent_through_one_worker_reaches_a_page_polled_through_another(site):
    ana, ben = requests.Session(), requests.Session()
    _sign_up(site, ana, "ana")
    _sign_up(site, ben, "ben")
    form, _ = site.request(ana, "GET", "/threads/new/")
    created, _ = site.request(
        ana,
        "POST",
        "/threads/new/",
        data={
            "topic": "Deploy day",
            "participants": _form_value(form.text, "participants"),  # ben, the only other person
            "idempotency_token": _form_value(form.text, "idempotency_token"),
            "csrfmiddlewaretoken": _form_value(form.text, "csrfmiddlewaretoken"),
        },
    )
    assert created.status_code == 302, created.text
    thread_path = created.headers["Location"]
    bens_page, _ = site.request(ben, "GET", thread_path)
    anas_page, _ = site.request(ana, "GET", thread_path)
    assert bens_page.status_code == anas_page.status_code == 200

    sent, sender = site.request(
        ana,
        "POST",
        f"{thread_path}messages/",
        data={
            "content": "Shipped!",
            "csrfmiddlewaretoken": _form_value(anas_page.text, "csrfmiddlewaretoken"),
        },
    )
    assert sent.status_code == 302, sent.text

    # Ben's page polls until a worker other than the one that took the message answers.
    for _ in range(200):  # bounded; the kernel may hand many connections in a row to one worker
        update, poller = site.request(ben, "GET", _poll_path(bens_page.text))
        if poller != sender:
            break
    assert poller != sender, "every poll was served by the worker that took the message"
    assert update.status_code == 200
    assert "Shipped!" in update.text

    # The change marker is shared: with the one the update brought, both workers answer "nothing new".
    idle_by = set()
    for _ in range(200):  # bounded; the kernel may hand many connections in a row to one worker
        idle, worker = site.request(ben, "GET", _poll_path(update.text))
        assert idle.status_code == 204
        idle_by.add(worker)
        if len(idle_by) == 2:
            break
    assert len(idle_by) == 2
