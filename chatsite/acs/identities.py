"""ACS identities and chat tokens, one lifecycle for people (AcsIdentity) and the site (ServiceIdentity).

An identity is created in ACS on first need with a first token; a token is replaced when little is left of it,
or at once when ACS refused it (revoked by another client). No database lock is held while ACS is called:
locally the emulator writes to the same SQLite database, and a transaction open across the call would block
it. The ACS call happens first and the result is stored under select_for_update, where a request that lost
the race keeps what the winner stored.
"""

import dataclasses
import logging
from datetime import datetime, timedelta

from azure.communication.identity import CommunicationUserIdentifier
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import clients, keys
from .errors import AcsError, acs_errors
from .models import AcsIdentity, ServiceIdentity

logger = logging.getLogger(__name__)

SCOPES = ["chat"]
TOKEN_LIFETIME = timedelta(hours=24)
# A token is replaced when less than this is left, so no request starts with a token about to expire.
REFRESH_MARGIN = timedelta(minutes=10)

Row = AcsIdentity | ServiceIdentity


@dataclasses.dataclass(frozen=True)
class ChatCredentials:
    acs_user_id: str
    token: str = dataclasses.field(repr=False)


def acs_user_id_for(user) -> str:
    """The person's ACS user id, from the cache when known (asked on every poll), else their identity."""
    cached = cache.get(keys.user_id(user.pk))
    if cached is None:
        cached = identity_for(user).acs_user_id
        cache.set(keys.user_id(user.pk), cached, timeout=None)
    return cached


def identity_for(user) -> AcsIdentity:
    """The person's ACS identity, created in ACS (with a first token) if they have none yet."""
    return _get_or_create(AcsIdentity, user=user)


def service_identity() -> ServiceIdentity:
    """The site's own ACS identity (acs/service.py), created in ACS on first use."""
    return _get_or_create(ServiceIdentity, pk=1)


def credentials(row: Row) -> ChatCredentials:
    """The row's ACS user id and a chat token valid for at least REFRESH_MARGIN; `row` is updated in place."""
    if not _fresh(row):
        with acs_errors():
            access_token = clients.identity_client().get_token(
                CommunicationUserIdentifier(row.acs_user_id), scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
            )
        with transaction.atomic():
            locked = type(row).objects.select_for_update().get(pk=row.pk)
            if not _fresh(locked):
                locked.token = access_token.token
                locked.token_expires_on = parse_expiry(access_token.expires_on)
                locked.save(update_fields=["token", "token_expires_on"])
        row.token, row.token_expires_on = locked.token, locked.token_expires_on
    return ChatCredentials(row.acs_user_id, row.token)


def credentials_for(user) -> ChatCredentials:
    return credentials(identity_for(user))


def token_discard(row: Row, token: str) -> None:
    """ACS refused `token` (revoked elsewhere): forget it, unless another request has replaced it already."""
    type(row).objects.filter(pk=row.pk, token=token).update(token="", token_expires_on=None)
    row.token, row.token_expires_on = "", None


def delete_acs_user(acs_user_id: str) -> None:
    """Delete the ACS user (and so revoke its tokens); raises AcsError when ACS refuses or is away."""
    with acs_errors():
        clients.identity_client().delete_user(CommunicationUserIdentifier(acs_user_id))


def revoke_tokens(acs_user_id: str) -> None:
    with acs_errors():
        clients.identity_client().revoke_tokens(CommunicationUserIdentifier(acs_user_id))


def new_acs_user() -> tuple[str, str, datetime]:
    """A new ACS user with a first chat token: (acs_user_id, token, expires_on)."""
    with acs_errors():
        acs_user, access_token = clients.identity_client().create_user_and_token(
            scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    return acs_user.properties["id"], access_token.token, parse_expiry(access_token.expires_on)


def parse_expiry(value) -> datetime:
    """An access token's expiry: identity 1.5.0 hands back the wire string; a datetime is accepted too."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def _get_or_create(model: type[Row], **lookup) -> Row:
    existing = model.objects.filter(**lookup).first()
    if existing is not None:
        return existing
    acs_user_id, token, expires_on = new_acs_user()
    try:
        with transaction.atomic():
            return model.objects.create(**lookup, acs_user_id=acs_user_id, token=token, token_expires_on=expires_on)
    except IntegrityError:
        # A concurrent request stored one first: keep theirs, drop the ACS user made here.
        try:
            delete_acs_user(acs_user_id)
        except AcsError:
            logger.warning("Could not delete surplus ACS user %s", acs_user_id)
        return model.objects.get(**lookup)


def _fresh(row: Row) -> bool:
    return (
        bool(row.token)
        and row.token_expires_on is not None
        and row.token_expires_on - timezone.now() > REFRESH_MARGIN
    )
