"""Without ACS_CONNECTION_STRING the site subscribes itself to its embedded emulator: local behaves like
production, events included."""

import uuid

import pytest

from chatsite.chat.actors import Actor
from chatsite.chat.services import messages, threads
from chatsite.emulator.events.models import EventDelivery, EventSubscription
from chatsite.events import local

from .support import SECRET, wait_for


@pytest.fixture
def embedded(emulator, settings, monkeypatch):
    settings.ACS_CONNECTION_STRING = None
    settings.ACS_CA_CERT = None
    settings.ACS_EVENTS = "eventgrid"
    settings.EVENTGRID_SECRET = SECRET
    monkeypatch.setattr(local, "_subscribed", False)


def test_the_embedded_setup_delivers_events_to_the_site_itself(embedded, ana, bruno):
    thread = threads.thread_create(
        actor=Actor.person(ana.user), topic="Local", participants=[bruno.user], idempotency_token=str(uuid.uuid4())
    )
    subscription = EventSubscription.objects.get(name=local.SUBSCRIPTION)
    assert subscription.endpoint.startswith("inprocess:/events/acs/?secret=")

    messages.message_send(actor=Actor.person(ana.user), thread_id=thread.acs_thread_id, content="Through Event Grid")

    wait_for(lambda: not EventDelivery.objects.exists(), what="the in-process deliveries")
    thread.refresh_from_db()
    assert (thread.last_message_preview, thread.last_message_sender_name) == ("Through Event Grid", "Ana")


def test_a_site_that_polls_is_not_subscribed(embedded, settings, ana, monkeypatch):
    threads.thread_create(
        actor=Actor.person(ana.user), topic="Events", participants=[], idempotency_token=str(uuid.uuid4())
    )
    assert EventSubscription.objects.filter(name=local.SUBSCRIPTION).exists()

    # The next process starts with ACS_EVENTS=poll.
    settings.ACS_EVENTS = "poll"
    monkeypatch.setattr(local, "_subscribed", False)
    threads.thread_create(
        actor=Actor.person(ana.user), topic="Polled", participants=[], idempotency_token=str(uuid.uuid4())
    )
    assert not EventSubscription.objects.exists()
