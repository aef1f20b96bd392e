"""The site's service identity: one ACS user the site owns, a participant of every thread it creates.

ACS acts only for participants and has no "list every thread", so staff act in threads as this identity. Its
token is cached like a person's (identities.py); as there, ACS is called outside any transaction (the embedded
emulator shares the database) and the row is written after, where the loser of a race keeps the winner's row.
"""

import logging
from datetime import datetime

from azure.communication.identity import CommunicationUserIdentifier
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import clients
from .errors import AcsError, acs_errors
from .identities import REFRESH_MARGIN, SCOPES, TOKEN_LIFETIME, ChatCredentials, delete_acs_user
from .models import ServiceIdentity

logger = logging.getLogger(__name__)

_CACHE_KEY = "acs:service-identity-id"


def display_name() -> str:
    """How the service identity is named in ACS, for other ACS clients that show participants."""
    return _("Site moderation")


def identity() -> ServiceIdentity:
    """The service identity, created in ACS on first use."""
    existing = ServiceIdentity.objects.filter(pk=1).first()
    if existing is not None:
        return existing
    with acs_errors():
        acs_user, access_token = clients.identity_client().create_user_and_token(
            scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    try:
        with transaction.atomic():
            return ServiceIdentity.objects.create(
                pk=1,
                acs_user_id=acs_user.properties["id"],
                token=access_token.token,
                token_expires_on=parse_expiry(access_token.expires_on),
            )
    except IntegrityError:
        # A concurrent request stored its service identity first: keep it, drop the ACS user made here.
        try:
            delete_acs_user(acs_user.properties["id"])
        except AcsError:
            logger.warning("Could not delete surplus ACS user %s", acs_user.properties["id"])
        return ServiceIdentity.objects.get(pk=1)


def credentials() -> ChatCredentials:
    """The service identity's ACS user id and a chat token valid for at least REFRESH_MARGIN."""
    current = identity()
    if _fresh(current):
        return ChatCredentials(current.acs_user_id, current.token)
    with acs_errors():
        access_token = clients.identity_client().get_token(
            CommunicationUserIdentifier(current.acs_user_id), scopes=SCOPES, token_expires_in=TOKEN_LIFETIME
        )
    with transaction.atomic():
        locked = ServiceIdentity.objects.select_for_update().get(pk=1)
        if not _fresh(locked):
            locked.token = access_token.token
            locked.token_expires_on = parse_expiry(access_token.expires_on)
            locked.save(update_fields=["token", "token_expires_on"])
    return ChatCredentials(locked.acs_user_id, locked.token)


def is_service_identity(acs_user_id: str | None) -> bool:
    """Whether an ACS user id is the site's own: people's pages leave it out of lists and wording."""
    if not acs_user_id:
        return False
    service_id = cache.get(_CACHE_KEY)
    if service_id is None:
        service_id = ServiceIdentity.objects.filter(pk=1).values_list("acs_user_id", flat=True).first()
        if service_id is None:
            return False
        cache.set(_CACHE_KEY, service_id, timeout=None)
    return acs_user_id == service_id


def _fresh(row: ServiceIdentity) -> bool:
    return (
        bool(row.token)
        and row.token_expires_on is not None
        and (row.token_expires_on - timezone.now() > REFRESH_MARGIN)
    )


def parse_expiry(value) -> datetime:
    """An access token's expiry: identity 1.5.0 hands back the wire string; a datetime is accepted too."""
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)
