"""Threads: create, import (staff), refresh the mirror, rename, delete."""

from datetime import datetime

from django.core.cache import cache
from django.utils import timezone
from django.utils.translation import gettext as _

from chatsite.acs import service
from chatsite.acs.errors import AcsForbidden
from chatsite.acs.identities import identity_for
from chatsite.acs.models import AcsIdentity
from chatsite.acs.records import Member

from ..actors import Actor
from ..live import keys, own
from ..live.cache import MARKER, ROSTER
from ..models import Thread
from ..selectors.accounts import display_name
from ..selectors.threads import LiveThread, thread_live
from . import inbox, record
from .changes import SITE_WRITE, changes_apply
from .errors import as_participant


def thread_create(
    *, actor: Actor, topic: str, participants, idempotency_token: str, direct: bool = False
) -> Thread:
    """Create the thread in ACS with the actor and `participants`; the same token twice yields one thread.

    A `direct` chat is the actor's one-to-one with the one person in `participants`: named from both names (each
    sees the other's, selectors/inbox.py), and found again by "New chat" with that person.
    """
    now = timezone.now()
    if direct:
        [other] = participants
        topic = _("%(first)s and %(last)s") % {"first": actor.display_name, "last": display_name(other)}
    # A new thread has no history to hide: everyone sees all of it (a share-history time would only make the
    # first second's messages ambiguous, ACS lists times to the second).
    members = [Member(actor.acs_user_id, actor.display_name)]
    members += [Member(identity_for(p).acs_user_id, display_name(p)) for p in participants]
    # The site's service identity joins every thread, with all history, so staff can moderate it and the live
    # path can read each change once for everyone.
    members.append(Member(service.acs_user_id(), service.display_name()))
    created = actor.acs.thread_create(topic=topic, members=members, idempotency_token=str(idempotency_token))
    own.noted(thread_id=created.id, kind=own.CREATED)  # its event needs no read (services/events.py)
    thread, new = Thread.objects.get_or_create(
        acs_thread_id=created.id,
        defaults={
            "topic": created.topic,
            "created_by": actor.user,
            "participant_count": len(members) - 1,
            "last_activity_at": now,
            "direct": direct,
        },
    )
    if new:
        people = [p for p in [actor.user, *participants] if p is not None]
        version = inbox.now_version()
        for person in people:  # a new thread: everyone sees all of it
            record.part_began(thread_id=thread.acs_thread_id, user_pk=person.pk, history_from=None, version=version)
        thread.participants.set(people)
        inbox.thread_changed(thread_id=thread.acs_thread_id)
    return thread


def thread_import(*, acs_thread_id: str) -> Thread:
    """Mirror a thread another ACS client created, once the service identity has been added to it."""
    live = thread_live(acs_thread_id=acs_thread_id)
    creator = AcsIdentity.objects.filter(acs_user_id=live.creator_id).select_related("user").first()
    thread = Thread.objects.create(
        acs_thread_id=acs_thread_id, topic=live.topic, created_by=creator.user if creator else None
    )
    _mirror(thread, live)
    cache.delete(keys.shared(acs_thread_id))  # from now on one read serves every viewer
    inbox.thread_changed(thread_id=acs_thread_id)
    return thread


def thread_refresh(*, thread: Thread) -> LiveThread:
    """The thread as ACS has it now (read by the service identity); the mirror row is brought up to date."""
    live = thread_live(acs_thread_id=thread.acs_thread_id)
    _mirror(thread, live)
    return live


def topic_update(*, actor: Actor, thread_id: str, topic: str) -> None:
    with as_participant(), own.writing(thread_id=thread_id, kind=own.TOPIC, refs=[topic]):
        actor.acs.topic_update(thread_id, topic)
    # A renamed one-to-one is a named chat like any other.
    Thread.objects.filter(acs_thread_id=thread_id).update(topic=topic, direct=False)
    MARKER.bump(thread_id)
    ROSTER.bump(thread_id)  # open pages re-read the header with the panel
    inbox.thread_changed(thread_id=thread_id)


def thread_delete(*, actor: Actor, thread_id: str) -> None:
    """Staff may delete any thread; a person only one they started on the site."""
    threads = Thread.objects.filter(acs_thread_id=thread_id, deleted_at=None)
    if not actor.is_service and not threads.filter(created_by=actor.user).exists():
        raise AcsForbidden(_("Only the person who started this chat can delete it."))
    actor.acs.thread_delete(thread_id)
    threads.update(deleted_at=timezone.now())
    # No marker bump: open pages would ask ACS about a thread that is gone; they read the record's copy instead.
    changes_apply(thread_id=thread_id, deleted=inbox.now_version(), source=SITE_WRITE)
    inbox.thread_changed(thread_id=thread_id)


def _mirror(thread: Thread, live: LiveThread) -> None:
    thread.topic = live.topic or thread.topic
    thread.participant_count = len(live.members)
    thread.last_activity_at = _last_activity(live) or thread.last_activity_at
    thread.save(update_fields=["topic", "participant_count", "last_activity_at"])
    thread.participants.set([m.user for m in live.members if m.user is not None])


def _last_activity(live: LiveThread) -> datetime | None:
    moments = [t for m in live.messages for t in (m.created_on, m.edited_on, m.deleted_on) if t is not None]
    return max(moments, default=None)
