"""The thread page with no JavaScript at all: plain form posts and links, no htmx headers. A refused message comes
back on the whole page, in the composer with its error; "Load older messages" is a link that works."""

import html
import re

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.selectors import messages as message_selectors
from chatsite.chat.services import messages


def test_a_refused_message_comes_back_in_the_composer_on_the_whole_page(ana, thread_id):
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Shall we meet at noon?")
    too_long = "Noon is fine. " + "x" * 29 * 1024

    response = ana.post(reverse("chat:message_send", args=[thread_id]), {"content": too_long})

    assert response.status_code == 422
    page = response.content.decode()
    assert '<h1 dir="auto">Lunch</h1>' in page  # the header
    assert "Shall we meet at noon?" in page  # the messages
    assert "People in this chat" in page  # the panel
    composer = re.search(r'<form id="composer".*?</form>', page, re.S).group(0)
    assert "This message is too long" in composer
    textarea = re.search(r'<textarea id="composer-content"[^>]*>(.*?)</textarea>', composer, re.S)
    assert html.unescape(textarea.group(1)) == too_long
    assert 'aria-invalid="true"' in textarea.group(0)


def test_load_older_messages_is_a_link_that_works_without_script(ana, thread_id, monkeypatch):
    monkeypatch.setattr(message_selectors, "MESSAGES_PER_PAGE", 3)
    actor = Actor.person(ana.user)
    for number in range(6):
        messages.message_send(actor=actor, thread_id=thread_id, content=f"message {number}")

    newest = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert "message 5" in newest and "message 0" not in newest
    link = re.search(r'<a class="button" href="([^"]+)"\s+hx-get="[^"]+"[^>]*>Load older messages</a>', newest)
    assert link, "Load older messages is a link with an href"

    older = ana.get(html.unescape(link.group(1)))

    assert older.status_code == 200
    page = older.content.decode()
    assert "message 2" in page and "message 5" not in page
    assert 'id="composer"' in page
    back = re.search(r'<a class="button" href="([^"]+)">Show the newest messages</a>', page)
    assert back and back.group(1) == reverse("chat:thread_detail", args=[thread_id])
    # An older page does not poll: the newest messages would land after the older ones.
    assert 'id="poller"' not in page
