"""Continuation links handed to pages: only the site's own, for the same list, are ever followed, and they carry
only ACS's opaque continuation (the query of its nextLink), never a URL."""

import pytest
from django.core import signing
from hypothesis import given
from hypothesis import strategies as st

from chatsite.acs.continuation import THREADS_PATH, continuation_of, messages_path, next_link
from chatsite.acs.errors import AcsBadContinuation
from chatsite.chat.selectors.paging import sign, unsign

pytestmark = pytest.mark.unit

CONTINUATION = "syncState=3e47000000313&startTime=0&maxPageSize=30"
SALT = "chatsite.chat.page"
THREAD = "19:abc@thread.v2"
ENDPOINT = "https://chat-example.communication.azure.com/"


@pytest.fixture(autouse=True)
def acs_resource(settings):
    """A configured ACS resource (nothing is called: building a link needs only its endpoint)."""
    settings.ACS_CONNECTION_STRING = f"endpoint={ENDPOINT};accesskey=c2VjcmV0c2VjcmV0"
    settings.ACS_CA_CERT = None


@given(continuation=st.text(min_size=1), scope=st.text())
def test_a_signed_continuation_comes_back_for_its_scope(continuation, scope):
    assert unsign(sign(continuation, scope=scope), scope=scope) == continuation


def test_no_continuation_means_no_token():
    assert sign(None, scope="threads") is None
    assert sign("", scope="threads") is None
    assert unsign(None, scope="threads") is None
    assert unsign("", scope="threads") is None


def test_a_token_signed_for_one_list_is_refused_for_another():
    token = sign(CONTINUATION, scope=THREAD)

    with pytest.raises(AcsBadContinuation):
        unsign(token, scope="19:other@thread.v2")
    with pytest.raises(AcsBadContinuation):
        unsign(token, scope="threads")


def test_a_tampered_token_is_refused():
    token = sign(CONTINUATION, scope="threads")
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    for forged in (flipped, token + "x", token[:-1]):
        with pytest.raises(AcsBadContinuation):
            unsign(forged, scope="threads")


def test_a_token_signed_for_something_else_is_refused():
    for other in (
        signing.dumps({"s": "threads", "l": CONTINUATION}),  # another salt
        signing.dumps([CONTINUATION, "threads"], salt=SALT),
        signing.dumps(CONTINUATION, salt=SALT),
        signing.dumps({"s": "threads", "l": ["not", "text"]}, salt=SALT),
    ):
        with pytest.raises(AcsBadContinuation):
            unsign(other, scope="threads")


@given(st.text(min_size=1))
def test_any_text_from_a_page_is_refused_with_a_400(token):
    with pytest.raises(AcsBadContinuation) as refused:
        unsign(token, scope="threads")
    assert refused.value.status == 400


def test_only_the_query_of_acs_next_link_is_kept():
    link = (
        "https://contoso.westus.communications.azure.com/chat/threads/19:453dafb77b26481ea2e73bcada0324af@thread.v2"
        "/messages?syncState=3e4700&startTime=0&maxPageSize=5&api-version=2024-03-07"
    )  # the spec's example nextLink

    assert continuation_of(link) == "syncState=3e4700&startTime=0&maxPageSize=5"
    assert continuation_of(None) is None
    assert continuation_of("") is None


def test_the_link_is_built_on_the_configured_endpoint_at_the_list_own_path():
    assert next_link(THREADS_PATH, "syncState=e30&maxPageSize=20") == (
        "https://chat-example.communication.azure.com/chat/threads?syncState=e30&maxPageSize=20"
    )
    assert next_link(messages_path(THREAD), "continuationToken=eyJ9&api-version=1999-01-01") == (
        "https://chat-example.communication.azure.com/chat/threads/19%3Aabc%40thread.v2/messages"
        "?continuationToken=eyJ9"
    )
    assert next_link(THREADS_PATH, None) is None


@pytest.mark.parametrize(
    "forged",
    [
        "https://127.0.0.1:9/chat/threads?syncState=x",
        "//127.0.0.1:9/chat/threads?syncState=x",
        "http://evil.example/",
        "/chat/threads?syncState=x",
        "?syncState=x",
        "syncState=x&&maxPageSize=1",
        "@evil.example",
        "a=" + "x" * 5000,
    ],
)
def test_anything_but_a_plain_query_is_refused(forged):
    with pytest.raises(AcsBadContinuation):
        next_link(THREADS_PATH, forged)


@given(st.text())
def test_whatever_a_continuation_holds_the_link_stays_on_the_endpoint(continuation):
    try:
        link = next_link(messages_path(THREAD), continuation)
    except AcsBadContinuation:
        return
    assert link.startswith("https://chat-example.communication.azure.com/chat/threads/19%3Aabc%40thread.v2/messages?")
    assert "#" not in link
