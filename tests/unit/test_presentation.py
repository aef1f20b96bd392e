"""Messages as a person reads them: system messages in words, the service identity as moderation, safe html."""

from datetime import UTC, datetime

import pytest
from django.contrib.auth import get_user_model
from django.utils.safestring import SafeData

from chatsite.acs.models import AcsIdentity
from chatsite.acs.records import Member
from chatsite.acs.records import Message as Record
from chatsite.chat.models import Profile
from chatsite.chat.presentation import present

from .conftest import message

pytestmark = pytest.mark.unit

NOON = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
ANA, BRUNO, CARLA, DORA = "8:acs:ana", "8:acs:bruno", "8:acs:carla", "8:acs:dora"
NAMES = {ANA: "Ana", BRUNO: "Bruno", CARLA: "Carla", DORA: "Dora"}


def system(kind: str, initiator: str | None, people=(), topic: str = ""):
    return message(
        1,
        NOON,
        sender=None,
        type=kind,
        initiator_id=initiator,
        initiator_name=NAMES.get(initiator, ""),
        participant_ids=list(people),
        participant_names=[NAMES[p] for p in people],
        topic=topic,
    )


@pytest.fixture
def site_people(db):
    """Ana, Bruno, Carla and Dora as the site knows them: a profile and an ACS identity each (no ACS call)."""
    for acs_id, name in NAMES.items():
        person = get_user_model().objects.create_user(username=name.lower())
        Profile.objects.create(user=person, display_name=name)
        AcsIdentity.objects.create(user=person, acs_user_id=acs_id)


def record(kind: str, initiator: str | None, people=(), topic: str = "") -> Record:
    """A system message as the gateway returns it, with the display names ACS stored."""
    return Record(
        id="1",
        sequence_id=1,
        type=kind,
        created_on=NOON,
        initiator_id=initiator,
        participants=tuple(Member(p, NAMES.get(p, "Site moderation")) for p in people),
        topic=topic,
    )


@pytest.mark.parametrize(
    ("kind", "initiator", "people", "text"),
    [
        ("participantadded", ANA, [BRUNO], "Ana added Bruno"),
        ("participantadded", ANA, [ANA, BRUNO, CARLA], "Ana added Bruno and Carla"),  # a new thread
        ("participantadded", ANA, [BRUNO, CARLA, DORA], "Ana added Bruno, Carla and Dora"),
        ("participantadded", ANA, [ANA], "Ana joined"),
        ("participantremoved", ANA, [BRUNO], "Ana removed Bruno"),
        ("participantremoved", ANA, [BRUNO, CARLA, DORA], "Ana removed Bruno, Carla and Dora"),
        ("participantremoved", ANA, [ANA], "Ana left"),
        ("participantadded", None, [BRUNO], "Someone added Bruno"),
    ],
)
def test_membership_changes_in_words(kind, initiator, people, text):
    shown = system(kind, initiator, people)

    assert shown.is_system
    assert shown.system_text == text


def test_topic_change_in_words():
    assert system("topicupdated", BRUNO, topic="Lunch on Friday").system_text == (
        "Bruno changed the topic to “Lunch on Friday”"
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("item", "text"),
    [
        (record("participantremoved", "SERVICE", [BRUNO]), "A moderator removed Bruno"),
        (record("participantadded", "SERVICE", ["SERVICE", BRUNO, CARLA]), "A moderator added Bruno and Carla"),
        (record("topicupdated", "SERVICE", topic="Team chat"), "A moderator changed the topic to “Team chat”"),
        # Every thread the site creates has the service identity in it; nobody reads about it.
        (record("participantadded", ANA, [ANA, BRUNO, "SERVICE"]), "Ana added Bruno"),
    ],
)
def test_the_service_identity_is_named_as_moderation_and_never_listed(site_people, service_identity, item, text):
    item = _with_service(item, service_identity)

    [shown] = present([item])

    assert shown.system_text == text


@pytest.mark.django_db
@pytest.mark.parametrize("kind", ["participantadded", "participantremoved"])
def test_adding_or_removing_only_the_moderator_does_not_read_as_joining_or_leaving(site_people, service_identity, kind):
    [shown] = present([_with_service(record(kind, ANA, ["SERVICE"]), service_identity)])

    assert shown.system_text not in ("Ana joined", "Ana left")


