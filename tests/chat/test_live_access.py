"""The live path shows each person only what ACS would show them now: removed and left people get their ended
state and never a new message, whoever polls first; members miss nothing; sends and tokens survive ACS trouble."""

import dataclasses
import re
from datetime import timedelta

import pytest
from azure.communication.identity import CommunicationUserIdentifier
from django.core.cache import cache
from django.db.models import F
from django.urls import reverse

from chatsite.acs import clients
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.models import AcsIdentity
from chatsite.chat.live import keys, polling
from chatsite.chat.models import MessageSend
from chatsite.chat.services import messages

from .conftest import HTMX, Page


def send(client, thread_id, text):
    response = client.post(reverse("chat:message_send", args=[thread_id]), {"content": text}, **HTMX)
    assert response.status_code == 200, response.content
    return response


def remove(by, thread_id, person):
    response = by.post(
        reverse("chat:participant_remove", args=[thread_id]),
        {"participant": identity_for(person.user).acs_user_id},
        **HTMX,
    )
    assert response.status_code == 200


@pytest.fixture
def dora(make_person, ana, thread_id):
    dora = make_person("dora", "Dora")
    response = ana.post(
        reverse("chat:participants_add", args=[thread_id]), {"people": [dora.user.pk], "history": "all"}, **HTMX
    )
    assert response.status_code == 200
    return dora


@pytest.mark.parametrize("removed_polls_first", [True, False], ids=["removed-polls-first", "member-polls-first"])
def test_removed_person_gets_nothing_new_and_members_miss_nothing(ana, bruno, dora, thread_id, removed_polls_first):
    bruno_page, dora_page = Page(bruno, thread_id), Page(dora, thread_id)
    remove(ana, thread_id, dora)

    for number in range(3):
        send(ana, thread_id, f"after removal {number}")
        order = [dora_page, bruno_page] if removed_polls_first else [bruno_page, dora_page]
        for page in order:
            page.poll()

    for number in range(3):
        assert f"after removal {number}" in bruno_page.seen
        assert f"after removal {number}" not in dora_page.seen
    assert "You were removed from this chat." in dora_page.seen
    # Her later polls still carry nothing new, and her history stays readable on the page itself.
    assert "after removal" not in dora.get(dora_page.url, **HTMX).content.decode()
    page = dora.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert "You were removed from this chat." in page and "after removal" not in page


def test_person_who_left_gets_nothing_new(ana, bruno, thread_id):
    bruno_page, ana_page = Page(bruno, thread_id), Page(ana, thread_id)
    assert bruno.post(reverse("chat:thread_leave", args=[thread_id]), **HTMX).status_code == 200
    send(ana, thread_id, "are you still there?")

    assert "You left this chat." in bruno_page.poll()
    bruno_page.poll()
    ana_page.poll()
    assert "are you still there?" not in bruno_page.seen
    assert "are you still there?" in ana_page.seen


def test_removal_by_another_acs_client_ends_the_page_within_one_background_read(
    ana, bruno, dora, thread_id, settings
):
    settings.ACS_EVENTS = "poll"  # a deployment without Event Grid: the periodic read finds the removal
    bruno_page, dora_page = Page(bruno, thread_id), Page(dora, thread_id)
    # Another ACS client (an app on the SDK, as Ana) removes Dora: the site's marker does not move.
    clients.thread_client(credentials_for(ana.user).token, thread_id).remove_participant(
        CommunicationUserIdentifier(identity_for(dora.user).acs_user_id)
    )
    clients.thread_client(credentials_for(ana.user).token, thread_id).send_message("said behind her back")
    # The background read is due (it runs at most every polling.BACKGROUND_INTERVAL per thread).
    key = keys.synced(thread_id)
    synced = cache.get(key)
    cache.set(key, dataclasses.replace(synced, at=synced.at - polling.BACKGROUND_INTERVAL - timedelta(seconds=1)), None)

    dora_page.poll()  # her own poll makes the background read that shows her removal
    bruno_page.poll()
    send(ana, thread_id, "and after")
    dora_page.poll()
    bruno_page.poll()

    assert "You were removed from this chat." in dora_page.seen
    assert "said behind her back" not in dora_page.seen and "and after" not in dora_page.seen
    assert "said behind her back" in bruno_page.seen and "and after" in bruno_page.seen


def test_late_send_is_kept_once_when_sent_again(ana, thread_id, settings, monkeypatch):
    html = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    data = {"content": "only once please", "client_id": client_id}
    settings.ACS_TIMEOUT = 1
    monkeypatch.setattr(clients, "LOOKUP_TIMEOUT", 1)
    settings.ACS_EMULATOR_DELAY = 1.5  # ACS stores the message but answers after the site gave up, lookup too

    first = ana.post(reverse("chat:message_send", args=[thread_id]), data, **HTMX)
    # Unknown yet: the page keeps "Sending…" and its outbox sends again after Retry-After (static/js/thread.js).
    assert first.status_code == 503 and int(first.headers["Retry-After"]) >= 1
    assert first.headers["HX-Reswap"] == "none"  # the draft stays in the composer
    # Still unknown a minute after it went out: "Not sent", with Retry.
    MessageSend.objects.update(sent_at=F("sent_at") - messages.UNCONFIRMED_FOR)
    assert ana.post(reverse("chat:message_send", args=[thread_id]), data, **HTMX).status_code == 503

    settings.ACS_EMULATOR_DELAY = 0
    again = ana.post(reverse("chat:message_send", args=[thread_id]), data, **HTMX)  # the person presses Retry
    assert again.status_code == 200
    assert ana.post(reverse("chat:message_send", args=[thread_id]), data, **HTMX).status_code == 200

    thread = clients.thread_client(credentials_for(ana.user).token, thread_id)
    stored = [m for m in thread.list_messages() if m.type == "text"]
    assert [(m.id, m.content.message) for m in stored] == [(again.headers["X-Message-Id"], "only once please")]


def test_send_answered_late_within_the_timeout_is_not_repeated(ana, thread_id, settings):
    html = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    client_id = re.search(r'name="client_id" value="([^"]+)"', html).group(1)
    data = {"content": "double click", "client_id": client_id}
    for _ in range(2):  # a double click: the same submission twice
        assert ana.post(reverse("chat:message_send", args=[thread_id]), data, **HTMX).status_code == 200
    thread = clients.thread_client(credentials_for(ana.user).token, thread_id)
    assert [m.content.message for m in thread.list_messages() if m.type == "text"] == ["double click"]


def test_token_revoked_by_another_client_is_replaced_without_the_person_noticing(ana, thread_id):
    send(ana, thread_id, "before the revocation")
    old_token = AcsIdentity.objects.get(user=ana.user).token
    clients.identity_client().revoke_tokens(CommunicationUserIdentifier(identity_for(ana.user).acs_user_id))

    send(ana, thread_id, "and after it")  # her own write: ACS refuses the old token once, the site gets a new one

    assert AcsIdentity.objects.get(user=ana.user).token != old_token
    html = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert "before the revocation" in html and "and after it" in html
