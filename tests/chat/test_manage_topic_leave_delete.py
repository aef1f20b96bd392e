"""Topic, leaving and deleting against the live emulator, with their refusals."""

from django.urls import reverse

from chatsite.acs.identities import identity_for
from chatsite.chat.actors import Actor
from chatsite.chat.live.cache import MARKER
from chatsite.chat.models import Thread
from chatsite.chat.selectors import messages as message_selectors
from chatsite.chat.selectors import threads as thread_selectors

from .conftest import HTMX, live_poll


def url(name, thread_id):
    return reverse(f"chat:{name}", args=[thread_id])


def test_edit_topic_form_and_cancel(ana, thread_id):
    form = ana.get(url("topic_edit", thread_id), **HTMX).content.decode()
    assert 'name="topic"' in form and 'value="Lunch"' in form
    assert ">Save</button>" in form and ">Cancel</button>" in form
    assert "<h1 dir=\"auto\">Lunch</h1>" in ana.get(url("topic", thread_id), **HTMX).content.decode()


def test_new_topic_reaches_everyone_with_its_system_message(ana, bruno, thread_id):
    marker = MARKER.current(thread_id)

    response = ana.post(url("topic_edit", thread_id), {"topic": "Dinner <b>instead</b>"}, **HTMX)

    assert response.status_code == 200
    assert "<h1 dir=\"auto\">Dinner &lt;b&gt;instead&lt;/b&gt;</h1>" in response.content.decode()
    assert MARKER.current(thread_id) > marker
    assert (
        thread_selectors.thread_get(actor=Actor.person(bruno.user), thread_id=thread_id).topic
        == "Dinner <b>instead</b>"
    )
    last = message_selectors.message_page(actor=Actor.person(bruno.user), thread_id=thread_id).messages[-1]
    assert last.system_text == "Ana changed the topic to “Dinner <b>instead</b>”"
    # Bruno's page had the old panel version: his next poll brings the new header.
    status = live_poll(bruno, thread_id, v="0").content.decode()
    assert 'hx-swap-oob="outerHTML:#topic h1">Dinner &lt;b&gt;instead&lt;/b&gt;</h1>' in status


def test_empty_or_overlong_topic_is_refused_keeping_the_text(ana, thread_id, acs_calls):
    acs_calls.clear()
    empty = ana.post(url("topic_edit", thread_id), {"topic": "  "}, **HTMX)
    long_topic = "x" * 121
    overlong = ana.post(url("topic_edit", thread_id), {"topic": long_topic}, **HTMX)

    assert empty.status_code == 422
    assert "Give the chat a topic." in empty.content.decode()
    assert overlong.status_code == 422
    assert "Keep the topic under 120 characters (it has 121)." in overlong.content.decode()
    assert f'value="{long_topic}"' in overlong.content.decode()
    assert not [c for c in acs_calls if c[0] == "PATCH"]


def test_non_participant_cannot_edit_topic(ana, make_person, thread_id):
    carla = make_person("carla", "Carla")
    assert carla.post(url("topic_edit", thread_id), {"topic": "Mine"}, **HTMX).status_code == 404
    assert thread_selectors.thread_get(actor=Actor.person(ana.user), thread_id=thread_id).topic == "Lunch"


def test_leave_shows_history_without_composer_or_polling(ana, bruno, thread_id):
    marker = MARKER.current(thread_id)

    response = bruno.post(url("thread_leave", thread_id), **HTMX)

    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == url("thread_detail", thread_id)
    assert MARKER.current(thread_id) > marker
    page = bruno.get(url("thread_detail", thread_id)).content.decode()
    assert "You left this chat." in page
    assert 'id="composer"' not in page
    assert 'id="poller"' not in page
    assert "<bdi>Bruno</bdi> left" in page  # the history up to his leaving stays readable
    status = live_poll(bruno, thread_id).content.decode()
    assert "You left this chat." in status
    assert (
        "Ana removed"
        not in message_selectors.message_page(actor=Actor.person(ana.user), thread_id=thread_id)
        .messages[-1]
        .system_text
    )


def test_left_person_cannot_act_any_more(ana, bruno, thread_id):
    bruno.post(url("thread_leave", thread_id), **HTMX)

    response = bruno.post(url("topic_edit", thread_id), {"topic": "Back"}, **HTMX)
    assert response.status_code == 403
    assert "You are no longer part of this chat." in response.content.decode()
    assert bruno.post(url("thread_leave", thread_id), **HTMX).status_code == 403
    ana_id = identity_for(ana.user).acs_user_id
    assert bruno.post(url("participant_remove", thread_id), {"participant": ana_id}, **HTMX).status_code == 403


def test_creator_deletes_thread_for_everyone(ana, bruno, thread_id):
    response = ana.post(url("thread_delete", thread_id), **HTMX)

    assert response.headers["HX-Redirect"] == reverse("chat:thread_list")
    assert Thread.objects.get(acs_thread_id=thread_id).deleted_at is not None
    assert "Lunch" not in bruno.get(reverse("chat:thread_list")).content.decode()
    # Bruno's open page learns it on its next poll, which stops his polling.
    status = live_poll(bruno, thread_id).content.decode()
    assert "This chat was deleted." in status
    assert 'id="poller" hx-swap-oob="delete"' in status
    assert bruno.get(url("thread_detail", thread_id)).status_code == 404


def test_only_the_creator_may_delete(ana, bruno, make_person, thread_id):
    carla = make_person("carla", "Carla")

    response = bruno.post(url("thread_delete", thread_id), **HTMX)
    assert response.status_code == 403
    assert "Only the person who started this chat can delete it." in response.content.decode()
    assert carla.post(url("thread_delete", thread_id), **HTMX).status_code == 404
    assert thread_selectors.thread_get(actor=Actor.person(ana.user), thread_id=thread_id).topic == "Lunch"


def test_delete_button_only_for_the_creator(ana, bruno, thread_id):
    # In the chat's menu in the page header.
    assert ">Delete chat</button>" in ana.get(url("thread_detail", thread_id)).content.decode()
    assert ">Delete chat</button>" not in bruno.get(url("thread_detail", thread_id)).content.decode()
