"""Sending one HTTP request to a subscription's endpoint, as Event Grid does.

`https://…` and `http://…` endpoints are reached over the network. `inprocess:/path?query` is this process's own
Django site, called through its WSGI handler: the embedded setup subscribes the site to itself that way, since
the emulator cannot know which address and port the site serves on. Calls go through the site's whole
middleware stack, exactly as a delivery over the network would.
"""

import dataclasses
import io
import sys
from urllib.parse import urlsplit

import requests

INPROCESS = "inprocess:"
# Event Grid waits 30 s for an answer (EVENT_GRID.md §6).
TIMEOUT = 30


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int  # 0 when no HTTP answer came
    headers: dict
    body: bytes
    outcome: str  # Event Grid's lastDeliveryOutcome wording


class Unreachable(Exception):
    def __init__(self, outcome: str):
        super().__init__(outcome)
        self.outcome = outcome


def send(method: str, endpoint: str, *, headers: dict, body: bytes = b"") -> Answer:
    if endpoint.startswith(INPROCESS):
        return _inprocess(method, endpoint[len(INPROCESS) :], headers, body)
    try:
        response = requests.request(
            method, endpoint, headers=headers, data=body, timeout=TIMEOUT, allow_redirects=False
        )
    except requests.Timeout:
        return Answer(0, {}, b"", "TimedOut")
    except requests.ConnectionError as exc:
        resolution = "NameResolutionError" in str(exc) or "getaddrinfo" in str(exc)
        return Answer(0, {}, b"", "ResolutionError" if resolution else "SocketError")
    return Answer(response.status_code, dict(response.headers), response.content, outcome(response.status_code))


def outcome(status: int) -> str:
    if 200 <= status <= 204:
        return "Success"
    return {
        400: "BadRequest",
        401: "Unauthorized",
        403: "Forbidden",
        404: "NotFound",
        408: "TimedOut",
        413: "PayloadTooLarge",
        503: "Busy",
    }.get(status, "GenericError")


_handler = None


def _host() -> str:
    """A host name the site accepts (its ALLOWED_HOSTS), so the call is not refused as a foreign host."""
    from django.conf import settings

    concrete = [h.lstrip(".") for h in settings.ALLOWED_HOSTS if h not in ("*", ".")]
    return concrete[0] if concrete else "localhost"


def _inprocess(method: str, target: str, headers: dict, body: bytes) -> Answer:
    global _handler
    if _handler is None:
        from django.core.handlers.wsgi import WSGIHandler

        _handler = WSGIHandler()
    url = urlsplit(target)
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": url.path or "/",
        "QUERY_STRING": url.query,
        "SERVER_NAME": "localhost",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)),
        "HTTP_HOST": _host(),
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        environ[key if key == "CONTENT_TYPE" else f"HTTP_{key}"] = value
    started = {}

    def start_response(status, response_headers, exc_info=None):
        started["status"] = int(status.split()[0])
        started["headers"] = dict(response_headers)

    response = _handler(environ, start_response)
    try:
        content = b"".join(response)
    finally:
        response.close()  # request_finished: the handler's own clean-up, as a server would do it
    return Answer(started["status"], started["headers"], content, outcome(started["status"]))
