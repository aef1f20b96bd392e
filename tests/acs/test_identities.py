"""Identities and tokens against the live emulator."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chatsite.acs import clients
from chatsite.acs.errors import AcsError, AcsUnavailable
from chatsite.acs.identities import credentials_for, identity_for
from chatsite.acs.models import AcsIdentity


@pytest.fixture
def person(emulator):
    return get_user_model().objects.create_user("ana", password="pw-ana-123456")


def test_identity_created_once_on_first_need(person, acs_calls):
    first = identity_for(person)
    again = identity_for(person)
    assert first.pk == again.pk
    assert first.acs_user_id.startswith("8:acs:")
    assert len(acs_calls) == 1  # create_user_and_token; the second call is served from the database


def test_fresh_token_is_reused_without_acs_call(person, acs_calls):
    token = credentials_for(person).token
    acs_calls.clear()
    assert credentials_for(person).token == token
    assert acs_calls == []


def test_token_refreshed_near_expiry(person, acs_calls):
    identity = identity_for(person)
    old_token = identity.token
    AcsIdentity.objects.filter(pk=identity.pk).update(token_expires_on=timezone.now() + timedelta(minutes=2))
    acs_calls.clear()

    credentials = credentials_for(person)

    identity.refresh_from_db()
    assert credentials.token == identity.token != old_token
    assert identity.token_expires_on > timezone.now() + timedelta(hours=1)
    assert [method for method, _ in acs_calls] == ["POST"]  # one issueAccessToken
    # The new token works with the chat SDK.
    list(clients.chat_client(credentials.token).list_chat_threads(results_per_page=1))


def test_credentials_never_show_the_token(person):
    credentials = credentials_for(person)
    assert credentials.token not in repr(credentials)
    assert credentials.token not in repr(identity_for(person))


def test_deleting_the_user_deletes_the_acs_user(person, django_capture_on_commit_callbacks):
    acs_user_id = identity_for(person).acs_user_id
    from azure.communication.identity import CommunicationUserIdentifier

    with django_capture_on_commit_callbacks(execute=True):
        person.delete()

    assert not AcsIdentity.objects.filter(acs_user_id=acs_user_id).exists()
    with pytest.raises(Exception):  # noqa: B017 - any SDK error: the ACS user is gone
        clients.identity_client().get_token(CommunicationUserIdentifier(acs_user_id), scopes=["chat"])


def test_acs_away_is_a_domain_error_without_secrets(person, settings):
    settings.ACS_CONNECTION_STRING = "endpoint=https://127.0.0.1:9/;accesskey=" + "a" * 44
    with pytest.raises(AcsUnavailable) as raised:
        identity_for(person)
    assert isinstance(raised.value, AcsError)
    assert "accesskey" not in str(raised.value)
