"""The thread admin against the live emulator: list, live change page, each staff change, actions, import."""

import uuid

import pytest
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from django.contrib.admin.models import LogEntry
from django.contrib.messages import get_messages
from django.urls import reverse

from chatsite.acs import clients, identities
from chatsite.acs.identities import credentials_for
from chatsite.chat.actors import Actor
from chatsite.chat.models import Thread
from chatsite.chat.services import messages, threads
from tests.sdk import participant, raw_id

from .conftest import thread_client_for

CHANGE = "admin:chat_thread_change"


def url(name, thread):
    return reverse(f"admin:chat_thread_{name}", args=[thread.pk])


def texts(response):
    return [str(m) for m in get_messages(response.wsgi_request)]


def active_ids(user, thread):
    return {raw_id(p.identifier) for p in thread_client_for(user, thread).list_participants()}


def test_changelist_search_and_filters(admin_client, thread, person):
    carol = person("carol")
    other = threads.thread_create(
        actor=Actor.person(carol), topic="Books", participants=[], idempotency_token=str(uuid.uuid4())
    )
    listing = admin_client.get(reverse("admin:chat_thread_changelist")).content.decode()
    assert "Plans" in listing and "Books" in listing
    found = admin_client.get(reverse("admin:chat_thread_changelist"), {"q": "bob"}).content.decode()
    assert "Plans" in found and "Books" not in found
    Thread.objects.filter(pk=other.pk).update(deleted_at=other.created_at)
    deleted = admin_client.get(reverse("admin:chat_thread_changelist"), {"status": "deleted"}).content.decode()
    assert "Books" in deleted and "Plans" not in deleted


def test_change_page_shows_acs_live(admin_client, thread, alice, bob):
    messages.message_send(actor=Actor.person(alice), thread_id=thread.acs_thread_id, content="See you at noon")
    html = admin_client.get(url("change", thread)).content.decode()
    assert "See you at noon" in html
    assert bob.acs_identity.acs_user_id in html
    assert identities.service_identity().acs_user_id not in html
    assert "Alice added Bob" in html


def test_rename_updates_acs_and_logs(admin_client, thread, alice):
    response = admin_client.post(url("topic", thread), {"topic": "New plans"})
    assert response.status_code == 302
    assert thread_client_for(alice, thread).get_properties().topic == "New plans"
    thread.refresh_from_db()
    assert thread.topic == "New plans"
    assert any("Renamed" in t for t in texts(response))
    assert LogEntry.objects.filter(object_id=str(thread.pk), change_message__contains="New plans").exists()


def test_remove_and_add_participants(admin_client, thread, alice, bob, person):
    carol = person("carol")
    admin_client.post(url("participant_remove", thread), {"acs_user_id": bob.acs_identity.acs_user_id})
    admin_client.post(url("participant_add", thread), {"user": carol.pk})
    ids = active_ids(alice, thread)
    assert bob.acs_identity.acs_user_id not in ids
    assert carol.acs_identity.acs_user_id in ids
    assert LogEntry.objects.filter(object_id=str(thread.pk)).count() == 2
    admin_client.get(url("change", thread))  # the live read refreshes the mirror
    thread.refresh_from_db()
    assert set(thread.participants.values_list("username", flat=True)) == {"alice", "carol"}


def test_service_identity_cannot_be_removed(admin_client, thread, alice):
    response = admin_client.post(
        url("participant_remove", thread), {"acs_user_id": identities.service_identity().acs_user_id}
    )
    assert any("stays in every thread" in t for t in texts(response))
    assert identities.service_identity().acs_user_id in active_ids(alice, thread)
    assert not LogEntry.objects.exists()


def test_delete_message_as_its_sender(admin_client, thread, bob):
    message_id = messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="rude words")
    response = admin_client.post(url("message_delete", thread), {"message_id": message_id})
    assert "“Plans”: Deleted Bob’s message “rude words” in ACS." in texts(response)
    assert thread_client_for(bob, thread).get_message(message_id).deleted_on is not None


def test_acs_refusal_is_reported_and_not_logged(admin_client, thread, bob):
    message_id = messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="rude words")
    admin_client.post(url("participant_remove", thread), {"acs_user_id": bob.acs_identity.acs_user_id})
    LogEntry.objects.all().delete()
    # ACS lets only an active sender delete a message: Bob was removed, so ACS refuses.
    response = admin_client.post(url("message_delete", thread), {"message_id": message_id})
    assert any("ACS refused" in t for t in texts(response))
    assert not LogEntry.objects.exists()


def foreign_thread(user, *, with_service):
    """A thread made by another ACS client (here: the person's own SDK client), optionally with the service."""
    members = [participant(identities.service_identity().acs_user_id, "Site")] if with_service else []
    result = clients.chat_client(credentials_for(user).token).create_chat_thread("Outside", thread_participants=members)
    return result.chat_thread.id


def test_delete_action_reports_per_thread(admin_client, thread, alice):
    # The site knows this one but is not in it: ACS refuses the service identity.
    stranger = Thread.objects.create(acs_thread_id=foreign_thread(alice, with_service=False), topic="Stranger")
    response = admin_client.post(
        reverse("admin:chat_thread_changelist"),
        {"action": "delete_in_acs", "_selected_action": [thread.pk, stranger.pk], "post": "yes"},
    )
    messages = texts(response)
    assert any(t.startswith("“Plans”: Deleted in ACS") for t in messages)
    assert any(t.startswith("“Stranger”: ACS refused") for t in messages)
    with pytest.raises(ResourceNotFoundError):
        thread_client_for(alice, thread).get_properties()
    thread.refresh_from_db()
    stranger.refresh_from_db()
    assert thread.deleted_at is not None and stranger.deleted_at is None
    assert LogEntry.objects.filter(object_id=str(thread.pk)).count() == 1
    assert not LogEntry.objects.filter(object_id=str(stranger.pk)).exists()


