"""What staff do to people's ACS identities: end their tokens, or give them a new ACS user altogether."""

import logging

from django.core.cache import cache

from . import keys
from .errors import AcsError
from .identities import delete_acs_user, new_acs_user, revoke_tokens
from .models import AcsIdentity

logger = logging.getLogger(__name__)


def tokens_revoke(*, identity: AcsIdentity) -> None:
    """Revoke the identity's tokens in ACS and forget the cached one; the next request gets a new one."""
    revoke_tokens(identity.acs_user_id)
    AcsIdentity.objects.filter(pk=identity.pk).update(token="", token_expires_on=None)


def identity_reset(*, identity: AcsIdentity) -> bool:
    """Give the person a new ACS user and delete the old one (tokens included); False if that deletion failed.

    ACS membership belongs to the ACS user: the person is in none of their former threads afterwards.
    """
    acs_user_id, token, expires_on = new_acs_user()
    old_id = identity.acs_user_id
    AcsIdentity.objects.filter(pk=identity.pk).update(
        acs_user_id=acs_user_id, token=token, token_expires_on=expires_on
    )
    cache.delete(keys.user_id(identity.user_id))
    try:
        delete_acs_user(old_id)
    except AcsError:
        # The person uses the new user already; the old one is no longer handed out to anyone.
        logger.error("Old ACS user %s could not be deleted in ACS; delete it by hand", old_id)
        return False
    return True
