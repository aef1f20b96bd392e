"""The membership record's one writer (models.Membership, HiddenMessage): every source of a membership change
ends here, through services.changes.changes_apply (the site's own writes, a poll's system messages, an
event-triggered read, a roster read).

Each write is ordered by ACS's epoch-ms versions so that the same change told twice, late or out of order is
applied once: an add opens a window unless a later removal closed the latest one; a removal closes the window it
falls in, or narrows its end to ACS's own removal message (the site's clock, used for its own writes, is an upper
bound: narrowing never widens). The ended state is copied to the cache (live.state) for the idle poll; a lost copy
is read from here again.
"""

from datetime import datetime

from django.db import IntegrityError, transaction

from ..live import polling, state
from ..models import HiddenMessage, Membership


def part_began(*, thread_id: str, user_pk: int, history_from: datetime | None, version: int) -> bool:
    """The person was added at `version` sharing history from `history_from`; True when the record changed."""
    with transaction.atomic():
        rows = Membership.objects.select_for_update().filter(thread_id=thread_id, user_id=user_pk)
        latest = rows.order_by("-joined_version", "-pk").first()
        if latest is not None and (latest.ended_version is None or latest.ended_version >= version):
            return False  # the same part told again, or an add older than the latest removal
        Membership.objects.create(
            thread_id=thread_id, user_id=user_pk, history_from=history_from, joined_version=version
        )
    state.copy_ended(thread_id=thread_id, user_pk=user_pk, ended=None)
    return True


def history_known(*, thread_id: str, user_pk: int, history_from: datetime | None) -> None:
    """The exact share-history time of the person's open part (the site set it; ACS lists it to the second)."""
    Membership.objects.filter(thread_id=thread_id, user_id=user_pk, ended_version=None).update(
        history_from=history_from
    )


def part_ended(*, thread_id: str, user_pk: int, how: str, version: int) -> bool:
    """The person's part ended (`how`: left, removed, deleted) with the message at `version` the last they see."""
    with transaction.atomic():
        rows = Membership.objects.select_for_update().filter(thread_id=thread_id, user_id=user_pk)
        window = rows.filter(joined_version__lte=version).order_by("-joined_version", "-pk").first()
        if window is None:
            if rows.exists():
                return False  # a removal older than every part recorded
            # Never recorded (a thread from before the record, another client's add the site never saw).
            Membership.objects.create(
                thread_id=thread_id, user_id=user_pk, joined_version=0, ended_version=version, ended=how
            )
        elif window.ended_version is None:
            window.ended_version, window.ended = version, how
            window.save(update_fields=["ended_version", "ended"])
        elif window.ended_version > version:
            window.ended_version = version  # ACS's own removal message: narrower than the site's clock
            window.save(update_fields=["ended_version"])
        else:
            return False
        latest = Membership.objects.filter(thread_id=thread_id, user_id=user_pk).order_by("-joined_version", "-pk")
        ended = latest.values_list("ended", flat=True).first()
    state.copy_ended(thread_id=thread_id, user_pk=user_pk, ended=ended or None)
    return True


def thread_ended(*, thread_id: str, version: int) -> list[int]:
    """The thread was deleted: every open part ends; returns whose."""
    with transaction.atomic():
        open_parts = Membership.objects.select_for_update().filter(thread_id=thread_id, ended_version=None)
        people = list(open_parts.values_list("user_id", flat=True))
        open_parts.update(ended_version=version, ended=Membership.DELETED)
    state.copy_deleted(thread_id=thread_id)
    return people


def message_hide(*, thread_id: str, message_id: int) -> None:
    """A moderator hid the message on the site: every surface but the admin shows "Removed by a moderator" in its
    place (ACS lets only the sender delete it, and a departed sender no longer can)."""
    from . import inbox

    try:
        with transaction.atomic():
            HiddenMessage.objects.create(thread_id=thread_id, message_id=message_id)
    except IntegrityError:
        return  # hidden already
    inbox.message_hidden(thread_id=thread_id, message_id=message_id)
    polling.redraw(thread_id=thread_id)


def message_unhide(*, thread_id: str, message_id: int) -> None:
    HiddenMessage.objects.filter(thread_id=thread_id, message_id=message_id).delete()
