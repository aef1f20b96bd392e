"""Plumbing shared by every emulator endpoint: api-version, JSON bodies, errors, response headers."""

import base64
import json
import secrets
import time

from django.conf import settings
from django.http import HttpResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import AcsError, bad_request

CHAT_API_VERSIONS = ("2025-03-15", "2024-03-07", "2023-11-07", "2021-09-07", "2021-03-07", "2020-11-01-preview3")
# The preview generation (chat SDK 1.0.0b4): identifiers are bare strings (`id`, `senderId`, `createdBy`,
# `initiator`), errors of partial success come under `errors`, and a participant is removed with DELETE.
PREVIEW3 = "2020-11-01-preview3"
# Message metadata exists from this version on (its spec has it on send, get, list and update); thread and
# participant metadata and the thread retention policy from 2025-03-15.
MESSAGE_METADATA_VERSION = "2021-09-07"
THREAD_METADATA_VERSION = "2025-03-15"
IDENTITY_API_VERSIONS = ("2023-10-01", "2022-10-01", "2022-06-01", "2021-03-07")

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
# What ACS sends on every answer (the SDK team's recordings, 2021-2022).
STRICT_TRANSPORT_SECURITY = "max-age=2592000"
# GUESS (docs/wire.md): ACS's exact limits are undocumented; these are far above any valid request
# (a 28 KB message, 200 participants) and well below what would tie up the emulator.
MAX_BODY_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 64  # System.Text.Json's default, which ACS's .NET front end would apply


def version(request) -> str:
    """The request's (checked) api-version; ISO dates compare in order as strings."""
    return request.GET["api-version"]


def check_api_version(request, supported: tuple[str, ...]) -> None:
    version = request.GET.get("api-version")
    if not version:
        raise AcsError(
            400,
            "MissingApiVersionParameter",
            "The api-version query parameter (?api-version=) is required for all requests.",
        )
    if version not in supported:
        # ASP.NET API versioning's wording, which ACS's gateway uses (GUESS: exact text unverified).
        raise AcsError(
            400,
            "UnsupportedApiVersion",
            f"The HTTP resource that matches the request URI '{request.get_full_path()}' "
            f"does not support the API version '{version}'. Supported versions: {', '.join(supported)}.",
        )


def _check_body_size(request) -> None:
    """Refuse a body over the limit from its Content-Length, before reading it (413 in ACS's shape, not
    Django's HTML RequestDataTooBig)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY_BYTES:
        raise AcsError(
            413, "RequestEntityTooLarge", f"The request body is larger than the limit of {MAX_BODY_BYTES} bytes."
        )


def _depth(value) -> int:
    """Nesting depth of parsed JSON, iteratively (the value may be as deep as the parser allowed)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children if isinstance(child, dict | list))
    return deepest


def json_body(request, *, allow_empty: bool = False) -> dict:
    if not request.body:
        if allow_empty:
            return {}
        raise bad_request("A request body is required.")
    try:
        body = json.loads(request.body)
    except RecursionError as exc:
        raise _too_deep() from exc
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    if _depth(body) > MAX_JSON_DEPTH:
        raise _too_deep()
    return body


def _too_deep() -> AcsError:
    return bad_request(f"The request body is nested deeper than the maximum depth of {MAX_JSON_DEPTH}.")


def correlation_vector() -> str:
    """MS-CV: a base64 correlation id (22 characters) and an extension counter, as every ACS answer carries."""
    return base64.b64encode(secrets.token_bytes(16)).decode().rstrip("=") + ".0"


def endpoint(*, methods: dict, versions: tuple[str, ...]):
    """Wrap a group of handlers (one per HTTP method) for one route: the ACS error contract in one place.

    Every error is a CommunicationErrorResponse; a client's mistake never turns into a 500.
    """

    def view(request, **kwargs):
        handler = methods.get(request.method)
        try:
            if handler is None:
                allowed = {"Allow": ", ".join(methods)}  # RFC 9110: a 405 names the methods the resource has
                raise AcsError(
                    405, "MethodNotAllowed", f"The {request.method} method is not allowed here.", headers=allowed
                )
            check_api_version(request, versions)
            _check_body_size(request)
            response = handler(request, **kwargs)
        except AcsError as error:
            response = error.response()
        request_id = request.META.get("HTTP_X_MS_CLIENT_REQUEST_ID")  # not request.headers: it copies every header
        if request_id:
            response["x-ms-client-request-id"] = request_id
        response["api-supported-versions"] = ", ".join(versions)
        # Tests simulate "ACS answered late": the work is done (and committed) before the wait.
        delay = float(getattr(settings, "ACS_EMULATOR_DELAY", 0) or 0)
        if delay > 0:
            time.sleep(delay)
        return response

    return csrf_exempt(view)


def ok_json(data, status: int = 200) -> HttpResponse:
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    return HttpResponse(body, status=status, content_type=JSON_CONTENT_TYPE)


def no_content(status: int = 204) -> HttpResponse:
    response = HttpResponse(status=status)
    del response["Content-Type"]  # an empty answer has no media type
    return response
