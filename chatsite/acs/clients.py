"""The one place that builds ACS SDK clients: every client gets the same CA, timeouts, retries and counting.

Retries are few and short so a throttled (429) or absent ACS turns into a banner within seconds instead of
hanging the page for azure-core's default ten retries with backoff up to two minutes.

Every client of a thread shares one requests.Session (so one pool of kept-alive TLS connections) instead of a
new connection per call: a TLS handshake costs more than most ACS answers. Sessions are per thread because a
requests.Session is not documented as thread-safe; the CA, timeouts and credential stay per call.
"""

import threading
from urllib.parse import urlsplit

import requests
from azure.communication.chat import ChatClient, ChatThreadClient, CommunicationTokenCredential
from azure.communication.identity import CommunicationIdentityClient
from azure.core.pipeline.policies import RetryPolicy, SansIOHTTPPolicy
from azure.core.pipeline.transport import RequestsTransport
from django.conf import settings

from . import config
from .signals import acs_request

CONNECT_TIMEOUT = 3
# A short look that must not hold a person's page for another full ACS_TIMEOUT (finding a send whose answer was
# late): its own read timeout, and no retry, since the page asks again.
LOOKUP_TIMEOUT = 3
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


_local = threading.local()


def _transport(acs: config.AcsConfig) -> RequestsTransport:
    """This thread's transport for this CA and these timeouts, over the thread's kept-alive session.

    A transport handed to a client carries the connection settings itself (the client's own are only used for
    a transport it creates); clients never close it (session_owner=False).
    """
    connection = {
        "connection_verify": acs.verify,
        "connection_timeout": min(CONNECT_TIMEOUT, settings.ACS_TIMEOUT),
        "read_timeout": settings.ACS_TIMEOUT,
    }
    if not hasattr(_local, "session"):
        _local.session, _local.transports = requests.Session(), {}
    cache_key = tuple(connection.values())
    transport = _local.transports.get(cache_key)
    if transport is None:
        transport = RequestsTransport(session=_local.session, session_owner=False, **connection)
        _local.transports[cache_key] = transport
    return transport


def _options(acs: config.AcsConfig) -> dict:
    return {
        "transport": _transport(acs),
        "retry_policy": _ShortRetryPolicy(retry_total=1, retry_backoff_factor=0.2, retry_backoff_max=1),
        "per_retry_policies": [_CountingPolicy()],
    }


def lookup_options() -> dict:
    """Per-call options for a short look (`client.list_messages(..., **lookup_options())`): azure-core applies
    them to that call only, over the same transport and session."""
    return {
        "connection_timeout": min(CONNECT_TIMEOUT, LOOKUP_TIMEOUT),
        "read_timeout": LOOKUP_TIMEOUT,
        "retry_total": 0,
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
