"""How a person's part in a thread ended (left, removed) or that the thread was deleted: the cache's copy of the
membership record (models.Membership, written by services.record), read by the idle poll in its one round trip.

A lost copy is never taken for "still a member": the record is read again (selectors.record).
"""

from django.core.cache import cache

from . import keys

LEFT = "left"
REMOVED = "removed"
DELETED = "deleted"
MEMBER = ""  # the copy's value for a part that lasts (a missing copy means "ask the record")


def viewer_state(*, thread_id: str, user_pk: int) -> str | None:
    """LEFT, REMOVED or DELETED when the person's part in the thread ended; None otherwise."""
    found = cache.get_many([keys.deleted(thread_id), keys.ended(thread_id, user_pk)])
    deleted, copy = bool(found.get(keys.deleted(thread_id))), found.get(keys.ended(thread_id, user_pk))
    return from_copies(deleted=deleted, copy=copy, thread_id=thread_id, user_pk=user_pk)


def from_copies(*, deleted: bool, copy: str | None, thread_id: str, user_pk: int) -> str | None:
    """viewer_state from the copies as read already (live.snapshot)."""
    return DELETED if deleted else from_copy(copy, thread_id=thread_id, user_pk=user_pk)


def from_copy(copy: str | None, *, thread_id: str, user_pk: int) -> str | None:
    """The ended state from the cache's copy, or from the record when the copy is lost."""
    if copy is None:
        from ..selectors.record import ended_state

        return ended_state(thread_id=thread_id, user_pk=user_pk)
    return copy or None


def copy_ended(*, thread_id: str, user_pk: int, ended: str | None) -> None:
    """Only services.record calls this, after writing the record."""
    cache.set(keys.ended(thread_id, user_pk), ended or MEMBER, timeout=None)


def copy_deleted(*, thread_id: str) -> None:
    """Only services.record calls this, after writing the record."""
    cache.set(keys.deleted(thread_id), True, timeout=None)
