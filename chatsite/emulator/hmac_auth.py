"""HMAC-SHA256 request signing, checked as the ACS gateway checks connection-string clients (API_NOTES §2).

string_to_sign = VERB \\n path_query \\n date;host;content_hash, keyed with the decoded access key, where the date is
the `x-ms-date` header (SignedHeaders=x-ms-date;host;x-ms-content-sha256, identity SDKs from 1.1) or the `Date`
header (SignedHeaders=date;host;x-ms-content-sha256, identity 1.0.0 and earlier); ACS accepts either.
The SDKs sign the path *as transmitted*, which differs between clients (requests percent-encodes the identity
id, aiohttp sends it raw), so the raw request target is preferred and both encodings are the fallback.
"""

import base64
import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from urllib.parse import quote

from . import config
from .errors import AcsError, denied

SCHEME = "HMAC-SHA256"
# SignedHeaders value -> the header whose value was signed as the date
SIGNED_HEADERS = {"x-ms-date;host;x-ms-content-sha256": "x-ms-date", "date;host;x-ms-content-sha256": "Date"}
MAX_CLOCK_SKEW = timedelta(minutes=5)
SKEW_MESSAGE = (
    "The time difference between the originating client and the server is greater than the allowed margin "
    "of 5 minutes."
)


def verify(request) -> None:
    """Return if the request is signed with the resource's access key, else raise AcsError 401."""
    signature, date_header = _signature(request.headers.get("Authorization", ""))
    content_hash = request.headers.get("x-ms-content-sha256", "")
    date = request.headers.get(date_header, "") if date_header else ""
    if not (signature and content_hash and date):
        raise denied()
    body_hash = base64.b64encode(hashlib.sha256(request.body).digest()).decode()
    if not hmac.compare_digest(content_hash, body_hash):
        raise denied()  # the body was changed after signing
    _check_date(date)
    key = base64.b64decode(config.access_key())
    host = request.headers.get("Host", "")
    for path_query in _path_candidates(request.META):
        # from a constructor endpoint with a trailing slash the SDK signs "host:port/" (API_NOTES §2)
        for signed_host in (host, host + "/"):
            string_to_sign = f"{request.method}\n{path_query}\n{date};{signed_host};{content_hash}"
            digest = hmac.new(key, string_to_sign.encode(), hashlib.sha256).digest()
            if hmac.compare_digest(signature, base64.b64encode(digest).decode()):
                return
    raise denied()


def _signature(authorization: str) -> tuple[str, str]:
    """The Signature of `HMAC-SHA256 SignedHeaders=x-ms-date;host;x-ms-content-sha256&Signature=…` and the
    header that holds the signed date, or ("", "")."""
    scheme, _, params = authorization.partition(" ")
    if scheme != SCHEME:
        return "", ""
    fields = dict(part.partition("=")[::2] for part in params.strip().split("&"))
    date_header = SIGNED_HEADERS.get(fields.get("SignedHeaders", "").lower())
    if not date_header:
        return "", ""
    return fields.get("Signature", ""), date_header


def _check_date(value: str) -> None:
    try:
        signed_at = parsedate_to_datetime(value)
    except (TypeError, ValueError) as exc:
        raise denied() from exc
    if signed_at.tzinfo is None:  # "GMT" parses as naive UTC
        signed_at = signed_at.replace(tzinfo=UTC)
    if abs(datetime.now(UTC) - signed_at) > MAX_CLOCK_SKEW:
        raise AcsError(401, "Denied", SKEW_MESSAGE)


def _path_candidates(environ) -> list[str]:
    """The request's path and query as the client may have signed them."""
    raw = environ.get("RAW_URI")  # the raw request target: our server.py and gunicorn both set it
    if raw:
        return [raw]
    path = environ.get("PATH_INFO", "")
    query = environ.get("QUERY_STRING", "")
    suffix = f"?{query}" if query else ""
    # The sync SDK quotes ids with safe="" (":" -> %3A); route words such as ":issueAccessToken" stay literal.
    quoted = "/".join(s if s.startswith(":") else quote(s, safe="") for s in path.split("/"))
    return list(dict.fromkeys([quoted + suffix, path + suffix]))