def test_delete_view_deletes_in_acs(admin_client, thread, alice):
    assert admin_client.get(url("delete", thread)).status_code == 200  # Django's confirmation page
    admin_client.post(url("delete", thread), {"post": "yes"})
    thread.refresh_from_db()
    assert thread.deleted_at is not None
    with pytest.raises(ResourceNotFoundError):
        thread_client_for(alice, thread).get_properties()


def test_refresh_action_reads_acs(admin_client, thread, alice):
    thread_client_for(alice, thread).update_topic("Renamed elsewhere")
    admin_client.post(
        reverse("admin:chat_thread_changelist"),
        {"action": "refresh_from_acs", "_selected_action": [thread.pk]},
    )
    thread.refresh_from_db()
    assert thread.topic == "Renamed elsewhere"
    assert LogEntry.objects.filter(object_id=str(thread.pk), change_message="Refreshed from ACS.").exists()


def test_import_a_thread_shared_with_the_service(admin_client, alice):
    acs_thread_id = foreign_thread(alice, with_service=True)
    page = admin_client.get(reverse("admin:chat_thread_import"))
    assert identities.service_identity().acs_user_id in page.content.decode()
    response = admin_client.post(reverse("admin:chat_thread_import"), {"acs_thread_id": acs_thread_id})
    thread = Thread.objects.get(acs_thread_id=acs_thread_id)
    assert response.status_code == 302
    assert (thread.topic, thread.created_by, thread.participant_count) == ("Outside", alice, 1)
    assert LogEntry.objects.filter(object_id=str(thread.pk)).exists()
    again = admin_client.post(reverse("admin:chat_thread_import"), {"acs_thread_id": acs_thread_id})
    assert "on the site already" in again.content.decode()


def test_import_refused_without_the_service(admin_client, alice):
    acs_thread_id = foreign_thread(alice, with_service=False)
    response = admin_client.post(reverse("admin:chat_thread_import"), {"acs_thread_id": acs_thread_id})
    assert response.status_code == 200
    assert "ACS refused" in response.content.decode()
    assert not Thread.objects.exists()


def test_add_goes_to_import(admin_client, emulator):
    assert admin_client.get(reverse("admin:chat_thread_add")).url == reverse("admin:chat_thread_import")


def test_delete_selected_is_not_offered(admin_client, thread):
    html = admin_client.get(reverse("admin:chat_thread_changelist")).content.decode()
    assert "delete_selected" not in html and "delete_in_acs" in html


# Permissions


def test_view_only_staff_sees_but_cannot_change(staff, thread, alice):
    viewer = staff("chat.view_thread")
    html = viewer.get(url("change", thread)).content.decode()
    assert "Alice added Bob" in html
    assert url("topic", thread) not in html and url("participant_remove", thread) not in html
    assert viewer.post(url("topic", thread), {"topic": "Hijack"}).status_code == 403
    assert viewer.post(url("message_delete", thread), {"message_id": "1"}).status_code == 403
    assert viewer.post(url("delete", thread), {"post": "yes"}).status_code == 403
    viewer.post(reverse("admin:chat_thread_changelist"), {"action": "delete_in_acs", "_selected_action": [thread.pk]})
    assert thread_client_for(alice, thread).get_properties().topic == "Plans"
    thread.refresh_from_db()
    assert thread.deleted_at is None
    assert viewer.get(reverse("admin:chat_thread_import")).status_code == 403


def test_change_without_delete(staff, thread):
    editor = staff("chat.view_thread", "chat.change_thread")
    assert editor.post(url("topic", thread), {"topic": "Fine"}).status_code == 302
    assert editor.post(url("delete", thread), {"post": "yes"}).status_code == 403
    assert "delete_in_acs" not in editor.get(reverse("admin:chat_thread_changelist")).content.decode()


def test_staff_without_permission_gets_403(staff, thread, acs_calls):
    nobody = staff()
    assert nobody.get(url("change", thread)).status_code == 403
    assert nobody.get(reverse("admin:chat_thread_changelist")).status_code == 403
    assert nobody.post(url("participant_add", thread), {"user": "1"}).status_code == 403
    assert not acs_calls  # refused before ACS is asked anything


def test_people_never_reach_the_admin(client, thread, alice):
    client.force_login(alice)
    response = client.get(url("change", thread))
    assert response.status_code == 302 and "/admin/login/" in response.url
    assert client.post(url("topic", thread), {"topic": "x"}).status_code == 302
    assert thread_client_for(alice, thread).get_properties().topic == "Plans"


def test_acs_away_shows_error_on_change_page(admin_client, thread, settings, monkeypatch):
    def unavailable(*args, **kwargs):
        raise HttpResponseError(message="down")

    monkeypatch.setattr("chatsite.acs.clients.ChatThreadClient.get_properties", unavailable)
    html = admin_client.get(url("change", thread)).content.decode()
    assert "ACS is not answering" in html
