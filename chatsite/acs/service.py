"""The site's service identity: one ACS user the site owns, a participant of every thread it creates or imports.

ACS acts only for participants and has no "list every thread", so staff act in threads as this identity, and
the live path reads each change once as it (it sees everything a thread's people may see). Its token follows the
same lifecycle as a person's (identities.py).
"""

from django.core.cache import cache
from django.utils.translation import gettext as _

from . import keys
from .identities import service_identity
from .models import ServiceIdentity


def display_name() -> str:
    """How the service identity is named in ACS, for other ACS clients that show participants."""
    return _("Site moderation")


def acs_user_id() -> str:
    """The service identity's ACS user id (created in ACS on first use), cached for every worker."""
    cached = cache.get(keys.service_identity_id())
    if cached is None:
        cached = service_identity().acs_user_id
        cache.set(keys.service_identity_id(), cached, timeout=None)
    return cached


def known_id() -> str | None:
    """The service identity's ACS user id if it exists (one cache read), without creating it."""
    service_id = cache.get(keys.service_identity_id())
    if service_id is None:
        service_id = ServiceIdentity.objects.filter(pk=1).values_list("acs_user_id", flat=True).first()
        if service_id is not None:
            cache.set(keys.service_identity_id(), service_id, timeout=None)
    return service_id


def is_service_identity(acs_user_id: str | None) -> bool:
    """Whether an ACS user id is the site's own: people's pages leave it out of lists and wording.

    For many ids at once, compare with known_id() instead: one cache read, not one per id.
    """
    return bool(acs_user_id) and acs_user_id == known_id()
