"""Deleting a Django user (and so their AcsIdentity) deletes the ACS user too."""

import logging

from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import post_delete
from django.dispatch import receiver

from . import keys
from .errors import AcsError
from .identities import delete_acs_user
from .models import AcsIdentity

logger = logging.getLogger(__name__)


@receiver(post_delete, sender=AcsIdentity)
def delete_in_acs(sender, instance, **kwargs):
    acs_user_id = instance.acs_user_id
    cache.delete(keys.user_id(instance.user_id))

    def delete():
        try:
            delete_acs_user(acs_user_id)
        except AcsError:
            # The site's side is gone already; an ACS user left behind holds no personal data but its id.
            logger.error("ACS user %s could not be deleted in ACS; delete it by hand", acs_user_id)

    # Only once the deletion is committed: a rolled-back delete must leave the ACS user working.
    transaction.on_commit(delete)
