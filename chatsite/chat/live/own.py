"""The changes the site made itself, so that ACS's events for them need no read: told by what the site wrote
(the message id a send got back, the message it edited or deleted, the people it added or removed, the topic it
set, the thread it created or deleted), never by whose identity made the change. A person's phone acting with
their own identity is another client.

A note is kept as long as Event Grid may deliver its event (24 h of retries) and used up by the first event that
matches it, so the same change made again by another client is read. A lost note costs one read, never a change
missed.
"""

import hashlib
from collections.abc import Iterable
from contextlib import contextmanager

from django.core.cache import cache

from . import keys

NOTE_TTL = 24 * 3600

SENT = "sent"  # ref: the message id
EDITED = "edited"  # ref: the message id
DELETED = "deleted"  # ref: the message id
TOPIC = "topic"  # ref: the topic set
ADDED = "added"  # ref: the person's ACS id
REMOVED = "removed"  # ref: the person's ACS id
CREATED = "created"  # ref: "" (the thread)
THREAD_DELETED = "thread-deleted"  # ref: ""


def noted(*, thread_id: str, kind: str, ref: str = "") -> None:
    """The site just made this change through ACS."""
    cache.set(keys.own_write(thread_id, kind, _ref(ref)), True, NOTE_TTL)


@contextmanager
def writing(*, thread_id: str, kind: str, refs: Iterable[str] = ("",)):
    """Around the ACS call that makes the change: noted before (its event may arrive before the call returns),
    dropped when the call fails (nothing changed, so a later event for it is another client's)."""
    refs = list(refs)
    for ref in refs:
        noted(thread_id=thread_id, kind=kind, ref=ref)
    try:
        yield
    except BaseException:
        cache.delete_many([keys.own_write(thread_id, kind, _ref(ref)) for ref in refs])
        raise


def taken(*, thread_id: str, kind: str, ref: str = "") -> bool:
    """Whether the site made this change itself; the note is used up."""
    return bool(cache.delete(keys.own_write(thread_id, kind, _ref(ref))))


def known(*, thread_id: str, kind: str, ref: str = "") -> bool:
    """Whether the site made this change itself, keeping the note (a send's events: one per recipient)."""
    return bool(cache.get(keys.own_write(thread_id, kind, _ref(ref))))


def _ref(ref: str) -> str:
    # Topics are free text: a short stable digest keeps the key bounded and free of spaces.
    return hashlib.sha256(ref.encode()).hexdigest()[:32] if ref else "-"
