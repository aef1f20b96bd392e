"""Poll mode: a thread another ACS client creates with a person shows in their open list within 30 s, the list's
poll listing their threads from ACS at most once per services.listed.LISTING_EVERY, and never while the list is
not open."""

from azure.communication.chat import (
    ChatClient,
    ChatParticipant,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)
from django.urls import reverse

from chatsite.acs.identities import credentials_for
from chatsite.chat.live import keys
from chatsite.chat.live.keys import Gate
from tests.chat.conftest import HTMX
from tests.chat.test_inbox import parse_rows, poll_url
from tests.emulator.conftest import identity_client  # noqa: F401 - shared fixture


def test_the_lists_poll_finds_a_thread_made_elsewhere_once_its_listing_is_due(
    emulator, identity_client, ana, bruno, thread_id, settings, acs_calls  # noqa: F811
):
    from django.core.cache import cache

    settings.ACS_EVENTS = "poll"
    page = bruno.get(reverse("chat:thread_list")).content.decode()
    url = poll_url(page)
    user, token = identity_client.create_user_and_token(scopes=["chat"])
    client = ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    )
    bruno_id = CommunicationUserIdentifier(credentials_for(bruno.user).acs_user_id)
    client.create_chat_thread("Made elsewhere", thread_participants=[ChatParticipant(identifier=bruno_id)])
    acs_calls.clear()

    assert bruno.get(url, **HTMX).status_code == 204  # the page just listed: the next listing is not due yet
    assert acs_calls == []

    cache.delete(keys.gate(Gate.LISTING, bruno.user.pk))  # LISTING_EVERY (25 s) later
    answer = bruno.get(url, **HTMX)
    assert sorted(row[0] for row in parse_rows(answer.content.decode())) == ["Lunch", "Made elsewhere"]
    assert [method for method, _path in acs_calls] == ["GET"]  # ACS's list of Bruno's threads, once

    acs_calls.clear()
    again = bruno.get(poll_url(answer.content.decode()), **HTMX)
    assert again.status_code == 204 and acs_calls == []  # not due again for LISTING_EVERY


def test_with_event_grid_the_lists_poll_never_lists(ana, bruno, thread_id, settings, acs_calls):
    from django.core.cache import cache

    settings.ACS_EVENTS = "eventgrid"
    url = poll_url(bruno.get(reverse("chat:thread_list")).content.decode())
    cache.delete(keys.gate(Gate.LISTING, bruno.user.pk))
    acs_calls.clear()
    assert bruno.get(url, **HTMX).status_code == 204
    assert acs_calls == []
