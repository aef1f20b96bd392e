"""Test support for the chat API tests: an ACS user with its SDK clients (sync and async); the fixtures that make
them are in conftest.py."""

import dataclasses

from azure.communication.chat import ChatClient
from azure.communication.chat.aio import ChatClient as AsyncChatClient
from azure.communication.chat.aio import CommunicationTokenCredential as AsyncCommunicationTokenCredential
from azure.core.rest import HttpRequest


@dataclasses.dataclass
class Member:
    user: object  # CommunicationUserIdentifier
    token: str
    client: ChatClient
    ca_cert: str

    @property
    def id(self) -> str:
        return self.user.properties["id"]

    def thread(self, thread_id: str, **kwargs):
        # get_chat_thread_client does not inherit the ChatClient's transport options.
        return self.client.get_chat_thread_client(thread_id, connection_verify=self.ca_cert, **kwargs)

    def raw(self, method: str, path: str, *, api_version: str = "2024-03-07", **kwargs):
        """A request through the SDK's own pipeline (token, TLS) for what its typed methods cannot send;
        no retries, so a 429 comes back as it is."""
        request = HttpRequest(method, path, params={"api-version": api_version}, **kwargs)
        return self.client._client._send_request(request, retry_total=0)

    def async_client(self) -> AsyncChatClient:
        return AsyncChatClient(
            self.client._endpoint,
            AsyncCommunicationTokenCredential(self.token),
            connection_verify=self.ca_cert,
        )


def ids(identifiers) -> set[str]:
    return {i.properties["id"] for i in identifiers}
