"""Everything an idle poll needs from the cache, in one round trip (cache.get_many).

A poll that finds nothing new must cost about what a bare login-required view costs: one read of the thread's
marker, the viewer's ended state, the roster, whether the thread's reads are shared, and the versions of what
the page's other live parts show (read receipts, typing), all at once.
"""

import dataclasses

from django.core.cache import cache

from chatsite.acs import keys as acs_keys

from . import keys
from .cache import MARKER, RECEIPTS, ROSTER, TYPING
from .keys import ReceiptsListing, RosterRead


@dataclasses.dataclass(frozen=True)
class Snapshot:
    marker: int | None
    deleted: bool
    ended: str | None  # the record's copy (live.state): None when lost, "" while the viewer's part lasts
    roster_version: int | None
    roster: RosterRead | None  # the cached roster read
    shared: bool | None
    acs_user_id: str | None  # the viewer's, when cached
    receipts_version: int | None = None  # live.cache.RECEIPTS
    receipts: ReceiptsListing | None = None  # the cached receipts listing (selectors.presence)
    typing_version: int | None = None  # live.cache.TYPING


def read(*, thread_id: str, user_pk: int) -> Snapshot:
    return read_many(thread_id=thread_id, user_pks=[user_pk])[user_pk]


def read_many(*, thread_id: str, user_pks) -> dict[int, Snapshot]:
    """The snapshots of many people of one thread in the same one round trip (a push to every stream of a
    process: chat/push/stream.py)."""
    shared = {
        "marker": MARKER.key(thread_id),
        "deleted": keys.deleted(thread_id),
        "roster_version": ROSTER.key(thread_id),
        "roster": keys.roster_read(thread_id),
        "shared": keys.shared(thread_id),
        "receipts_version": RECEIPTS.key(thread_id),
        "receipts": keys.receipts(thread_id),
        "typing_version": TYPING.key(thread_id),
    }
    own = {pk: {"ended": keys.ended(thread_id, pk), "acs_user_id": acs_keys.user_id(pk)} for pk in user_pks}
    found = cache.get_many([*shared.values(), *(key for wanted in own.values() for key in wanted.values())])
    common = {name: found.get(cache_key) for name, cache_key in shared.items()}
    common["deleted"] = bool(common["deleted"])
    return {
        pk: Snapshot(**common, **{name: found.get(cache_key) for name, cache_key in wanted.items()})
        for pk, wanted in own.items()
    }
