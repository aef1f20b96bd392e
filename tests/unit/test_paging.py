"""Continuation links handed to pages: only the site's own, for the same list, are ever followed."""

import pytest
from django.core import signing
from hypothesis import given
from hypothesis import strategies as st

from chatsite.chat.selectors.paging import sign, unsign

pytestmark = pytest.mark.unit

LINK = "https://acs.example/chat/threads/19:abc@thread.v2/messages?syncState=xyz&maxPageSize=30"
SALT = "chatsite.chat.page"


@given(link=st.text(min_size=1), scope=st.text())
def test_a_signed_link_comes_back_for_its_scope(link, scope):
    assert unsign(sign(link, scope=scope), scope=scope) == link


def test_no_link_means_no_token():
    assert sign(None, scope="threads") is None
    assert sign("", scope="threads") is None
    assert unsign(None, scope="threads") is None
    assert unsign("", scope="threads") is None


def test_a_link_signed_for_one_list_is_refused_for_another():
    token = sign(LINK, scope="19:abc@thread.v2")

    assert unsign(token, scope="19:other@thread.v2") is None
    assert unsign(token, scope="threads") is None


def test_a_tampered_token_is_refused():
    token = sign(LINK, scope="threads")
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]

    assert unsign(flipped, scope="threads") is None
    assert unsign(token + "x", scope="threads") is None
    assert unsign(token[:-1], scope="threads") is None


def test_a_token_signed_for_something_else_is_refused():
    assert unsign(signing.dumps({"s": "threads", "l": LINK}), scope="threads") is None  # another salt
    assert unsign(signing.dumps([LINK, "threads"], salt=SALT), scope="threads") is None
    assert unsign(signing.dumps(LINK, salt=SALT), scope="threads") is None


@given(st.text())
def test_any_text_from_a_page_is_refused_without_an_error(token):
    assert unsign(token, scope="threads") is None
