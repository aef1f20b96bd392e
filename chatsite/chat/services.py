"""Writes: accounts, and what the site changes in ACS (each ACS write bumps the thread's poll marker)."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from chatsite.acs import clients, service
from chatsite.acs.errors import acs_errors
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.participants import participant

from . import polling
from .models import Profile, Thread
from .people import display_name


@transaction.atomic
def account_create(*, username: str, password: str, display_name: str):
    user = get_user_model().objects.create_user(username=username, password=password)
    Profile.objects.create(user=user, display_name=display_name)
    return user


def thread_create(*, user, topic: str, participants, idempotency_token: str) -> Thread:
    """Create the thread in ACS with `user` and `participants`; the same token twice yields one thread."""
    credentials = credentials_for(user)
    now = timezone.now()
    members = [participant(credentials.acs_user_id, display_name(user), now)]
    members += [participant(identity_for(p).acs_user_id, display_name(p), now) for p in participants]
    # The site's service identity joins every thread, with all history, so staff can moderate it.
    members.append(participant(service.identity().acs_user_id, service.display_name()))
    with acs_errors():
        result = clients.chat_client(credentials.token).create_chat_thread(
            topic, thread_participants=members, idempotency_token=idempotency_token
        )
    acs_thread = result.chat_thread
    thread, created = Thread.objects.get_or_create(
        acs_thread_id=acs_thread.id,
        defaults={
            "topic": acs_thread.topic or topic,
            "created_by": user,
            "participant_count": len(members) - 1,
            "last_activity_at": now,
        },
    )
    if created:
        thread.participants.set([user, *participants])
    return thread


def message_send(*, user, thread_id: str, content: str) -> str:
    credentials = credentials_for(user)
    with acs_errors():
        result = clients.thread_client(credentials.token, thread_id).send_message(
            content, sender_display_name=display_name(user)
        )
    polling.bump(thread_id)
    return result.id


def message_edit(*, user, thread_id: str, message_id: str, content: str) -> None:
    credentials = credentials_for(user)
    with acs_errors():
        clients.thread_client(credentials.token, thread_id).update_message(message_id, content=content)
    polling.bump(thread_id)


def message_delete(*, user, thread_id: str, message_id: str) -> None:
    credentials = credentials_for(user)
    with acs_errors():
        clients.thread_client(credentials.token, thread_id).delete_message(message_id)
    polling.bump(thread_id)
