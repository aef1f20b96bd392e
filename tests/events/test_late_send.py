"""A send whose answer never came (ACS stored it, then answered too late for the site and for its lookup): ACS's
Event Grid event makes the site read the thread, which finds the message by its client id once ACS answers again
(the delivery failed while it did not, and Event Grid delivered it again), so the page's retry says "Sent" without
another ACS call, and everyone else sees the message. The event alone confirms nothing: a forged one could
otherwise make a message that ACS never got look sent."""

import uuid

from django.urls import reverse

from chatsite.acs import clients
from chatsite.chat.models import MessageSend
from tests.chat.conftest import HTMX, Page

from .support import wait_for


def test_a_send_confirmed_by_the_read_its_event_hints_at_is_sent_on_retry_without_an_acs_call(
    site, ana, bruno, thread_id, settings, monkeypatch, acs_calls
):
    bruno_page = Page(bruno, thread_id)
    ana.get(reverse("chat:thread_detail", args=[thread_id]))  # her token is fetched before ACS slows down
    url = reverse("chat:message_send", args=[thread_id])
    data = {"content": "stored, answered late", "client_id": str(uuid.uuid4())}
    settings.ACS_TIMEOUT = 1
    monkeypatch.setattr(clients, "LOOKUP_TIMEOUT", 1)
    settings.ACS_EMULATOR_DELAY = 1.5  # every answer comes after the site gave up waiting
    try:
        first = ana.post(url, data, **HTMX)
        assert first.status_code == 503  # unknown yet: the page keeps "Sending…" and asks again
    finally:
        settings.ACS_EMULATOR_DELAY = 0
    stored = wait_for(lambda: MessageSend.objects.exclude(message_id="").first(), timeout=30, what="the read")
    acs_calls.clear()
    again = ana.post(url, data, **HTMX)  # the page's outbox, after Retry-After

    assert again.status_code == 200 and again["X-Message-Id"] == stored.message_id
    assert acs_calls == []
    assert "stored, answered late" in bruno_page.poll()
