"""ACS user access tokens: JWTs signed by the emulator, shaped like the real service's (API_NOTES §4).

The chat SDK reads the payload with *standard* base64 (`b64decode(part + "==")`), so the payload segment must
not contain the base64url characters `-` or `_`. For ASCII JSON only the bytes `>`, `?` and `~` can produce them
(as the last sextet of a 3-byte group); our claims never contain those, and issue() checks it.
"""

import dataclasses
import secrets
import time
from datetime import UTC, datetime, timedelta

import jwt

from . import config
from .errors import AcsError, forbidden, unauthorized
from .models import Identity

SCOPES = ("chat", "voip", "chat.join", "chat.join.limited", "voip.join")
MIN_MINUTES, MAX_MINUTES, DEFAULT_MINUTES = 60, 1440, 1440
ALGORITHM = "HS256"
# How long this process trusts what it read of an identity (exists? tokens revoked when?) before reading it
# again. Revoking or deleting through this process takes effect at once; through another worker within this
# many seconds (real ACS: "up to 15 minutes"). Saves a query on every chat call.
IDENTITY_CACHE_SECONDS = 5.0
_MISSING = object()
_identities: dict[str, tuple[float, object]] = {}
# Tokens whose signature was verified: token -> claims. A client sends the same token on every call, and
# verifying it (base64, JSON, HMAC) is a tenth of a read's work. Expiry is still checked on each use; keyed by
# the signing key too, so a token is never trusted under another key.
_verified: dict[tuple[bytes, str], dict] = {}


@dataclasses.dataclass(frozen=True)
class Principal:
    """Who a chat request acts for."""

    user_id: str
    scopes: frozenset[str]

    def can(self, *, manage_threads: bool = False, manage_participants: bool = False) -> bool:
        """ACS's chat scope matrix: chat = all; chat.join = no thread create/update/delete;
        chat.join.limited = additionally no participant add/remove."""
        if "chat" in self.scopes:
            return True
        if manage_threads:
            return False
        if manage_participants:
            return "chat.join" in self.scopes
        return bool({"chat.join", "chat.join.limited"} & self.scopes)


def issue(identity_id: str, scopes: list[str], minutes: int, *, now: datetime | None = None) -> tuple[str, datetime]:
    now = now or datetime.now(UTC)
    expires_on = now + timedelta(minutes=minutes)
    payload = {
        "skypeid": identity_id.removeprefix("8:"),
        "scp": 1792,
        "csi": str(int(now.timestamp())),
        "exp": int(expires_on.timestamp()),
        "rgn": "emulator",
        "acsScope": ",".join(scopes),
        "resourceId": config.resource_id(),
        "resourceLocation": "emulator",
        "iat": int(now.timestamp()),
        # Issue time with sub-second precision, so a revocation in the same second still refuses older tokens.
        "iatMs": int(now.timestamp() * 1000),
        "jti": secrets.token_hex(8),
    }
    token = jwt.encode(payload, config.token_signing_key(), algorithm=ALGORITHM)
    header_part, payload_part, _ = token.split(".")
    if "-" in payload_part or "_" in payload_part:  # pragma: no cover - impossible for our claims, see above
        raise RuntimeError("token payload is not standard-base64 safe")
    return token, expires_on


def authenticate(authorization: str | None) -> Principal:
    """The Principal for an `Authorization: Bearer <token>` header, or AcsError 401."""
    if not authorization or not authorization.startswith("Bearer "):
        raise unauthorized("MissingToken", "An Authorization header with a Bearer token is required.")
    token = authorization.removeprefix("Bearer ").strip()
    key = config.token_signing_key()
    claims = _verified.get((key, token))
    if claims is None or claims["exp"] <= time.time():
        claims = _verify(key, token)
    user_id = "8:" + claims["skypeid"]
    valid_after = _tokens_valid_after(user_id)
    if valid_after is _MISSING:
        raise unauthorized("IdentityDeleted", "The identity of the access token does not exist.")
    if valid_after and claims["iatMs"] < valid_after.timestamp() * 1000:
        raise unauthorized("TokenRevoked", "The access token has been revoked.")
    return Principal(user_id=user_id, scopes=frozenset(s for s in claims["acsScope"].split(",") if s))


def _verify(key: bytes, token: str) -> dict:
    try:
        claims = jwt.decode(
            token,
            key,
            algorithms=[ALGORITHM],
            options={"require": ["exp", "skypeid", "acsScope", "iatMs"]},
        )
    except jwt.ExpiredSignatureError as exc:
        raise unauthorized("TokenExpired", "The access token has expired.") from exc
    except jwt.InvalidTokenError as exc:
        raise unauthorized("InvalidToken", "The access token is malformed or not signed by this resource.") from exc
    if len(_verified) > 10_000:
        _verified.clear()
    _verified[(key, token)] = claims
    return claims


def _tokens_valid_after(user_id: str):
    """The identity's revocation time (None: never revoked), or _MISSING; cached for a few seconds."""
    now = time.monotonic()
    cached = _identities.get(user_id)
    if cached and cached[0] > now:
        return cached[1]
    found = Identity.objects.filter(pk=user_id).values_list("tokens_valid_after", flat=True)[:1]
    value = found[0] if found else _MISSING
    if len(_identities) > 100_000:
        _identities.clear()
    _identities[user_id] = (now + IDENTITY_CACHE_SECONDS, value)
    return value


def forget(user_id: str) -> None:
    """Called when an identity is revoked or deleted: its next token is checked against the database."""
    _identities.pop(user_id, None)


def require_chat(principal: Principal, *, manage_threads=False, manage_participants=False) -> None:
    if not principal.can(manage_threads=manage_threads, manage_participants=manage_participants):
        raise forbidden(("ScopeNotAllowed", "The access token's scopes do not allow this action."))


__all__ = ["AcsError", "Principal", "authenticate", "issue", "require_chat", "SCOPES"]
