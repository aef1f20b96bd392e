"""Every chat URL answers htmx with a fragment and a browser with a page, so every answer says `Vary: HX-Request`:
a cache or the back button never shows a fragment as a page."""

from django.test import Client
from django.urls import reverse
from django.utils.cache import has_vary_header

from chatsite.chat.actors import Actor
from chatsite.chat.services import messages

from .conftest import HTMX


def test_every_page_and_fragment_varies_by_hx_request(ana, thread_id):
    message_id = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Hello")
    gets = [
        reverse("chat:thread_list"),
        reverse("chat:thread_list_poll"),
        reverse("chat:thread_create"),
        reverse("chat:thread_detail", args=[thread_id]),
        reverse("chat:topic", args=[thread_id]),
        reverse("chat:topic_edit", args=[thread_id]),
        reverse("chat:thread_poll", args=[thread_id]) + "?marker=0",
        reverse("chat:message_detail", args=[thread_id, message_id]),
        reverse("chat:message_edit", args=[thread_id, message_id]),
        reverse("chat:participants", args=[thread_id]),
        reverse("chat:participants_add", args=[thread_id]),
    ]
    for url in gets:
        for headers in ({}, HTMX):
            response = ana.get(url, **headers)
            assert response.status_code < 400, (url, headers, response.status_code)
            assert has_vary_header(response, "HX-Request"), (url, headers)

    send = reverse("chat:message_send", args=[thread_id])
    for headers in ({}, HTMX):
        refused = ana.post(send, {"content": ""}, **headers)
        assert refused.status_code == 422
        assert has_vary_header(refused, "HX-Request")
        sent = ana.post(send, {"content": "Hi"}, **headers)
        assert sent.status_code in (200, 302)
        assert has_vary_header(sent, "HX-Request")


def test_answers_to_a_logged_out_or_stale_page_vary_by_hx_request(ana, thread_id):
    page = reverse("chat:thread_detail", args=[thread_id])
    for headers in ({}, HTMX):
        assert has_vary_header(Client().get(page, **headers), "HX-Request")

    stale = Client(enforce_csrf_checks=True)
    stale.force_login(ana.user)
    for headers in ({}, HTMX):
        refused = stale.post(reverse("chat:message_send", args=[thread_id]), {"content": "Hi"}, **headers)
        assert refused.status_code == 403
        assert has_vary_header(refused, "HX-Request")
