"""What the site's forms accept before anything is sent to ACS."""

from datetime import UTC, date, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chatsite.acs.models import AcsIdentity
from chatsite.chat.forms import MESSAGE_MAX_BYTES, AddPeopleForm, MessageForm, TopicForm, message_id_param
from chatsite.chat.models import Profile

pytestmark = pytest.mark.unit


def content_errors(content):
    form = MessageForm({"content": content})
    return [] if form.is_valid() else form.errors["content"]


def test_a_message_up_to_28_kb_is_accepted_and_kept_as_typed():
    form = MessageForm({"content": "  indented\n" + "a" * (MESSAGE_MAX_BYTES - 11)})

    assert form.is_valid()
    assert form.cleaned_data["content"].startswith("  indented\n")  # spaces and line breaks are the person's


@pytest.mark.parametrize(
    ("content", "ok"),
    [
        ("a" * MESSAGE_MAX_BYTES, True),
        ("a" * (MESSAGE_MAX_BYTES + 1), False),
        ("é" * (MESSAGE_MAX_BYTES // 2), True),  # two bytes each in UTF-8
        ("é" * (MESSAGE_MAX_BYTES // 2 + 1), False),
        ("😀" * (MESSAGE_MAX_BYTES // 4), True),  # four bytes each
        ("😀" * (MESSAGE_MAX_BYTES // 4) + "a", False),
    ],
)
def test_the_size_limit_counts_bytes_as_acs_does(content, ok):
    assert (content_errors(content) == []) is ok


def test_a_message_too_long_says_how_long_it_is():
    assert content_errors("€" * 15_000) == [  # three bytes each: 45,000 bytes
        "This message is too long: 44 KB, the limit is 28 KB. Shorten it or split it."
    ]


@pytest.mark.parametrize("content", ["", "   ", "\n\t \n"])
def test_a_blank_message_is_refused(content):
    assert content_errors(content) == ["Write something before sending."]


def test_topic_is_required_and_limited():
    assert TopicForm({"topic": "Lunch on Friday"}).is_valid()
    assert TopicForm({"topic": "   "}).errors["topic"] == ["Give the chat a topic."]
    assert TopicForm({"topic": "x" * 120}).is_valid()
    assert TopicForm({"topic": "x" * 121}).errors["topic"] == [
        "Keep the topic under 120 characters (it has 121)."
    ]


def test_topic_is_trimmed():
    form = TopicForm({"topic": "  Lunch  "})

    assert form.is_valid()
    assert form.cleaned_data["topic"] == "Lunch"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1722355555123", "1722355555123"),
        ("1", "1"),
        ("9" * 20, "9" * 20),
        ("9" * 21, None),
        ("", None),
        (None, None),
        ("12a", None),
        ("-1", None),
        (" 12", None),
        ("١٢", None),  # digits, but not ACS's
        ("12/../13", None),
    ],
)
def test_message_id_param_takes_only_what_can_be_an_acs_message_id(value, expected):
    assert message_id_param(value) == expected


def test_message_id_param_refuses_a_trailing_newline():
    assert message_id_param("12\n") is None


@pytest.fixture
def people(db):
    def person(username, name, acs_id):
        user = get_user_model().objects.create_user(username=username)
        Profile.objects.create(user=user, display_name=name)
        AcsIdentity.objects.create(user=user, acs_user_id=acs_id)
        return user

    return (
        person("ana", "Ana", "8:acs:ana"),
        person("bruno", "Bruno", "8:acs:bruno"),
        person("carla", "Carla", "8:acs:carla"),
    )


def add_form(people, data, exclude_acs_ids=()):
    ana, _, _ = people
    return AddPeopleForm(data, user=ana, exclude_acs_ids=exclude_acs_ids)


def test_add_people_shares_all_history_by_default(people):
    _, bruno, _ = people
    form = add_form(people, {"people": [bruno.pk], "history": "all"})

    assert form.is_valid(), form.errors
    assert list(form.cleaned_data["people"]) == [bruno]
    assert form.history_from() is None


def test_add_people_from_now_on(people):
    _, bruno, _ = people
    form = add_form(people, {"people": [bruno.pk], "history": "now"})
    before = timezone.now()

    assert form.is_valid(), form.errors
    assert before <= form.history_from() <= timezone.now()


def test_add_people_from_a_date_starts_at_local_midnight(people):
    _, bruno, _ = people
    form = add_form(people, {"people": [bruno.pk], "history": "date", "history_date": "2026-03-02"})

    with timezone.override("America/Sao_Paulo"):  # UTC-3
        assert form.is_valid(), form.errors
        start = form.history_from()

    assert start == datetime(2026, 3, 2, 3, 0, tzinfo=UTC)
    assert form.cleaned_data["history_date"] == date(2026, 3, 2)


def test_add_people_from_a_date_needs_the_date(people):
    _, bruno, _ = people
    form = add_form(people, {"people": [bruno.pk], "history": "date"})

    assert not form.is_valid()
    assert form.errors["history_date"] == ["Choose the date from which they see the history."]


def test_add_people_offers_neither_oneself_nor_those_already_in_the_chat(people):
    ana, bruno, carla = people
    form = add_form(people, {"people": [bruno.pk], "history": "all"}, exclude_acs_ids=["8:acs:bruno"])

    assert list(form.fields["people"].queryset) == [carla]
    assert not form.is_valid()
    assert "people" in form.errors
    assert add_form(people, {"history": "all"}).errors["people"] == ["Choose at least one person to add."]
    assert not add_form(people, {"people": [ana.pk], "history": "all"}).is_valid()


def test_add_people_refuses_an_unknown_history_choice(people):
    _, bruno, _ = people

    assert "history" in add_form(people, {"people": [bruno.pk], "history": "forever"}).errors
