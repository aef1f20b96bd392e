"""Participants panel against the live emulator: list, add (with history choice, partial refusal), remove."""

from urllib.parse import quote

from django.urls import reverse

from chatsite.acs.identities import delete_acs_user, identity_for
from chatsite.chat.actors import Actor
from chatsite.chat.live.cache import MARKER
from chatsite.chat.selectors import messages as message_selectors
from chatsite.chat.services import messages

from .conftest import HTMX, live_poll


def url(name, thread_id):
    return reverse(f"chat:{name}", args=[thread_id])


def test_panel_lists_participants_with_you_marked_and_no_service_identity(ana, bruno, thread_id):
    html = ana.get(url("participants", thread_id), **HTMX).content.decode()

    assert "Ana (you)" in html
    assert "Bruno" in html
    assert "Site moderation" not in html
    assert html.count(">Remove</button>") == 1  # others only; one leaves instead


def test_add_people_in_one_call_with_history_from_now(ana, bruno, make_person, thread_id, acs_calls):
    carla = make_person("carla", "Carla")
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Before Carla")
    marker = MARKER.current(thread_id)
    acs_calls.clear()

    response = ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "now"}, **HTMX)

    assert response.status_code == 200
    assert "chat:changed" in response.headers["HX-Trigger"]
    assert [c for c in acs_calls if c[0] == "POST" and c[1].endswith("/participants/:add")] == [
        ("POST", f"/chat/threads/{quote(thread_id, safe='')}/participants/:add")
    ]
    assert "Carla" in response.content.decode()
    assert MARKER.current(thread_id) > marker
    carla_sees = [
        m.content for m in message_selectors.message_page(actor=Actor.person(carla.user), thread_id=thread_id).messages
    ]
    assert "Before Carla" not in carla_sees
    assert "Before Carla" in [
        m.content for m in message_selectors.message_page(actor=Actor.person(bruno.user), thread_id=thread_id).messages
    ]


def test_add_with_all_history_shares_older_messages(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")
    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Old news")

    ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)

    assert "Old news" in [
        m.content for m in message_selectors.message_page(actor=Actor.person(carla.user), thread_id=thread_id).messages
    ]


def test_partial_add_failure_names_who_and_why_and_adds_the_rest(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")
    dario = make_person("dario", "Dario")
    delete_acs_user(identity_for(dario.user).acs_user_id)  # the site still has the row; ACS no longer knows it

    response = ana.post(
        url("participants_add", thread_id),
        {"people": [carla.user.pk, dario.user.pk], "history": "all"},
        **HTMX,
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert "Some people could not be added" in html
    assert "Dario: their chat account no longer exists" in html
    assert "Carla" in html
    assert carla.get(url("thread_detail", thread_id)).status_code == 200


def test_add_from_a_date_needs_the_date_and_keeps_choices(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")

    response = ana.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "date"}, **HTMX)

    assert response.status_code == 422
    assert "Choose the date from which they see the history." in response.content.decode()
    assert "checked" in response.content.decode()


def test_remove_another_participant_writes_system_message(ana, bruno, thread_id):
    bruno_id = identity_for(bruno.user).acs_user_id
    marker = MARKER.current(thread_id)

    response = ana.post(url("participant_remove", thread_id), {"participant": bruno_id}, **HTMX)

    assert response.status_code == 200
    assert "Bruno" not in response.content.decode()
    assert MARKER.current(thread_id) > marker
    last = message_selectors.message_page(actor=Actor.person(ana.user), thread_id=thread_id).messages[-1]
    assert last.type == "participantremoved"
    assert last.system_text == "Ana removed Bruno"
    # Bruno's next poll says so, without asking ACS whether he is still in.
    status = live_poll(bruno, thread_id).content.decode()
    assert "You were removed from this chat." in status
    assert 'id="poller" hx-swap-oob="delete"' in status


def test_non_participant_cannot_see_or_change_participants(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")
    ana_id = identity_for(ana.user).acs_user_id

    assert carla.get(url("participants", thread_id), **HTMX).status_code == 404
    assert carla.post(url("participant_remove", thread_id), {"participant": ana_id}, **HTMX).status_code == 404
    response = carla.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)
    assert response.status_code == 404
    assert live_poll(carla, thread_id).status_code == 404


def test_removed_participant_can_no_longer_add_or_remove(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")
    ana.post(url("participant_remove", thread_id), {"participant": identity_for(bruno.user).acs_user_id}, **HTMX)

    # Removed: told they are no longer part of the chat (someone who never was gets a 404 instead).
    response = bruno.post(url("participants_add", thread_id), {"people": [carla.user.pk], "history": "all"}, **HTMX)
    assert response.status_code == 403
    assert "You are no longer part of this chat." in response.content.decode()
    ana_id = identity_for(ana.user).acs_user_id
    assert bruno.post(url("participant_remove", thread_id), {"participant": ana_id}, **HTMX).status_code == 403


def test_remove_someone_not_in_the_thread_is_404(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")

    response = ana.post(
        url("participant_remove", thread_id), {"participant": identity_for(carla.user).acs_user_id}, **HTMX
    )
    assert response.status_code == 404


def test_post_without_csrf_token_is_refused(ana, bruno, thread_id):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(ana.user)
    response = strict.post(
        url("participant_remove", thread_id), {"participant": identity_for(bruno.user).acs_user_id}, **HTMX
    )
    assert response.status_code == 403
