"""gunicorn's logger with credentials hidden from the access log (chatsite/redaction.py says why).

Set in chatsite/gunicorn_conf.py as `logger_class`. Every atom a log format can name is cleaned, so a deployment
that changes `access_log_format` (to log the query with `%(q)s`, or the raw URI) stays clean too.
"""

from gunicorn.glogging import Logger

from .redaction import REDACTED, redact, redact_query, secret_name

# Atoms that are a bare query string (no "?" in front).
QUERY_ATOMS = frozenset({"q", "{query_string}e"})
# Request headers that are credentials themselves (`%({authorization}i)s` in a format would print them).
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-events-secret"})


class RedactingLogger(Logger):
    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for name, value in atoms.items():
            if not isinstance(value, str):
                continue
            if name in QUERY_ATOMS:
                atoms[name] = redact_query(value)
            elif name.startswith("{") and name.endswith("}i") and _secret_header(name[1:-2]):
                atoms[name] = REDACTED
            else:
                atoms[name] = redact(value)
        return atoms


def _secret_header(name: str) -> bool:
    return name in SECRET_HEADERS or secret_name(name)
