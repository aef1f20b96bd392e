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
    wanted = {
        "marker": MARKER.key(thread_id),
        "deleted": keys.deleted(thread_id),
        "ended": keys.ended(thread_id, user_pk),
        "roster_version": ROSTER.key(thread_id),
        "roster": keys.roster_read(thread_id),
        "shared": keys.shared(thread_id),
        "acs_user_id": acs_keys.user_id(user_pk),
        "receipts_version": RECEIPTS.key(thread_id),
        "receipts": keys.receipts(thread_id),
        "typing_version": TYPING.key(thread_id),
    }
    found = cache.get_many(wanted.values())
    values = {name: found.get(cache_key) for name, cache_key in wanted.items()}
    values["deleted"] = bool(values["deleted"])
    return Snapshot(**values)
