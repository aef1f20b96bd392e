"""Credentials in URLs never reach a log.

Event Grid delivers to the URL of its subscription, and that URL carries the webhook's secret in the query
(`/events/acs/?secret=…`, chatsite/events/auth.py): every delivery's request line would write it to the access log.
gunicorn's access log (chatsite/gunicorn_logger.py) and every log record of the site (runserver's `django.server`
included, settings.LOGGING) pass through here and show such a value as `[redacted]`.
"""

import logging
import re
from urllib.parse import unquote_plus

REDACTED = "[redacted]"
# The webhook's own parameter, and the names credentials usually ride under in a query; lowercase, compared with
# the parameter's decoded name (so `?Secret=` and `?%73ecret=`, which Django reads as `secret` too, are covered).
SECRET_WORDS = ("secret", "token", "password", "passwd", "apikey", "api_key", "signature")
SECRET_NAMES = frozenset({"code", "key", "sig"})
# A query inside a line of text: from "?" up to the end of the URL (a space, a quote or a fragment).
_QUERY_IN_TEXT = re.compile(r"\?([^\s\"'#]*)")


def secret_name(name: str) -> bool:
    name = unquote_plus(name).strip().lower()
    return name in SECRET_NAMES or any(word in name for word in SECRET_WORDS)


def redact_query(query: str) -> str:
    """A query string (`a=1&secret=x`) with credential values hidden. Split on "&" only, as Django does: a ";"
    stays inside the value it is part of, and is hidden with it."""
    parts = query.split("&")
    for index, part in enumerate(parts):
        name, equals, value = part.partition("=")
        if equals and value and secret_name(name):
            parts[index] = f"{name}={REDACTED}"
    return "&".join(parts)


def redact(text: str) -> str:
    """Text that may hold URLs (a request line, a referer, a message) with their credentials hidden."""
    if "?" not in text:
        return text
    return _QUERY_IN_TEXT.sub(lambda match: "?" + redact_query(match[1]), text)


class RedactUrlSecrets(logging.Filter):
    """A logging filter: the record's message, formatted, with credentials in URLs hidden."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, ()
        return True
