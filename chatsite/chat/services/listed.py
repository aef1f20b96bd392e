"""Threads the site does not host, in a person's open thread list: the ones ACS lists for them that another ACS
client made (their phone app, a bot), kept in `keys.inbox_listed` with the list's page (selectors/inbox.py).

They reach an open list in two ways, and only while the list is open (when it is not, its next page load lists
the person's threads from ACS anyway, so nothing is read for it):
- Event Grid mode: an event says the person is in a thread (created with them, or them added); ACS, asked as the
  person, confirms it (`thread_found`), within a second or two.
- Poll mode: the list's poll lists the person's threads from ACS (one call, ACS's first page) at most once per
  LISTING_EVERY per person (`listing_refresh`). ACS allows a person 50 thread reads per 10 s (LIMITS.md: "Get chat
  thread / List chat threads, per User"), which the person's own pages share; one read per 25 s is 1 % of that,
  and the list shows such a thread within 30 s. A list that is not open costs nothing.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.utils import timezone

from chatsite.acs.errors import AcsForbidden, AcsNotFound

from ..actors import Actor
from ..live import keys
from ..live.cache import INBOX, gate
from ..live.keys import Gate, InboxListed, ListedThread
from ..models import Thread
from ..selectors.threads import thread_list
from . import inbox

LISTING_EVERY = 25  # seconds, per person: a thread made elsewhere shows within 30 s in poll mode


def thread_found(*, thread_id: str, user_pk: int) -> None:
    """An event says the person is in a thread the site does not host: if their list is open and ACS, asked as
    them, has them in it, the list shows it on its next poll."""
    remembered = cache.get(keys.inbox_listed(user_pk))
    if remembered is None or thread_id in remembered.listed:
        return
    user = get_user_model().objects.filter(pk=user_pk, is_active=True).first()
    if user is None:
        return
    try:
        properties = Actor.person(user).acs.thread_properties(thread_id)
    except (AcsNotFound, AcsForbidden):
        return  # not theirs (a forged or stale event): nothing changes
    _listed(user_pk, [ListedThread(properties.id, properties.topic, timezone.now())])


def listing_opened(*, user_pk: int) -> None:
    """The list page just read ACS's list: the poll's next listing is LISTING_EVERY away."""
    gate(Gate.LISTING, user_pk, seconds=LISTING_EVERY)


def listing_refresh(*, actor: Actor) -> None:
    """Poll mode: the list's poll looks at ACS's list of the person's threads, at most once per LISTING_EVERY."""
    user_pk = actor.user.pk
    if settings.ACS_EVENTS != "poll":
        return  # Event Grid tells (thread_found)
    if cache.get(keys.inbox_listed(user_pk)) is None or not gate(Gate.LISTING, user_pk, seconds=LISTING_EVERY):
        return
    threads, _ = thread_list(actor=actor)
    _listed(user_pk, [ListedThread(t.id, t.topic, t.last_message_at) for t in threads])


def _listed(user_pk: int, found: list[ListedThread]) -> None:
    """Threads ACS lists for the person that the list does not show yet and the site does not host join it."""
    remembered = cache.get(keys.inbox_listed(user_pk))
    if remembered is None:
        return
    new = [t for t in found if t.id not in remembered.listed]
    hosted = set(Thread.objects.filter(acs_thread_id__in=[t.id for t in new]).values_list("acs_thread_id", flat=True))
    new = [t for t in new if t.id not in hosted]
    if not new:
        return
    inbox.listing_remember(
        user_pk=user_pk,
        listed=InboxListed(
            listed=(*(t.id for t in new), *remembered.listed),
            foreign=(*new, *remembered.foreign),
            next=remembered.next,
        ),
    )
    INBOX.bump(user_pk)
