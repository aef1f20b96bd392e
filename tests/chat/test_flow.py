"""The views against the live emulator: from sign-up to messages, edits, deletions and paging."""

import re
import uuid

from django.urls import reverse

from chatsite.chat.actors import Actor
from chatsite.chat.models import Thread
from chatsite.chat.selectors.messages import MESSAGES_PER_PAGE
from chatsite.chat.services import messages

from .conftest import HTMX, PASSWORD


def send(client, thread_id, content):
    return client.post(reverse("chat:message_send", args=[thread_id]), {"content": content}, **HTMX)


def test_sign_up_to_first_message(client, bruno):
    response = client.post(
        reverse("chat:signup"),
        {"username": "carla", "display_name": "Carla", "password1": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(reverse("chat:thread_list")).status_code == 200

    form_page = client.get(reverse("chat:thread_create"))
    assert b"Bruno" in form_page.content
    token = str(uuid.uuid4())
    data = {"topic": "Weekend plans", "participants": [bruno.user.pk], "idempotency_token": token}
    response = client.post(reverse("chat:thread_create"), data)
    assert response.status_code == 302
    thread_url = response.url
    # Submitting the same form again makes no second thread.
    assert client.post(reverse("chat:thread_create"), data).url == thread_url
    assert Thread.objects.count() == 1

    page = client.get(thread_url)
    assert page.status_code == 200
    assert b"Weekend plans" in page.content
    assert "<bdi>Carla</bdi> added <bdi>Bruno</bdi>" in page.content.decode()

    thread_id = Thread.objects.get().acs_thread_id
    response = send(client, thread_id, "Hello <b>Bruno</b>")
    assert response.status_code == 200
    assert "chat:changed" in response.headers["HX-Trigger"]

    html = bruno.get(thread_url).content.decode()
    assert "Hello &lt;b&gt;Bruno&lt;/b&gt;" in html
    listing = bruno.get(reverse("chat:thread_list")).content.decode()
    assert "Weekend plans" in listing


def test_thread_list_shows_only_own_threads(thread_id, make_person):
    outsider = make_person("dora", "Dora")
    assert "Lunch" not in outsider.get(reverse("chat:thread_list")).content.decode()
    assert outsider.get(reverse("chat:thread_detail", args=[thread_id])).status_code == 404


def test_load_older_messages_swaps_itself(ana, thread_id):
    for number in range(MESSAGES_PER_PAGE + 5):
        messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content=f"message {number:02d}")
    html = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert "message 00" not in html and f"message {MESSAGES_PER_PAGE + 4:02d}" in html
    older_url = re.search(r'hx-get="([^"]*older=[^"]*)"', html).group(1).replace("&amp;", "&")

    older = ana.get(older_url, **HTMX).content.decode()

    assert "message 00" in older
    assert older.lstrip().startswith('<li id="paging-area"')
    assert f"message {MESSAGES_PER_PAGE + 4:02d}" not in older


def test_tampered_page_token_is_refused(ana, thread_id):
    url = reverse("chat:thread_detail", args=[thread_id]) + "?older=https://evil.example/steal"
    assert ana.get(url, **HTMX).status_code == 400


def test_edit_and_delete_own_message(ana, thread_id):
    message_id = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="first draft")
    edit_url = reverse("chat:message_edit", args=[thread_id, message_id])

    form = ana.get(edit_url, **HTMX).content.decode()
    assert "first draft" in form and "Save" in form and "Cancel" in form
    saved = ana.post(edit_url, {"content": "final words"}, **HTMX).content.decode()
    assert "final words" in saved and "(edited)" in saved

    deleted = ana.post(reverse("chat:message_delete", args=[thread_id, message_id]), **HTMX).content.decode()
    assert "This message was deleted" in deleted
    assert "final words" not in deleted


def test_others_messages_cannot_be_changed(ana, bruno, thread_id):
    message_id = messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Ana's words")

    page = bruno.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert f'hx-get="{reverse("chat:message_edit", args=[thread_id, message_id])}"' not in page
    edit = bruno.post(reverse("chat:message_edit", args=[thread_id, message_id]), {"content": "hacked"}, **HTMX)
    delete = bruno.post(reverse("chat:message_delete", args=[thread_id, message_id]), **HTMX)

    assert edit.status_code == 403
    assert delete.status_code == 403
    assert "You can only change your own messages." in delete.content.decode()
    assert "Ana's words" in ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()


def test_html_from_other_clients_is_sanitized(ana, bruno, thread_id):
    from chatsite.acs import clients
    from chatsite.acs.identities import credentials_for

    token = credentials_for(bruno.user).token
    clients.thread_client(token, thread_id).send_message(
        '<p>Hi <strong>there</strong><script>alert(1)</script><img src=x onerror="alert(2)"></p>',
        chat_message_type="html",
    )
    html = ana.get(reverse("chat:thread_detail", args=[thread_id])).content.decode()
    assert "<strong>there</strong>" in html
    assert "alert(" not in html and "<img" not in html


def test_token_never_reaches_a_page(ana, thread_id):
    from chatsite.acs.identities import credentials_for

    token = credentials_for(ana.user).token
    for url in (reverse("chat:thread_list"), reverse("chat:thread_detail", args=[thread_id])):
        assert token not in ana.get(url).content.decode()
