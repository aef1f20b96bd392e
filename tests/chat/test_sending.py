"""Sending exactly once per person and client id, as ACS sees it (counted through the SDK), whoever else used the
client id, whatever the cache lost, and however late ACS answers."""

import uuid
from datetime import timedelta
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.signals import acs_request
from chatsite.chat.actors import Actor
from chatsite.chat.models import MessageSend
from chatsite.chat.services import ahead, messages

from .conftest import HTMX


def post(client, thread_id, content, client_id):
    return client.post(
        reverse("chat:message_send", args=[thread_id]), {"content": content, "client_id": client_id}, **HTMX
    )


def stored(person, thread_id) -> list[tuple[str, str, str]]:
    """What ACS holds: (id, sender's ACS id, words) of every text message, oldest first."""
    thread = clients.thread_client(credentials_for(person.user).token, thread_id)
    found = [m for m in thread.list_messages() if m.type == "text"]
    return [(m.id, m.sender.properties["id"], m.content.message) for m in reversed(found)]


def test_a_client_id_someone_else_used_first_neither_suppresses_nor_borrows(ana, bruno, thread_id):
    shared = str(uuid.uuid4())
    bruno_sent = post(bruno, thread_id, "Bruno's words", shared)
    assert bruno_sent.status_code == 200

    ana_sent = post(ana, thread_id, "Ana's words", shared)
    assert ana_sent.status_code == 200
    assert ana_sent["X-Message-Id"] != bruno_sent["X-Message-Id"]
    # Each one's retry is their own message again.
    assert post(bruno, thread_id, "Bruno's words", shared)["X-Message-Id"] == bruno_sent["X-Message-Id"]
    assert post(ana, thread_id, "Ana's words", shared)["X-Message-Id"] == ana_sent["X-Message-Id"]

    ana_id, bruno_id = identity_for(ana.user).acs_user_id, identity_for(bruno.user).acs_user_id
    assert stored(ana, thread_id) == [
        (bruno_sent["X-Message-Id"], bruno_id, "Bruno's words"),
        (ana_sent["X-Message-Id"], ana_id, "Ana's words"),
    ]


def test_a_retry_racing_the_first_send_waits_for_it_instead_of_sending_again(ana, thread_id):
    """The answer to the first send is lost to the page (a reload): the reloaded tab sends its outbox again while
    the first request is still on its way to ACS."""
    tab = Client()
    tab.force_login(ana.user)
    client_id = str(uuid.uuid4())
    raced = []

    def meanwhile(sender, method, path, **kwargs):
        if method == "POST" and path.endswith("/messages") and not raced:
            raced.append(None)
            raced[0] = post(tab, thread_id, "only once", client_id)

    acs_request.connect(meanwhile)
    try:
        first = post(ana, thread_id, "only once", client_id)
    finally:
        acs_request.disconnect(meanwhile)

    assert first.status_code == 200
    # Not known yet: the tab keeps the words as "Sending…" and asks again after Retry-After (static/js/thread.js).
    assert raced[0].status_code == 503 and int(raced[0]["Retry-After"]) >= 1
    again = post(tab, thread_id, "only once", client_id)
    assert again.status_code == 200 and again["X-Message-Id"] == first["X-Message-Id"]
    assert [words for _, _, words in stored(ana, thread_id)] == ["only once"]


def test_a_retry_after_the_cache_was_lost_is_not_sent_again(ana, thread_id):
    client_id = str(uuid.uuid4())
    first = post(ana, thread_id, "kept once", client_id)
    assert first.status_code == 200

    cache.clear()  # a Redis restart, an evicted key, another runserver process
    again = post(ana, thread_id, "kept once", client_id)

    assert again.status_code == 200 and again["X-Message-Id"] == first["X-Message-Id"]
    assert [(message_id, words) for message_id, _, words in stored(ana, thread_id)] == [
        (first["X-Message-Id"], "kept once")
    ]


def test_staff_sends_are_kept_once_per_client_id_as_the_service_identity(ana, thread_id):
    client_id = str(uuid.uuid4())
    staff = Actor.service()
    first = messages.message_send(actor=staff, thread_id=thread_id, content="From the moderators", client_id=client_id)
    cache.clear()
    again = messages.message_send(actor=staff, thread_id=thread_id, content="From the moderators", client_id=client_id)
    ana_sent = post(ana, thread_id, "Ana's own", client_id)  # the same client id from a person is hers

    assert again == first and ana_sent.status_code == 200 and ana_sent["X-Message-Id"] != first
    assert [(i, words) for i, _, words in stored(ana, thread_id)] == [
        (first, "From the moderators"),
        (ana_sent["X-Message-Id"], "Ana's own"),
    ]


def test_a_send_answered_late_is_confirmed_by_the_lookup_with_its_own_timeout(
    ana, thread_id, settings, monkeypatch, acs_calls
):
    ana.get(reverse("chat:thread_detail", args=[thread_id]))  # her token is fetched before ACS slows down
    settings.ACS_TIMEOUT = 1  # the send gives up after 1 s...
    monkeypatch.setattr(clients, "LOOKUP_TIMEOUT", 5)  # ...the lookup has its own timeout, here the longer
    settings.ACS_EMULATOR_DELAY = 1.5  # ACS stores the message at once and answers 1.5 s later
    acs_calls.clear()
    answered = []  # the calls made before the answer: after it, the change's read for her open page begins
    read_ahead = ahead.change_read_ahead
    monkeypatch.setattr(
        ahead, "change_read_ahead", lambda **change: (answered.append(len(acs_calls)), read_ahead(**change))
    )

    sent = post(ana, thread_id, "late but stored", str(uuid.uuid4()))
    calls = acs_calls[: answered[0]]
    settings.ACS_EMULATOR_DELAY = 0

    assert sent.status_code == 200  # "Sent", from the first request, not "Not sent"
    assert [(message_id, words) for message_id, _, words in stored(ana, thread_id)] == [
        (sent["X-Message-Id"], "late but stored")
    ]
    # One send, then one lookup (not retried, not waiting out the site's ACS timeout).
    path = f"/chat/threads/{quote(thread_id)}/messages"
    assert calls == [("POST", path), ("GET", path)]


def test_old_send_records_are_purged_now_and_then(ana, thread_id):
    old = MessageSend.objects.create(thread_id=thread_id, sender_id="8:acs:old", client_id="old", message_id="1")
    MessageSend.objects.filter(pk=old.pk).update(created_at=timezone.now() - messages.SEND_RETENTION - timedelta(1))

    assert post(ana, thread_id, "new", str(uuid.uuid4())).status_code == 200

    assert MessageSend.objects.count() == 1 and not MessageSend.objects.filter(pk=old.pk).exists()


@pytest.fixture(autouse=True)
def _no_delay_left(settings):
    yield
    settings.ACS_EMULATOR_DELAY = 0
