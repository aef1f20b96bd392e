"""Reads of the membership record (models.Membership, HiddenMessage) as the visibility rule's windows.

The record is the truth of who may see what; live.state keeps a copy of each person's ended state in the cache
for the idle poll, and a lost copy is read here again (never taken as "still a member").
"""

from collections import defaultdict
from collections.abc import Iterable

from ..models import HiddenMessage, Membership
from ..visibility import Window


def _window(row) -> Window:
    return Window(history_from=row.history_from, joined=row.joined_version, until=row.ended_version, ended=row.ended)


def windows(*, thread_id: str, user_pk: int) -> tuple[Window, ...]:
    rows = Membership.objects.filter(thread_id=thread_id, user_id=user_pk).order_by("joined_version", "pk")
    return tuple(_window(row) for row in rows)


def windows_by_person(*, thread_id: str, user_pks: Iterable[int] | None = None) -> dict[int, tuple[Window, ...]]:
    """Every recorded person's windows in the thread (or those of `user_pks`)."""
    rows = Membership.objects.filter(thread_id=thread_id)
    if user_pks is not None:
        rows = rows.filter(user_id__in=list(user_pks))
    found = defaultdict(list)
    # Plain values, not model instances: a send in a 250-person thread reads everyone's windows.
    fields = ("user_id", "history_from", "joined_version", "ended_version", "ended")
    for user_pk, history_from, joined, until, ended in rows.order_by("joined_version", "pk").values_list(*fields):
        found[user_pk].append(Window(history_from=history_from, joined=joined, until=until, ended=ended))
    return {pk: tuple(w) for pk, w in found.items()}


def windows_by_thread(*, user_pk: int, thread_ids: Iterable[str]) -> dict[str, tuple[Window, ...]]:
    """One person's windows in each of `thread_ids` (the chat list: one query)."""
    found = defaultdict(list)
    rows = Membership.objects.filter(user_id=user_pk, thread_id__in=list(thread_ids)).order_by("joined_version", "pk")
    for row in rows:
        found[row.thread_id].append(_window(row))
    return {thread_id: tuple(w) for thread_id, w in found.items()}


def hidden_ids(*, thread_id: str) -> frozenset[int]:
    return frozenset(HiddenMessage.objects.filter(thread_id=thread_id).values_list("message_id", flat=True))


def hidden_pairs(*, thread_ids: Iterable[str]) -> frozenset[tuple[str, int]]:
    return frozenset(
        HiddenMessage.objects.filter(thread_id__in=list(thread_ids)).values_list("thread_id", "message_id")
    )


def ended_state(*, thread_id: str, user_pk: int) -> str | None:
    """How the person's latest part in the thread ended per the record (None: it lasts, or none is recorded)."""
    row = (
        Membership.objects.filter(thread_id=thread_id, user_id=user_pk)
        .order_by("-joined_version", "-pk")
        .values_list("ended", flat=True)
        .first()
    )
    return row or None


def exact_history(*, thread_id: str) -> dict[str, object]:
    """The share-history times of the lasting parts, as the site set them (to the microsecond), by ACS user id."""
    rows = Membership.objects.filter(thread_id=thread_id, ended_version=None, history_from__isnull=False)
    return dict(rows.values_list("user__acs_identity__acs_user_id", "history_from"))
