"""HMAC-SHA256 signing from API_NOTES §2, independent of the SDK: for requests the SDK would never send."""

import base64
import hashlib
import hmac
from datetime import UTC, datetime

import requests

IDENTITY_API = "api-version=2023-10-01"


def http_date(moment: datetime | None = None) -> str:
    return (moment or datetime.now(UTC)).strftime("%a, %d %b %Y %H:%M:%S ") + "GMT"


def signed_headers(
    method: str,
    path_query: str,
    host: str,
    body: bytes,
    access_key: str,
    *,
    date: str | None = None,
    date_header: str = "x-ms-date",
) -> dict:
    """Headers of a signed request; date_header="Date" signs as identity SDK 1.0.0 and earlier do."""
    date = date or http_date()
    content_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    string_to_sign = f"{method}\n{path_query}\n{date};{host};{content_hash}"
    digest = hmac.new(base64.b64decode(access_key), string_to_sign.encode(), hashlib.sha256).digest()
    return {
        date_header: date,
        "x-ms-content-sha256": content_hash,
        "Authorization": f"HMAC-SHA256 SignedHeaders={date_header.lower()};host;x-ms-content-sha256&Signature="
        + base64.b64encode(digest).decode(),
        "Content-Type": "application/json",
    }


def host_of(emulator) -> str:
    return emulator.endpoint.removeprefix("https://")


def raw(emulator, method: str, path_query: str, body: bytes = b"", headers: dict | None = None):
    """Send exactly this request target, body and headers to the emulator."""
    return requests.request(
        method,
        emulator.endpoint + path_query,
        data=body,
        headers=headers,
        verify=str(emulator.ca_cert),
        timeout=60,  # only bounds a hang: a loaded 2-core machine can take seconds to answer
    )


def send(emulator, method: str, path_query: str, body: bytes = b"", *, key: str, **sign_kwargs):
    """Sign `path_query` and send exactly that request target to the emulator."""
    headers = signed_headers(method, path_query, host_of(emulator), body, key, **sign_kwargs)
    return raw(emulator, method, path_query, body, headers)
