"""The one place that builds ACS SDK clients: every client gets the same CA, timeouts, retries and counting.

Retries are few and short so a throttled (429) or absent ACS turns into a banner within seconds instead of
hanging the page for azure-core's default ten retries with backoff up to two minutes.
"""

from urllib.parse import urlsplit

from azure.communication.chat import ChatClient, ChatThreadClient, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy
from django.conf import settings

from . import config
from .signals import acs_request

CONNECT_TIMEOUT = 3
# Longest wait honoured from a Retry-After header before the one retry.
MAX_RETRY_AFTER = 1.0


class _CountingPolicy(SansIOHTTPPolicy):
    """Announces every outgoing request (after the retry policy, so each retry counts too)."""

    def on_request(self, request):
        http_request = request.http_request
        acs_request.send(sender=None, method=http_request.method, path=urlsplit(http_request.url).path)


class _ShortRetryPolicy(RetryPolicy):
    def get_retry_after(self, response):
        retry_after = super().get_retry_after(response)
        return min(retry_after, MAX_RETRY_AFTER) if retry_after else retry_after


def _options(acs: config.AcsConfig) -> dict:
    return {
        "connection_verify": acs.verify,
        "connection_timeout": min(CONNECT_TIMEOUT, settings.ACS_TIMEOUT),
        "read_timeout": settings.ACS_TIMEOUT,
        "retry_policy": _ShortRetryPolicy(retry_total=1, retry_backoff_factor=0.2, retry_backoff_max=1),
        "per_retry_policies": [_CountingPolicy()],
    }


def identity_client() -> CommunicationIdentityClient:
    acs = config.current()
    return CommunicationIdentityClient.from_connection_string(acs.connection_string, **_options(acs))


def chat_client(token: str) -> ChatClient:
    acs = config.current()
    return ChatClient(acs.endpoint, CommunicationTokenCredential(token), **_options(acs))


def thread_client(token: str, thread_id: str) -> ChatThreadClient:
    acs = config.current()
    return ChatThreadClient(acs.endpoint, CommunicationTokenCredential(token), thread_id, **_options(acs))
