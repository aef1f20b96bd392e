"""SDK clients against the live emulator: the same calls an application makes against Azure."""

import pytest
from azure.communication.chat import ChatClient, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient

from tests.emulator.chat_members import Member


@pytest.fixture
def identity_client(emulator):
    return CommunicationIdentityClient.from_connection_string(
        emulator.connection_string, connection_verify=str(emulator.ca_cert)
    )


@pytest.fixture
def make_user(identity_client):
    """make_user(scopes=("chat",)) -> (CommunicationUserIdentifier, token string)."""

    def make(scopes=("chat",)):
        user, token = identity_client.create_user_and_token(scopes=list(scopes))
        return user, token.token

    return make


@pytest.fixture
def chat_client_for(emulator):
    """chat_client_for(token) -> ChatClient speaking to the emulator."""

    def make(token):
        return ChatClient(
            emulator.endpoint, CommunicationTokenCredential(token), connection_verify=str(emulator.ca_cert)
        )

    return make


@pytest.fixture
def member(make_user, chat_client_for, emulator):
    """member(scopes=("chat",)) -> a new ACS user with a ChatClient."""

    def make(scopes=("chat",)) -> Member:
        user, token = make_user(scopes=scopes)
        return Member(user, token, chat_client_for(token), str(emulator.ca_cert))

    return make


@pytest.fixture
def alice(member):
    return member()


@pytest.fixture
def bob(member):
    return member()
