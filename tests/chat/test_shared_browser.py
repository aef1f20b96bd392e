"""One browser, two people in turn: a message written on a page made for one account is never sent as another
(static/js/thread.js keeps unsent messages with the mark of the account its page was made for)."""

import re
import uuid

from django.urls import reverse

from .conftest import HTMX


def owner_of_page(client, thread_id):
    html = client.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    [mark] = re.findall(r'name="owner" value="([^"]+)"', html)
    assert f'data-owner="{mark}"' in html  # the page names its person as its composer does
    return mark


def sends(acs_calls):
    return [c for c in acs_calls if c[0] == "POST" and c[1].endswith("/messages")]


def test_a_message_written_on_another_accounts_page_is_refused_and_not_sent(ana, bruno, thread_id, acs_calls):
    anas = owner_of_page(ana, thread_id)
    acs_calls.clear()
    send = reverse("chat:message_send", args=[thread_id])

    for headers in (HTMX, {}):
        words = {"content": "Ana's words", "owner": anas, "client_id": str(uuid.uuid4())}
        response = bruno.post(send, words, **headers)
        assert response.status_code == 409
        html = response.content.decode()
        assert "It was not sent." in html and "Ana's words" not in html
    assert sends(acs_calls) == []

    own = {"content": "Bruno's words", "owner": owner_of_page(bruno, thread_id), "client_id": str(uuid.uuid4())}
    assert bruno.post(send, own, **HTMX).status_code == 200
    assert len(sends(acs_calls)) == 1


def test_each_person_has_their_own_mark(ana, bruno, thread_id):
    assert owner_of_page(ana, thread_id) != owner_of_page(bruno, thread_id)
    assert owner_of_page(ana, thread_id) == owner_of_page(ana, thread_id)
