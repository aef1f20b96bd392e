"""What staff do to people's ACS identities: end their tokens, or give them a new ACS user altogether."""

import logging

from azure.communication.identity import CommunicationUserIdentifier

from . import clients
from .errors import AcsError, acs_errors
from .identities import SCOPES, TOKEN_LIFETIME, delete_acs_user
from .models import AcsIdentity
from .service import parse_expiry

logger = logging.getLogger(__name__)


def tokens_revoke(*, identity: AcsIdentity) -> None:
    """Revoke the identity's tokens in ACS and forget the cached one; the next request gets a new one."""
    with acs_errors():
        clients.identity_client().revoke_tokens(CommunicationUserIdentifier(identity.acs_user_id))
    AcsIdentity.objects.filter(pk=identity.pk).update(token="", token_expires_on=None)


def identity_reset(*, identity: AcsIdentity) -> bool:
    """Give the person a new ACS user and delete the old one (tokens included); False if that deletion failed.

    ACS membership belongs to the ACS user: the person is in none of their former threads afterwards.
    """
    with acs_errors():
        acs_user, access_token = clients.identity_client().create_user_and_token(
            scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    old_id = identity.acs_user_id
    AcsIdentity.objects.filter(pk=identity.pk).update(
        acs_user_id=acs_user.properties["id"],
        token=access_token.token,
        token_expires_on=parse_expiry(access_token.expires_on),
    )
    try:
        delete_acs_user(old_id)
    except AcsError:
        # The person uses the new user already; the old one is no longer handed out to anyone.
        logger.error("Old ACS user %s could not be deleted in ACS; delete it by hand", old_id)
        return False
    return True
