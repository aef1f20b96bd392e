"""Each person's ACS identity and chat token: created on first need, refreshed before it expires.

No database lock is held while ACS is called: locally the emulator writes to the same SQLite database, and a
transaction open across the call would block it. Instead the ACS call happens first and the result is stored
under select_for_update, where a request that lost the race keeps what the winner stored.
"""

import dataclasses
import logging
from datetime import datetime, timedelta

from azure.communication.identity import CommunicationUserIdentifier
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import clients
from .errors import AcsError, acs_errors
from .models import AcsIdentity

logger = logging.getLogger(__name__)

SCOPES = ["chat"]
TOKEN_LIFETIME = timedelta(hours=24)
# A token is replaced when less than this is left, so no request starts with a token about to expire.
REFRESH_MARGIN = timedelta(minutes=10)


@dataclasses.dataclass(frozen=True)
class ChatCredentials:
    acs_user_id: str
    token: str = dataclasses.field(repr=False)


def identity_for(user) -> AcsIdentity:
    """The person's ACS identity, created in ACS (with a first token) if they have none yet."""
    identity = AcsIdentity.objects.filter(user=user).first()
    if identity is not None:
        return identity
    with acs_errors():
        acs_user, access_token = clients.identity_client().create_user_and_token(
            scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    try:
        with transaction.atomic():
            return AcsIdentity.objects.create(
                user=user,
                acs_user_id=acs_user.properties["id"],
                token=access_token.token,
                token_expires_on=_parse_expiry(access_token.expires_on),
            )
    except IntegrityError:
        # A concurrent request created one first: keep theirs, drop the ACS user made here.
        _delete_acs_user(acs_user.properties["id"])
        return AcsIdentity.objects.get(user=user)


def credentials_for(user) -> ChatCredentials:
    """An ACS user id and a chat token valid for at least REFRESH_MARGIN."""
    identity = identity_for(user)
    if _fresh(identity):
        return ChatCredentials(identity.acs_user_id, identity.token)
    with acs_errors():
        access_token = clients.identity_client().get_token(
            CommunicationUserIdentifier(identity.acs_user_id), scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    with transaction.atomic():
        locked = AcsIdentity.objects.select_for_update().get(pk=identity.pk)
        if not _fresh(locked):
            locked.token = access_token.token
            locked.token_expires_on = _parse_expiry(access_token.expires_on)
            locked.save(update_fields=["token", "token_expires_on"])
    return ChatCredentials(locked.acs_user_id, locked.token)


def _fresh(identity: AcsIdentity) -> bool:
    return bool(identity.token) and (
        identity.token_expires_on is not None and identity.token_expires_on - timezone.now() > REFRESH_MARGIN
    )


def _parse_expiry(value) -> datetime:
    # identity 1.5.0 hands back the wire string ("2024-01-01T10:00:00.1234567+00:00"); accept a datetime too.
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value)


def delete_acs_user(acs_user_id: str) -> None:
    """Delete the ACS user (and so revoke its tokens); raises AcsError when ACS refuses or is away."""
    with acs_errors():
        clients.identity_client().delete_user(CommunicationUserIdentifier(acs_user_id))


def _delete_acs_user(acs_user_id: str) -> None:
    try:
        delete_acs_user(acs_user_id)
    except AcsError:
        logger.warning("Could not delete surplus ACS user %s", acs_user_id)
