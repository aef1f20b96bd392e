"""The site's service identity: one ACS user, in every thread the site creates, never shown to people."""

import uuid

from django.urls import reverse

from chatsite.acs import identities, service
from chatsite.acs.models import ServiceIdentity
from chatsite.chat.actors import Actor
from chatsite.chat.services import membership, threads
from tests.sdk import raw_id

from .conftest import thread_client_for


def test_created_once_and_token_cached(emulator, acs_calls):
    first = identities.credentials(identities.service_identity())
    calls = len(acs_calls)
    assert identities.credentials(identities.service_identity()) == first
    assert len(acs_calls) == calls  # the cached token serves
    assert ServiceIdentity.objects.count() == 1
    assert service.is_service_identity(first.acs_user_id)
    assert not service.is_service_identity("8:acs:someone-else")
    assert not service.is_service_identity(None)


def test_expired_token_is_replaced(emulator):
    first = identities.credentials(identities.service_identity())
    ServiceIdentity.objects.update(token_expires_on=None)
    again = identities.credentials(identities.service_identity())
    assert again.acs_user_id == first.acs_user_id
    assert ServiceIdentity.objects.get().token_expires_on is not None


def test_joins_every_thread_the_site_creates(thread, alice):
    ids = [raw_id(p.identifier) for p in thread_client_for(alice, thread).list_participants()]
    assert identities.service_identity().acs_user_id in ids
    assert thread.participant_count == 2
    assert set(thread.participants.values_list("username", flat=True)) == {"alice", "bob"}


def test_hidden_from_people_wording(client, thread, alice, bob):
    client.force_login(alice)
    html = client.get(reverse("chat:thread_detail", args=[thread.acs_thread_id])).content.decode()
    assert "<bdi>Alice</bdi> added <bdi>Bob</bdi>" in html
    assert service.display_name() not in html
    membership.participant_remove(
        actor=Actor.service(), thread_id=thread.acs_thread_id, acs_user_id=bob.acs_identity.acs_user_id
    )
    html = client.get(reverse("chat:thread_detail", args=[thread.acs_thread_id])).content.decode()
    assert "<bdi>A moderator</bdi> removed <bdi>Bob</bdi>" in html


def test_a_thread_with_only_the_creator_still_has_the_service(alice):
    thread = threads.thread_create(
        actor=Actor.person(alice), topic="Notes", participants=[], idempotency_token=str(uuid.uuid4())
    )
    live = threads.thread_refresh(thread=thread)
    assert [m.user for m in live.members] == [alice]
