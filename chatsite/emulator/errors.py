"""ACS error responses, in the spec's CommunicationErrorResponse shape: {"error": {"code", "message", "target"?}}."""

import json

from django.http import HttpResponse


class AcsError(Exception):
    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        target: str | None = None,
        headers=None,
        inner: tuple[str, str] | None = None,
    ):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.target = target
        self.headers = headers or {}
        # (code, message) of the spec's `innererror`: the emulator's reason behind a generic 401 or 403.
        self.inner = inner

    def as_dict(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.target is not None:
            error["target"] = self.target
        if self.inner is not None:
            error["innererror"] = {"code": self.inner[0], "message": self.inner[1]}
        return error

    def response(self) -> HttpResponse:
        body = json.dumps({"error": self.as_dict()}, ensure_ascii=False, separators=(",", ":")).encode()
        response = HttpResponse(body, status=self.status, content_type="application/json; charset=utf-8")
        for name, value in self.headers.items():
            response[name] = value
        return response


def bad_request(message: str, *, target: str | None = None, code: str = "BadRequest") -> AcsError:
    return AcsError(400, code, message, target=target)


def validation_error(message: str, *, target: str | None = None) -> AcsError:
    return AcsError(400, "ValidationError", message, target=target)


def unauthorized(reason: str, why: str) -> AcsError:
    """A chat call's 401: the spec examples' code and wording, whatever the cause; the emulator's reason (what
    the real service does not say) in `innererror`."""
    return AcsError(401, "Unauthorized", "Request is not authorized.", inner=(reason, why))


def denied() -> AcsError:
    # What the ACS gateway answers a bad HMAC signature (API_NOTES §2).
    return AcsError(401, "Denied", "Denied by the resource provider.")


def forbidden(reason: tuple[str, str] | None = None) -> AcsError:
    """A chat call's 403, worded as the spec examples; `reason` (code, message) when there is more to say than
    "not a participant"."""
    return AcsError(403, "Forbidden", "User is not allowed to perform specified action.", inner=reason)


def not_found(message: str = "Not found.") -> AcsError:
    return AcsError(404, "NotFound", message)


def too_many_requests(retry_after: int) -> AcsError:
    return AcsError(429, "TooManyRequests", "Rate limit exceeded.", headers={"Retry-After": str(retry_after)})
