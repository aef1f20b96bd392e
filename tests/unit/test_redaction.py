"""Credentials in URLs never reach a log line: gunicorn's access log and the site's own log records."""

import logging
from datetime import timedelta
from types import SimpleNamespace

import pytest
from gunicorn.config import Config
from gunicorn.glogging import SafeAtoms

from chatsite.gunicorn_logger import RedactingLogger
from chatsite.redaction import RedactUrlSecrets, redact, redact_query

pytestmark = pytest.mark.unit

SECRET = "s3cr3t-0123456789abcdef-0123456789"


@pytest.mark.parametrize(
    ("query", "logged"),
    [
        (f"secret={SECRET}", "secret=[redacted]"),
        (f"a=1&secret={SECRET}&b=2", "a=1&secret=[redacted]&b=2"),
        (f"Secret={SECRET}", "Secret=[redacted]"),
        (f"%73ecret={SECRET}", "%73ecret=[redacted]"),  # Django reads this name as "secret" too
        (f"secret={SECRET};x=1&page=2", "secret=[redacted]&page=2"),  # ";" is part of the value, as for Django
        (f"access_token={SECRET}&code={SECRET}&sig={SECRET}", "access_token=[redacted]&code=[redacted]&sig=[redacted]"),
        ("q=secret&page=abc:def", "q=secret&page=abc:def"),  # only names say what a value is
        ("secret=", "secret="),
        ("", ""),
    ],
)
def test_a_query_keeps_everything_but_credentials(query, logged):
    assert redact_query(query) == logged


def test_urls_inside_text_are_cleaned():
    line = f'"POST /events/acs/?secret={SECRET} HTTP/1.1" 200 0 "https://x.example/?token={SECRET}#top"'

    assert redact(line) == '"POST /events/acs/?secret=[redacted] HTTP/1.1" 200 0 "https://x.example/?token=[redacted]#top"'
    assert redact("GET /healthz HTTP/1.1") == "GET /healthz HTTP/1.1"


def test_a_log_record_is_cleaned_whatever_its_arguments():
    record = logging.LogRecord("django.server", logging.INFO, __file__, 1, '"%s" %s %s', (
        f"POST /events/acs/?secret={SECRET} HTTP/1.1", "200", "0"), None)

    assert RedactUrlSecrets().filter(record)
    assert record.getMessage() == '"POST /events/acs/?secret=[redacted] HTTP/1.1" 200 0'


def test_no_atom_of_gunicorn_access_log_shows_the_secret():
    environ = {
        "REQUEST_METHOD": "POST",
        "RAW_URI": f"/events/acs/?secret={SECRET}",
        "PATH_INFO": "/events/acs/",
        "QUERY_STRING": f"secret={SECRET}",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "203.0.113.9",
        "HTTP_REFERER": f"https://chat.example.com/events/acs/?secret={SECRET}",
    }
    request = SimpleNamespace(headers=[("X-EVENTS-SECRET", SECRET), ("AUTHORIZATION", f"Bearer {SECRET}")])
    response = SimpleNamespace(status="200 OK", sent=0, headers=[("Content-Length", "0")])
    atoms = SafeAtoms(RedactingLogger(Config()).atoms(response, request, environ, timedelta(milliseconds=3)))
    every_atom = " ".join(f"%({name})s" for name in atoms)

    logged = (Config().access_log_format + " " + every_atom) % atoms

    assert SECRET not in logged
    assert '"POST /events/acs/?secret=[redacted] HTTP/1.1" 200' in logged
