"""How a person's part in a thread ended (left, removed) or that the thread was deleted, as the site saw it.

Open pages read this on their next poll without asking ACS.
"""

from django.core.cache import cache

from . import keys

LEFT = "left"
REMOVED = "removed"
DELETED = "deleted"
# Long enough for any open page to poll; a later page load checks membership with ACS anyway.
STATE_TTL = 24 * 3600


def viewer_state(*, thread_id: str, user_pk: int) -> str | None:
    """LEFT, REMOVED or DELETED when the site saw this person's part in the thread end; None otherwise."""
    if cache.get(keys.deleted(thread_id)):
        return DELETED
    return cache.get(keys.ended(thread_id, user_pk))


def set_viewer_state(*, thread_id: str, user_pk: int, state: str | None) -> None:
    if state is None:
        cache.delete(keys.ended(thread_id, user_pk))
    else:
        cache.set(keys.ended(thread_id, user_pk), state, STATE_TTL)


def set_deleted(*, thread_id: str) -> None:
    cache.set(keys.deleted(thread_id), True, STATE_TTL)
