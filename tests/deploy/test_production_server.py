"""The site as deployed: gunicorn with two gthread workers, production settings, PostgreSQL, Redis, and ACS
(played by `runemulator` in its own process, reached only through its connection string and CA).

Worker processes share nothing in memory, so each check notes which worker served a request (gunicorn logs the
pid) and requires that more than one did.
"""

import re

import pytest

from . import servers
from .conftest import production_env

pytestmark = pytest.mark.skipif(
    (reason := servers.unreachable_services()) is not None, reason=reason or "PostgreSQL and Redis answer"
)


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
        gunicorn = servers.Gunicorn(env, tmp)
        gunicorn.start()
        try:
            yield gunicorn
        finally:
            gunicorn.stop()


def test_every_worker_reaches_the_database_and_the_cache(site):
    session = servers.browser_session()
    served_by = set()
    for _ in range(20):
        response, pid = site.request(session, "GET", "/healthz")
        assert response.status_code == 200
        assert response.json() == {"status": "ok", "checks": {"database": "ok", "cache": "ok"}}
        served_by.add(pid)

    assert len(served_by) == 2


def test_plain_http_is_redirected_to_https_except_healthz(site):
    plain = {"X-Forwarded-Proto": "http"}

    page, _ = site.request(servers.browser_session(), "GET", "/accounts/login/", headers=plain)
    health, _ = site.request(servers.browser_session(), "GET", "/healthz", headers=plain)

    assert page.status_code == 301
    assert page.headers["Location"] == f"{site.origin}/accounts/login/"
    assert health.status_code == 200


def test_static_files_are_hashed_compressed_and_cached_for_ever(site):
    session = servers.browser_session()
    login, _ = site.request(session, "GET", "/admin/login/")
    assert login.status_code == 200
    assert "Strict-Transport-Security" in login.headers
    assert "script-src 'self'" in login.headers["Content-Security-Policy"]
    # collectstatic's manifest names every file by its content's hash.
    stylesheet = re.search(r'href="(/static/[^"]+\.[0-9a-f]{12}\.css)"', login.text)[1]

    response, _ = site.request(session, "GET", stylesheet, headers={"Accept-Encoding": "gzip"})

    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert "immutable" in response.headers["Cache-Control"]
