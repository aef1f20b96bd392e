"""Every way an ACS call can fail becomes an error a person may read, with the status the page answers."""

import io
import json
import logging

import pytest
import requests
from azure.core.exceptions import (
    ClientAuthenticationError,
    DeserializationError,
    HttpResponseError,
    ResourceExistsError,
    ResourceNotFoundError,
    SerializationError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.rest import HttpRequest
from azure.core.rest._requests_basic import RestRequestsTransportResponse

from chatsite.acs.errors import (
    AcsError,
    AcsForbidden,
    AcsNotFound,
    AcsRejected,
    AcsThrottled,
    AcsUnauthorized,
    AcsUnavailable,
    AcsUnreadable,
    acs_errors,
    translate,
)

pytestmark = pytest.mark.unit

# What an ACS error body may carry: never shown to a person, never logged.
SECRET = "token eyJhbGciOi... for 8:acs:ana rejected"


def answered(error_type, status: int):
    """An SDK error for an ACS answer with this status, as azure-core raises it (ACS's JSON error body read)."""
    raw = requests.Response()
    raw.status_code = status
    raw.reason = "Reason"
    raw.headers["Content-Type"] = "application/json"
    raw.raw = io.BytesIO(json.dumps({"error": {"code": "SomeCode", "message": SECRET}}).encode())
    response = RestRequestsTransportResponse(
        request=HttpRequest("GET", "https://acs.example/chat/threads"), internal_response=raw
    )
    response.read()
    return error_type(response=response)


@pytest.mark.parametrize(
    ("error", "expected", "status"),
    [
        (answered(ResourceNotFoundError, 404), AcsNotFound, 404),
        (answered(ClientAuthenticationError, 401), AcsUnauthorized, 503),
        (answered(HttpResponseError, 401), AcsUnauthorized, 503),
        (answered(HttpResponseError, 429), AcsThrottled, 429),
        (answered(HttpResponseError, 403), AcsForbidden, 403),
        (answered(HttpResponseError, 400), AcsRejected, 400),
        (answered(HttpResponseError, 413), AcsRejected, 400),
        (answered(ResourceExistsError, 409), AcsError, 502),
        (answered(HttpResponseError, 500), AcsUnavailable, 503),
        (answered(HttpResponseError, 502), AcsUnavailable, 503),
        (answered(HttpResponseError, 503), AcsUnavailable, 503),
        (ServiceRequestError("Connection refused"), AcsUnavailable, 503),
        (ServiceResponseError("Read timed out"), AcsUnavailable, 503),
        (HttpResponseError("no response at all"), AcsUnavailable, 503),
    ],
)
def test_each_failure_maps_to_one_error_and_status(error, expected, status, caplog):
    with caplog.at_level(logging.WARNING, logger="chatsite.acs.errors"):
        translated = translate(error)

    assert type(translated) is expected
    assert translated.status == status
    assert str(translated) == str(translated.message)
    assert SECRET not in str(translated)
    assert SECRET not in caplog.text


@pytest.mark.parametrize("error", [DeserializationError("bad date"), SerializationError("year 10000")])
def test_an_answer_the_sdk_cannot_read_or_write_is_reported_as_such(error):
    with pytest.raises(AcsUnreadable) as raised, acs_errors():
        raise error

    assert raised.value.status == 502
    assert raised.value.__suppress_context__  # the SDK's text stays out of tracebacks shown anywhere


def test_acs_errors_translates_and_hides_the_sdk_error():
    with pytest.raises(AcsThrottled) as raised, acs_errors():
        raise answered(HttpResponseError, 429)

    assert raised.value.__suppress_context__
    assert SECRET not in str(raised.value)


def test_acs_errors_lets_other_exceptions_through():
    with pytest.raises(KeyError), acs_errors():
        raise KeyError("not an SDK error")


def test_a_custom_message_replaces_the_default():
    assert AcsForbidden("You are no longer part of this chat.").message == "You are no longer part of this chat."
    assert str(AcsForbidden().message) == "You can only change your own messages."
