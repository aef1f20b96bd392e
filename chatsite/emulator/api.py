"""Plumbing shared by every emulator endpoint: api-version, JSON bodies, errors, response headers."""

import json
import logging

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from .errors import AcsError, bad_request

logger = logging.getLogger(__name__)

CHAT_API_VERSIONS = ("2024-03-07", "2023-11-07", "2021-09-07")
IDENTITY_API_VERSIONS = ("2023-10-01", "2022-10-01", "2022-06-01", "2021-03-07")


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


def json_body(request, *, allow_empty: bool = False) -> dict:
    if not request.body:
        if allow_empty:
            return {}
        raise bad_request("A request body is required.")
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise bad_request("The request body is not valid JSON.") from exc
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def endpoint(*, methods: dict, versions: tuple[str, ...]):
    """Wrap a group of handlers (one per HTTP method) for one route: the ACS error contract in one place.

    Every error is a CommunicationErrorResponse; a client's mistake never turns into a 500.
    """

    def view(request, **kwargs):
        handler = methods.get(request.method)
        try:
            if handler is None:
                raise AcsError(405, "MethodNotAllowed", f"The {request.method} method is not allowed here.")
            check_api_version(request, versions)
            response = handler(request, **kwargs)
        except AcsError as error:
            response = error.response()
        request_id = request.headers.get("x-ms-client-request-id")
        if request_id:
            response["x-ms-client-request-id"] = request_id
        response["api-supported-versions"] = ", ".join(versions)
        return response

    return csrf_exempt(view)


def ok_json(data, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def no_content(status: int = 204) -> HttpResponse:
    return HttpResponse(status=status)