def test_site_people_are_named_by_their_current_display_name(site_people):
    Profile.objects.filter(user__username="bruno").update(display_name="Bruno Costa")
    items = [
        Record(id="5", sequence_id=5, type="text", created_on=NOON, sender_id=BRUNO, sender_display_name="Bruno"),
        Record(id="6", sequence_id=6, type="text", created_on=NOON, sender_id="8:acs:elsewhere"),
        record("participantadded", ANA, [BRUNO]),
    ]

    by_person, by_other_client, added = present(items)

    assert by_person.sender_name == "Bruno Costa"
    assert by_other_client.sender_name == "Someone"  # another ACS client sent no display name
    assert added.system_text == "Ana added Bruno Costa"


@pytest.mark.django_db
def test_people_of_other_acs_clients_keep_the_names_acs_has():
    [shown] = present([record("participantremoved", None, [BRUNO, CARLA])])

    assert shown.system_text == "Someone removed Bruno and Carla"


def _with_service(item: Record, service_id: str) -> Record:
    def swap(acs_id):
        return service_id if acs_id == "SERVICE" else acs_id

    participants = tuple(Member(swap(p.acs_user_id), p.display_name) for p in item.participants)
    return Record(
        id=item.id,
        sequence_id=item.sequence_id,
        type=item.type,
        created_on=item.created_on,
        initiator_id=swap(item.initiator_id),
        participants=participants,
        topic=item.topic,
    )


def html_message(content: str):
    return message(1, NOON, type="html", content=content)


@pytest.mark.parametrize(
    ("content", "gone"),
    [
        ("<p>hi</p><script>alert('x')</script>", ["<script", "alert"]),
        ('<img src="x" onerror="alert(1)">hi', ["<img", "onerror", "alert"]),
        ('<b onmouseover="steal()">hi</b>', ["onmouseover", "steal"]),
        ('<a href="javascript:alert(1)">hi</a>', ["javascript:", "alert"]),
        ('<iframe src="https://evil.example"></iframe>hi', ["<iframe", "evil"]),
        ('<span style="position:fixed">hi</span>', ["style="]),
    ],
)
def test_html_from_other_clients_loses_what_could_run_or_load(content, gone):
    html = html_message(content).html

    assert "hi" in html
    for fragment in gone:
        assert fragment not in html


def test_html_keeps_formatting_and_makes_links_safe():
    content = (
        "<p><b>bold</b> <strong>strong</strong> <em>em</em> <i>i</i> <u>u</u> <s>s</s> <code>x = 1</code></p>"
        "<blockquote>quoted</blockquote><pre>pre</pre><ul><li>one</li></ul><ol><li>two</li></ol>"
    )
    link = '<a href="https://example.com/a?b=1&amp;c=2" target="_blank">site</a>'

    assert html_message(content).html == content
    assert html_message(link).html == (
        '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">site</a>'
    )
    assert isinstance(html_message(link).html, SafeData)


def test_text_messages_are_escaped_with_their_addresses_made_links():
    words = "<b>not bold</b>\nsee https://example.com/a?b=1&c=2, www.django.org or ana@example.com"
    shown = message(1, NOON, content=words).html

    assert shown == (
        "&lt;b&gt;not bold&lt;/b&gt;<br>see "
        '<a href="https://example.com/a?b=1&amp;c=2" rel="noopener noreferrer nofollow">'
        "https://example.com/a?b=1&amp;c=2</a>, "
        '<a href="https://www.django.org" rel="noopener noreferrer nofollow">www.django.org</a> or '
        '<a href="mailto:ana@example.com" rel="noopener noreferrer nofollow">ana@example.com</a>'
    )
    assert isinstance(shown, SafeData)


@pytest.mark.parametrize(
    "content",
    ["javascript:alert(1)", "ftp://example.com/file", "data:text/html,<script>alert(1)</script>", "file:///etc/passwd"],
)
def test_only_web_and_mail_addresses_become_links(content):
    assert "<a" not in message(1, NOON, content=content).html
    assert 'href="ftp:' not in html_message(f'<a href="{content}">x</a>').html
    assert "javascript:" not in html_message(f'<a href="{content}">x</a>').html


def test_a_deleted_message_is_not_shown_as_edited():
    edited = message(1, NOON, edited_on=NOON)
    deleted = message(2, NOON, edited_on=NOON, deleted_on=NOON)

    assert edited.is_edited and not edited.is_deleted
    assert deleted.is_deleted and not deleted.is_edited
