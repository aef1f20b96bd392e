"""List paging as the SDK follows it (API_NOTES §3).

A nextLink is absolute (the request's scheme and host) and carries `api-version`, as the real service's do:
the JS SDK (and Python chat 1.1.0) request it exactly as given. The Python SDK 1.2+ requests its path and
keeps only its query parameters (re-quoted, `+` turned into a space, empty ones dropped, api-version
overwritten), so the link carries every parameter the next page needs and its continuation token is base64url
without padding: nothing either round trip can damage.
"""

import base64
import binascii
import json
from urllib.parse import quote, urlencode

from .errors import bad_request


def page_size(request, *, default: int, maximum: int) -> int:
    raw = request.GET.get("maxPageSize")
    if raw in (None, ""):
        return default
    try:
        size = int(raw)
    except ValueError as exc:
        raise bad_request("maxPageSize must be an integer.", target="maxPageSize") from exc
    if not 1 <= size <= maximum:
        raise bad_request(f"maxPageSize must be between 1 and {maximum}.", target="maxPageSize")
    return size


def skip(request) -> int:
    raw = request.GET.get("skip")
    if raw in (None, ""):
        return 0
    try:
        value = int(raw)
    except ValueError as exc:
        raise bad_request("skip must be an integer.", target="skip") from exc
    if value < 0:
        raise bad_request("skip must not be negative.", target="skip")
    return value


def encode_token(state: dict) -> str:
    raw = json.dumps(state, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_token(request) -> dict | None:
    """The state of `continuationToken`, None on a first page; 400 when it is not one of ours."""
    token = request.GET.get("continuationToken")
    if not token:
        return None
    try:
        state = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
    except (ValueError, binascii.Error) as exc:
        raise bad_request("continuationToken is not valid.", target="continuationToken") from exc
    if not isinstance(state, dict):
        raise bad_request("continuationToken is not valid.", target="continuationToken")
    return state


def thread_path(thread_id: str, suffix: str = "") -> str:
    path = f"/chat/threads/{quote(thread_id, safe='')}"
    return f"{path}/{suffix}" if suffix else path


def absolute_url(request, path: str) -> str:
    """`path` on the endpoint the client called. Built from the Host header, not request.get_host(): the
    emulator answers whatever name it is reached by (the site's ALLOWED_HOSTS are not its business)."""
    host = request.META.get("HTTP_HOST") or f"{request.META['SERVER_NAME']}:{request.META['SERVER_PORT']}"
    return f"{request.scheme}://{host}{path}"


def next_link(request, path: str, **params) -> str:
    params["api-version"] = request.GET["api-version"]
    return absolute_url(request, f"{path}?{urlencode(params)}")
