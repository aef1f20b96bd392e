"""What the site's forms accept before anything is sent to ACS."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from chatsite.acs.models import AcsIdentity
from chatsite.chat.forms import (
    MESSAGE_MAX_BYTES,
    AddPeopleForm,
    InboxPollForm,
    MessageForm,
    PollForm,
    ReadForm,
    TopicForm,
    owner_mark,
)
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


def own_errors(value):
    form = PollForm({"marker": "1", "own": value})
    return form.cleaned_data["own"] if form.is_valid() else None


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1722355555123", "1722355555123"),
        ("1", "1"),
        (str(2**63 - 1), str(2**63 - 1)),  # the largest a 64-bit column holds
        (str(2**63), None),
        ("9" * 20, None),
        ("", ""),
        ("12a", None),
        ("-1", None),
        (" 12", None),
        ("12\n", None),
        ("١٢", None),  # digits, but not ACS's
        ("12/../13", None),
    ],
)
def test_a_message_id_from_a_page_is_digits_within_64_bits(value, expected):
    assert own_errors(value) == expected


def poll(**params):
    return PollForm({"marker": "1722355555123", **params})


def test_the_poll_form_reads_what_the_page_shows():
    form = poll(seq="12", day="2026-03-02", v="17", r="5.1722355555123", t="", o="1722355555123", own="")

    assert form.is_valid(), form.errors
    assert form.cleaned_data == {
        "marker": 1722355555123,
        "seq": 12,
        "day": date(2026, 3, 2),
        "v": "17",
        "r": "5.1722355555123",
        "t": "",
        "o": "1722355555123",
        "own": "",
    }
    bare = poll()
    assert bare.is_valid()
    assert (bare.cleaned_data["seq"], bare.cleaned_data["day"], bare.cleaned_data["v"]) == (0, None, "")
    assert poll(r="-").is_valid()  # receipts not shown in a large chat


@pytest.mark.parametrize("name", ["marker", "seq", "v", "t"])
@pytest.mark.parametrize("value", ["-1", str(2**63), "9" * 40, "1e309", "NaN", "abc", "0x10", "1.5"])
def test_poll_numbers_are_whole_numbers_within_64_bits(name, value):
    assert not poll(**{name: value}).is_valid()


@pytest.mark.parametrize("value", ["0001-01-01", "1969-12-31", "9999-12-31", "2024-02-30", "02/03/2026", "today"])
def test_the_poll_day_is_an_iso_day_that_an_acs_message_can_have(value):
    assert not poll(day=value).is_valid()


def test_the_poll_day_may_be_tomorrow_by_the_pages_clock():
    assert poll(day=(timezone.localdate() + timedelta(days=1)).isoformat()).is_valid()
    assert not poll(day=(timezone.localdate() + timedelta(days=2)).isoformat()).is_valid()


@pytest.mark.parametrize("value", ["5", "5.", ".5", "5.1.2", "x", "-1", "9" * 20 + ".1"])
def test_the_receipts_listing_is_a_dash_or_two_numbers(value):
    assert not poll(r=value).is_valid()


def test_a_poll_without_a_marker_is_refused():
    assert not PollForm({}).is_valid()


def test_the_list_poll_marker_is_a_number_or_nothing():
    bare = InboxPollForm({})
    assert bare.is_valid()
    assert bare.cleaned_data["v"] == ""
    assert InboxPollForm({"v": "12"}).is_valid()
    assert not InboxPollForm({"v": "-12"}).is_valid()
    assert not InboxPollForm({"v": "9" * 40}).is_valid()


def test_reading_is_refused_beyond_the_newest_message_shown():
    assert ReadForm({"message": "100"}, shown=100).is_valid()
    assert ReadForm({"message": "99"}, shown=100).is_valid()
    assert ReadForm({"message": "101"}, shown=100).errors["message"] == ["This message was not shown to you."]
    assert not ReadForm({"message": "1"}, shown=None).is_valid()  # nothing shown that the site remembers
    assert not ReadForm({"message": "9" * 20}, shown=2**63 - 1).is_valid()
    assert not ReadForm({}, shown=100).is_valid()


def test_the_owner_mark_differs_between_people_and_is_not_their_id():
    ana, bruno = get_user_model()(pk=1), get_user_model()(pk=2)

    assert owner_mark(ana) == owner_mark(get_user_model()(pk=1))
    assert owner_mark(ana) != owner_mark(bruno)
    assert len(owner_mark(ana)) == 20 and owner_mark(ana).isalnum()


def test_a_message_written_for_another_account_is_refused_as_such():
    ana, bruno = owner_mark(get_user_model()(pk=1)), owner_mark(get_user_model()(pk=2))

    assert MessageForm({"content": "hi", "owner": ana}, owner=ana).is_valid()
    assert MessageForm({"content": "hi"}, owner=ana).is_valid()  # a page that does not say
    refused = MessageForm({"content": "hi", "owner": bruno}, owner=ana)
    assert not refused.is_valid()
    assert refused.written_by_someone_else()
    assert not MessageForm({"content": ""}, owner=ana).written_by_someone_else()


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
