"""Event Grid's Microsoft Entra ID token: a subscription created with `--azure-active-directory-tenant-id` and
`--azure-active-directory-application-id-or-uri` sends `Authorization: Bearer <JWT>` "in every message" (Microsoft's
words), so handshakes need one too, as they need the secret (GUESS for the CloudEvents OPTIONS: no source says);
EVENT_GRID.md §7, README "Events from ACS" for the setup.

A token passes when it is signed (RS256 only) by one of the tenant's published keys, unexpired, issued by the
tenant (EVENTGRID_ENTRA_ISSUER: v1 and v2 token issuers by default; Event Grid's tokens are v1), for the webhook's
app registration (EVENTGRID_ENTRA_AUDIENCE: its app id and/or app id URI), and carries the app role
AzureEventGridSecureWebhookSubscriber, which only Event Grid's service principal is granted.

The keys come from EVENTGRID_ENTRA_JWKS_URL through PyJWT's PyJWKClient, kept for KEYS_LIFESPAN. A token naming
a key id the kept set lacks makes one refetch (a key rolled over since), at most once per REFETCH_EVERY per process:
forged key ids cannot make the site hammer the tenant's key endpoint.
"""

import functools
import logging
import threading
import time

import jwt
from django.conf import settings

logger = logging.getLogger(__name__)

ROLE = "AzureEventGridSecureWebhookSubscriber"
ALGORITHMS = ["RS256"]  # what Entra signs access tokens with; never "none" or an HMAC keyed by a public key
LEEWAY = 60  # seconds of clock difference tolerated on exp / nbf / iat
KEYS_LIFESPAN = 3600
REFETCH_EVERY = 60
FETCH_TIMEOUT = 10  # Event Grid waits 30 s for an answer
clock = time.monotonic  # a module attribute so tests can move it


class Unavailable(Exception):
    """The tenant's keys could not be fetched: whether the token is good cannot be told now (503, retried)."""


def valid(authorization: str | None) -> bool:
    """Whether the Authorization header holds a token of Event Grid for this webhook; Unavailable when the keys
    cannot be had."""
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return False
    try:
        kid = jwt.get_unverified_header(token.strip()).get("kid")
    except jwt.PyJWTError:
        return False
    if not isinstance(kid, str) or not kid:
        return False
    key = key_set(settings.EVENTGRID_ENTRA_JWKS_URL).find(kid)
    if key is None:
        return False
    try:
        claims = jwt.decode(
            token.strip(),
            key.key,
            algorithms=ALGORITHMS,
            audience=settings.EVENTGRID_ENTRA_AUDIENCE,
            leeway=LEEWAY,
            options={"require": ["exp", "iss", "aud"]},
        )
    except jwt.PyJWTError:
        return False
    roles = claims.get("roles")
    return claims["iss"] in issuers() and isinstance(roles, list) and ROLE in roles


def issuers() -> list[str]:
    return settings.EVENTGRID_ENTRA_ISSUER


class KeySet:
    """The tenant's signing keys, fetched and kept by PyJWKClient; one unknown key id may refetch once a minute."""

    def __init__(self, url: str):
        self.client = jwt.PyJWKClient(url, cache_jwk_set=True, lifespan=KEYS_LIFESPAN, timeout=FETCH_TIMEOUT)
        self.lock = threading.Lock()
        self.refetched_at: float | None = None

    def find(self, kid: str):
        try:
            key = self._match(self.client.get_signing_keys(), kid)
            if key is None and self._may_refetch():
                key = self._match(self.client.get_signing_keys(refresh=True), kid)
        except (jwt.PyJWKClientError, jwt.PyJWKSetError) as exc:  # unreachable, or no usable keys in its answer
            logger.error("The Entra ID signing keys could not be fetched from %s: %s", self.client.uri, exc)
            raise Unavailable from exc
        return key

    def _may_refetch(self) -> bool:
        with self.lock:
            now = clock()
            if self.refetched_at is not None and now - self.refetched_at < REFETCH_EVERY:
                return False
            self.refetched_at = now
            return True

    @staticmethod
    def _match(keys, kid: str):
        return next((key for key in keys if key.key_id == kid), None)


@functools.lru_cache(maxsize=4)
def key_set(url: str) -> KeySet:
    return KeySet(url)
