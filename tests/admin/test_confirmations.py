"""Every admin change that cannot be undone asks first: GET (or an action without `post=yes`) shows what will happen,
naming people and messages as people know them; only the confirmation form's POST acts, and says what it did."""

import re

import pytest
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from chatsite.acs import clients, identities
from chatsite.acs.identities import credentials_for
from chatsite.acs.models import AcsIdentity
from chatsite.chat.actors import Actor
from chatsite.chat.models import Thread
from chatsite.chat.services import messages
from tests.sdk import participant, raw_id

from .conftest import thread_client_for

CHANGELIST = reverse("admin:chat_thread_changelist")
IDENTITIES = reverse("admin:acs_acsidentity_changelist")


def url(name, thread):
    return reverse(f"admin:chat_thread_{name}", args=[thread.pk])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def form_of(html):
    """The confirmation form's hidden fields, as the browser would post them."""
    form = re.search(r'<form method="post"[^>]*>(.*?)</form>', html, re.S).group(1)
    return [(name, value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', form)]


def post_form(client, path, html):
    data = {}
    for name, value in form_of(html):
        data.setdefault(name, []).append(value)
    return client.post(path, data)


def active_ids(user, thread):
    return {raw_id(p.identifier) for p in thread_client_for(user, thread).list_participants()}


def test_change_page_links_to_confirmations_without_acting(admin_client, thread, alice, bob):
    messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="rude words")
    html = admin_client.get(url("change", thread)).content.decode()
    assert 'aria-label="Remove Bob"' in html
    assert 'aria-label="Delete Bob’s message “rude words”"' in html
    # Links, not forms that act: the change page itself never posts a removal or a deletion.
    assert f'action="{url("participant_remove", thread)}"' not in html
    assert f'action="{url("message_delete", thread)}"' not in html


def test_remove_participant_asks_first(admin_client, thread, alice, bob):
    bob_id = bob.acs_identity.acs_user_id
    page = admin_client.get(url("participant_remove", thread), {"acs_user_id": bob_id})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Remove Bob (bob) from “Plans” in ACS?" in html
    assert "Yes, remove Bob" in html and "No, take me back" in html
    assert 'name="csrfmiddlewaretoken"' in html
    assert bob_id not in html.replace(f'value="{bob_id}"', "")  # only in the form's hidden field
    assert bob_id in active_ids(alice, thread)  # asking changed nothing
    assert not LogEntry.objects.exists()

    done = post_form(admin_client, url("participant_remove", thread), html)
    assert done.status_code == 302 and done.url == url("change", thread)
    assert texts(done) == ["“Plans”: Removed Bob (bob) in ACS."]
    assert bob_id not in active_ids(alice, thread)
    assert LogEntry.objects.get(object_id=str(thread.pk)).change_message == "Removed Bob (bob) in ACS."


def test_remove_someone_from_another_acs_client_names_them(admin_client, thread, alice):
    outsider = identities.new_acs_user()[0]
    thread_client_for(alice, thread).add_participants([participant(outsider, "Zed")])
    html = admin_client.get(url("participant_remove", thread), {"acs_user_id": outsider}).content.decode()
    assert "Remove Zed (another ACS client) from “Plans” in ACS?" in html
    done = post_form(admin_client, url("participant_remove", thread), html)
    assert texts(done) == ["“Plans”: Removed Zed (another ACS client) in ACS."]
    assert outsider not in active_ids(alice, thread)


def test_remove_someone_not_in_the_thread_says_so(admin_client, thread, person):
    carol = person("carol")
    response = admin_client.get(
        url("participant_remove", thread), {"acs_user_id": credentials_for(carol).acs_user_id}
    )
    assert response.status_code == 302
    assert texts(response) == ["This person is no longer in the thread."]


def test_delete_message_asks_first(admin_client, thread, bob):
    long = "rude words " * 10
    message_id = messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content=long)
    page = admin_client.get(url("message_delete", thread), {"message_id": message_id})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delete Bob’s message in “Plans” in ACS?" in html
    assert "From: Bob (bob)" in html
    assert "Message: “rude words rude words rude words rude w…”" in html
    assert long not in html
    assert thread_client_for(bob, thread).get_message(message_id).deleted_on is None

    done = post_form(admin_client, url("message_delete", thread), html)
    said = "Deleted Bob’s message “rude words rude words rude words rude w…” in ACS."
    assert texts(done) == [f"“Plans”: {said}"]
    assert message_id not in texts(done)[0]
    assert thread_client_for(bob, thread).get_message(message_id).deleted_on is not None
    assert LogEntry.objects.get(object_id=str(thread.pk)).change_message == said


