"""The emulated ACS resource: its id, access key and token signing key.

All three are derived from SECRET_KEY so they are stable across restarts and workers without being stored,
and differ between deployments. ACS_EMULATOR_ACCESS_KEY overrides the access key (base64, as Azure's).
"""

import base64
import hashlib
import hmac
import uuid

from django.conf import settings


def _derive(purpose: str) -> bytes:
    return hmac.new(settings.SECRET_KEY.encode(), f"chatsite.emulator.{purpose}".encode(), hashlib.sha256).digest()


def resource_id() -> str:
    return str(uuid.UUID(bytes=_derive("resource-id")[:16], version=4))


def access_key() -> str:
    return getattr(settings, "ACS_EMULATOR_ACCESS_KEY", None) or base64.b64encode(
        _derive("access-key") + _derive("access-key-2")
    ).decode()


def token_signing_key() -> bytes:
    return _derive("token-signing-key")


def connection_string(endpoint: str) -> str:
    return f"endpoint={endpoint.rstrip('/')}/;accesskey={access_key()}"
