"""Bad input keeps the draft next to a clear message; ACS trouble shows a banner, never a 500."""

import uuid

from django.urls import reverse

from .conftest import HTMX

CLOSED_PORT = "endpoint=https://127.0.0.1:9/;accesskey=" + "a" * 44


def send(client, thread_id, content):
    return client.post(reverse("chat:message_send", args=[thread_id]), {"content": content}, **HTMX)


def test_empty_message_is_refused_next_to_the_field(ana, thread_id):
    response = send(ana, thread_id, "   ")
    assert response.status_code == 422
    assert "Write something before sending." in response.content.decode()


def test_oversized_message_keeps_the_draft(ana, thread_id):
    draft = "x" * (28 * 1024 + 1)
    response = send(ana, thread_id, draft)
    html = response.content.decode()
    assert response.status_code == 422
    assert "the limit is 28 KB" in html
    assert draft in html


def test_topic_empty_or_too_long(ana, bruno, make_person):
    # Only a chat with several people needs a topic (one with one person is named after them).
    people = [bruno.user.pk, make_person("carla", "Carla").user.pk]
    for topic, error in (("", "Give a chat with several people a topic."), ("t" * 121, "Keep the topic under 120")):
        data = {"topic": topic, "participants": people, "idempotency_token": str(uuid.uuid4())}
        response = ana.post(reverse("chat:thread_create"), data, **HTMX)
        assert response.status_code == 422
        assert error in response.content.decode()
        assert topic in response.content.decode()


def keeps_what_was_typed(response):
    """The banner comes out of band and nothing else is swapped: the composer and its draft stay as they are."""
    return response.headers.get("HX-Reswap") == "none" and 'hx-swap-oob="innerHTML"' in response.content.decode()


def test_acs_away_shows_banner_and_keeps_draft(ana, thread_id, settings):
    settings.ACS_CONNECTION_STRING = CLOSED_PORT
    response = send(ana, thread_id, "still here?")
    html = response.content.decode()
    assert response.status_code == 503
    assert "The chat service is not answering right now." in html
    assert keeps_what_was_typed(response)


def test_acs_away_pages_show_banner(ana, thread_id, settings):
    settings.ACS_CONNECTION_STRING = CLOSED_PORT
    from chatsite.acs.models import AcsIdentity

    # Tokens expired: even getting credentials needs ACS.
    AcsIdentity.objects.update(token_expires_on=None)
    for url in (reverse("chat:thread_list"), reverse("chat:thread_detail", args=[thread_id])):
        response = ana.get(url)
        assert response.status_code == 503
        html = response.content.decode()
        assert "The chat service is not answering right now." in html
        assert "Try again" in html and "All chats" in html


def test_throttled_send_shows_banner_and_keeps_draft(ana, thread_id, throttled_emulator, monkeypatch):
    # ACS allows 10 sends per 10 s per thread (LIMITS.md). The site retries once after at most a second, which
    # may land in the next window; without that wait, a burst of sends is sure to meet a 429.
    monkeypatch.setattr("chatsite.acs.clients.MAX_RETRY_AFTER", 0)
    for number in range(40):
        response = send(ana, thread_id, f"draft {number}")
        if response.status_code != 200:
            break
    html = response.content.decode()
    assert response.status_code == 429, html
    assert int(response["Retry-After"]) >= 1  # how long the page's outbox waits before it sends again
    assert "The chat service is busy." in html
    assert keeps_what_was_typed(response)