def test_deleted_or_unknown_message_is_not_offered(admin_client, thread, bob):
    message_id = messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="gone")
    messages.message_delete(actor=Actor.person(bob), thread_id=thread.acs_thread_id, message_id=message_id)
    again = admin_client.get(url("message_delete", thread), {"message_id": message_id})
    assert again.status_code == 302 and texts(again) == ["This message is deleted already."]
    listed = thread_client_for(bob, thread).list_messages()
    system = next(m.id for m in listed if m.type.lower() == "participantadded")  # “Alice added Bob”
    refused = admin_client.get(url("message_delete", thread), {"message_id": system})
    assert refused.status_code == 302 and "Only people’s messages can be deleted." in texts(refused)
    unknown = admin_client.get(url("message_delete", thread), {"message_id": "999999"})
    assert unknown.status_code == 302 and "ACS does not know" in texts(unknown)[-1]
    missing = admin_client.get(url("message_delete", thread))
    assert missing.status_code == 302 and texts(missing)[-1] == "This field is required."


def test_delete_view_asks_first(admin_client, thread, alice):
    page = admin_client.get(url("delete", thread))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delete this thread in ACS for everyone in it?" in html
    assert "“Plans”: 2 participants, started by Alice (alice)" in html
    assert thread.acs_thread_id not in html
    thread.refresh_from_db()
    assert thread.deleted_at is None
    done = post_form(admin_client, url("delete", thread), html)
    assert texts(done) == ["“Plans”: Deleted in ACS."]
    thread.refresh_from_db()
    assert thread.deleted_at is not None
    assert admin_client.get(url("delete", thread)).status_code == 302  # nothing left to confirm


def test_delete_action_asks_first(admin_client, thread, alice):
    page = admin_client.post(CHANGELIST, {"action": "delete_in_acs", "_selected_action": [thread.pk]})
    html = page.content.decode()
    assert page.status_code == 200
    assert "Delete this thread in ACS for everyone in it?" in html and "Yes, delete it" in html
    thread.refresh_from_db()
    assert thread.deleted_at is None
    assert ("action", "delete_in_acs") in form_of(html) and ("post", "yes") in form_of(html)
    done = post_form(admin_client, CHANGELIST, html)
    assert "“Plans”: Deleted in ACS." in texts(done)
    thread.refresh_from_db()
    assert thread.deleted_at is not None


def test_confirmation_needs_the_csrf_token(thread, alice, bob, staff):
    editor = staff("chat.view_thread", "chat.change_thread")
    checked = Client(enforce_csrf_checks=True)
    checked.force_login(editor.user)
    bob_id = bob.acs_identity.acs_user_id
    assert checked.post(url("participant_remove", thread), {"acs_user_id": bob_id}).status_code == 403
    assert bob_id in active_ids(alice, thread)


def test_view_only_staff_get_no_confirmation(staff, thread, bob, acs_calls):
    viewer = staff("chat.view_thread")
    assert viewer.get(url("participant_remove", thread), {"acs_user_id": "x"}).status_code == 403
    assert viewer.get(url("message_delete", thread), {"message_id": "1"}).status_code == 403
    assert viewer.get(url("delete", thread)).status_code == 403
    assert not acs_calls


def test_changelist_names_people_and_cuts_long_topics(admin_client, thread):
    Thread.objects.filter(pk=thread.pk).update(topic="A very long topic " * 6)
    html = admin_client.get(CHANGELIST).content.decode()
    assert "Alice (alice)" in html
    assert "A very long topic A very long topic A very long…" in html
    assert f'title="{"A very long topic " * 6}"' in html
    assert thread.acs_thread_id not in html


@pytest.mark.parametrize(
    ("action", "question", "said"),
    [
        ("revoke_tokens", "Revoke this person’s ACS tokens?", "Alice (alice): Revoked tokens in ACS."),
        ("reset_identity", "Give this person a new ACS user?", "Alice (alice): Reset: a new ACS user replaces"),
    ],
)
def test_identity_actions_ask_first(admin_client, alice, action, question, said):
    old = credentials_for(alice)
    identity = AcsIdentity.objects.get(user=alice)
    page = admin_client.post(IDENTITIES, {"action": action, "_selected_action": [identity.pk]})
    html = page.content.decode()
    assert page.status_code == 200
    assert question in html and "<li>Alice (alice)</li>" in html
    assert old.acs_user_id not in html
    list(clients.chat_client(old.token).list_chat_threads())  # asking changed nothing
    identity.refresh_from_db()
    assert identity.acs_user_id == old.acs_user_id and identity.token == old.token
    done = post_form(admin_client, IDENTITIES, html)
    assert any(t.startswith(said) for t in texts(done))
    assert LogEntry.objects.filter(object_id=str(identity.pk)).exists()
