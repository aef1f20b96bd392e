"""An ACS resource's connection string, as the Azure portal shows it: endpoint=https://…/;accesskey=<base64>.

Pure (no Django) so the settings can check the value before Django is configured, and the SDK clients' endpoint
is read from the same parse.
"""

import base64
import binascii
import dataclasses
from urllib.parse import urlsplit


@dataclasses.dataclass(frozen=True)
class ConnectionString:
    # Without the trailing slash, as the SDK clients take it.
    endpoint: str
    access_key: str = dataclasses.field(repr=False)


def parse(value: str) -> ConnectionString:
    """The endpoint and key of `value`; ValueError when either is missing or malformed.

    The error never repeats the value: it holds the access key.
    """
    parts = {
        key.strip().lower(): item.strip()
        for key, _, item in (pair.partition("=") for pair in value.split(";") if pair.strip())
    }
    endpoint, access_key = parts.get("endpoint", ""), parts.get("accesskey", "")
    try:
        url = urlsplit(endpoint)
    except ValueError:  # e.g. a broken IPv6 literal
        url = urlsplit("")
    if url.scheme != "https" or not url.hostname:
        raise ValueError("The ACS connection string's endpoint must be an https:// URL.")
    try:
        base64.b64decode(access_key, validate=True)
    except (binascii.Error, ValueError):
        access_key = ""
    if not access_key:
        raise ValueError("The ACS connection string's accesskey must be base64.")
    return ConnectionString(endpoint=endpoint.rstrip("/"), access_key=access_key)
