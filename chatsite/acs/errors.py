"""The one place that turns azure.core errors into what a person reads.

Views catch these domain errors; none of them carries the SDK's text, which can quote requests and responses.
"""

import contextlib
import logging
import math

from azure.core.exceptions import (
    AzureError,
    ClientAuthenticationError,
    DeserializationError,
    HttpResponseError,
    ResourceNotFoundError,
    SerializationError,
)
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class AcsError(Exception):
    """Base of the errors a person may be shown; `message` is safe to render."""

    message = _("The chat service could not do this. Please try again.")
    status = 502

    def __init__(self, message=None):
        super().__init__(message or self.message)
        if message:
            self.message = message


class AcsUnavailable(AcsError):
    message = _("The chat service is not answering right now. Your draft is kept; please try again shortly.")
    status = 503


class AcsThrottled(AcsError):
    message = _("The chat service is busy. Your draft is kept; please wait a few seconds and try again.")
    status = 429

    def __init__(self, message=None, *, retry_after: int | None = None):
        super().__init__(message)
        self.retry_after = retry_after  # seconds, as ACS asked (its Retry-After header), when it did


class AcsNotFound(AcsError):
    """The thing does not exist or this person may not see it (ACS answers 403 or 404 alike for us)."""

    message = _("This conversation does not exist or you are not part of it.")
    status = 404


class AcsForbidden(AcsError):
    message = _("You can only change your own messages.")
    status = 403


class AcsUnauthorized(AcsUnavailable):
    """ACS refused the site's credentials (a token revoked elsewhere, a deleted user, a wrong access key)."""

    message = _("The chat service did not accept your sign-in. Please reload the page; if it goes on, sign in again.")
    status = 503


class AcsUnreadable(AcsError):
    """ACS answered something the SDK could not read (or the site could not send)."""

    message = _("The chat service gave an answer the site could not read. Your draft is kept; please try again.")
    status = 502


class AcsRejected(AcsError):
    message = _("The chat service refused this request.")
    status = 400


class AcsBadContinuation(AcsRejected):
    """A "more" link that is not one of ACS's continuations (out of date, or forged): never followed."""

    message = _("This link is out of date. Reload the page to go on.")
    status = 400


def translate(error: AzureError) -> AcsError:
    status = getattr(error, "status_code", None)
    code = getattr(getattr(error, "error", None), "code", None)
    # Status and ACS error code only: the exception text may quote headers or content.
    logger.warning("ACS call failed: %s status=%s code=%s", type(error).__name__, status, code)
    if isinstance(error, ResourceNotFoundError):
        return AcsNotFound()
    if isinstance(error, ClientAuthenticationError) or status == 401:
        return AcsUnauthorized()
    if isinstance(error, HttpResponseError) and status is not None:
        if status == 429:
            return AcsThrottled(retry_after=_retry_after(error))
        if status == 403:
            return AcsForbidden()
        if status in (400, 413):
            return AcsRejected()
        if status < 500:
            return AcsError()
    # Connection refused, TLS failure, timeout, 5xx.
    return AcsUnavailable()


def _retry_after(error: HttpResponseError) -> int | None:
    value = getattr(getattr(error, "response", None), "headers", {}).get("Retry-After", "")
    return max(1, math.ceil(float(value))) if value.replace(".", "", 1).isdigit() else None


@contextlib.contextmanager
def acs_errors():
    """Wrap SDK calls: `with acs_errors(): client.send_message(...)`."""
    try:
        yield
    except (DeserializationError, SerializationError) as error:
        # A date ACS cannot express, or an answer the SDK's models cannot hold: never a 500 for the page.
        logger.warning("ACS answer could not be (de)serialized: %s", type(error).__name__)
        raise AcsUnreadable() from None
    except AzureError as error:
        raise translate(error) from None
