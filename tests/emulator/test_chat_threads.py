"""Threads through the unmodified chat SDK: create (idempotent), get, list, topic, delete, scopes."""

from datetime import UTC, datetime, timedelta

import pytest
from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from tests.emulator.chat_members import ids


def test_create_thread_adds_creator_and_participants_and_writes_system_messages(alice, bob):
    result = alice.client.create_chat_thread(
        "Lunch", thread_participants=[ChatParticipant(identifier=bob.user, display_name="Bob")]
    )

    thread = result.chat_thread
    assert thread.id.startswith("19:") and thread.id.endswith("@thread.v2")
    assert thread.topic == "Lunch"
    assert thread.created_by.properties["id"] == alice.id
    assert not result.errors
    assert thread.created_on.tzinfo is not None and thread.created_on.microsecond == 0

    thread_client = alice.thread(thread.id)
    participants = {p.identifier.properties["id"]: p for p in thread_client.list_participants()}
    assert set(participants) == {alice.id, bob.id}
    assert participants[bob.id].display_name == "Bob"
    assert participants[alice.id].share_history_time == datetime(1970, 1, 1, tzinfo=UTC)

    added, topic = sorted(thread_client.list_messages(), key=lambda m: int(m.sequence_id))
    assert (added.type, added.sequence_id) == ("participantAdded", "1")
    assert (topic.type, topic.sequence_id) == ("topicUpdated", "2")
    assert ids(p.identifier for p in added.content.participants) == {alice.id, bob.id}
    assert added.content.initiator.properties["id"] == alice.id
    assert topic.content.topic == "Lunch"
    assert topic.content.initiator.properties["id"] == alice.id
    assert added.sender is None and added.sender_display_name is None
    assert int(topic.id) > int(added.id) and topic.version == topic.id


def test_create_thread_reports_unknown_participants_and_adds_the_rest(alice, bob):
    ghost = CommunicationUserIdentifier(alice.id.rsplit("_", 1)[0] + "_00000000-0000-0000-0000-000000000000")
    result = alice.client.create_chat_thread(
        "T", thread_participants=[ChatParticipant(identifier=ghost), ChatParticipant(identifier=bob.user)]
    )

    [(participant, error)] = result.errors
    assert participant.identifier.properties["id"] == ghost.properties["id"]
    assert error.code == "404" and "not an identity" in error.message
    assert error.target == ghost.properties["id"]
    members = alice.thread(result.chat_thread.id).list_participants()
    assert ids(p.identifier for p in members) == {alice.id, bob.id}


def test_repeatability_request_id_returns_the_same_thread(alice, bob):
    first = alice.client.create_chat_thread("One", idempotency_token="tok-1").chat_thread
    again = alice.client.create_chat_thread(
        "Different body",
        thread_participants=[ChatParticipant(identifier=bob.user)],
        idempotency_token="tok-1",
    ).chat_thread
    other = alice.client.create_chat_thread("One", idempotency_token="tok-2").chat_thread

    assert (again.id, again.topic, again.created_on) == (first.id, "One", first.created_on)
    assert other.id != first.id
    assert ids(p.identifier for p in alice.thread(first.id).list_participants()) == {alice.id}


def test_same_repeatability_id_from_another_creator_is_another_thread(alice, bob):
    first = alice.client.create_chat_thread("A", idempotency_token="shared").chat_thread
    second = bob.client.create_chat_thread("B", idempotency_token="shared").chat_thread
    assert first.id != second.id


def test_get_update_topic_and_delete(alice, bob):
    thread_id = alice.client.create_chat_thread(
        "Old", thread_participants=[ChatParticipant(identifier=bob.user)]
    ).chat_thread.id
    thread_client = alice.thread(thread_id)

    thread_client.update_topic("New")
    thread_client.update_topic()  # `{}`: succeeds, no change, no system message
    props = bob.thread(thread_id).get_properties()
    assert (props.id, props.topic) == (thread_id, "New")
    latest = next(iter(thread_client.list_messages()))
    assert (latest.type, latest.content.topic, latest.sequence_id) == ("topicUpdated", "New", "3")
    assert latest.content.initiator.properties["id"] == alice.id

    alice.client.delete_chat_thread(thread_id)
    alice.client.delete_chat_thread(thread_id)  # twice is fine
    with pytest.raises(ResourceNotFoundError):
        thread_client.get_properties()
    with pytest.raises(ResourceNotFoundError):
        thread_client.send_message("hello")
    with pytest.raises(ResourceNotFoundError):
        list(thread_client.list_messages())


def test_unknown_thread_is_404_and_foreign_thread_is_403(alice, bob):
    with pytest.raises(ResourceNotFoundError):
        alice.thread("19:doesnotexist@thread.v2").get_properties()
    thread_id = alice.client.create_chat_thread("Private").chat_thread.id

    with pytest.raises(HttpResponseError) as excinfo:
        bob.thread(thread_id).get_properties()
    assert excinfo.value.status_code == 403
    assert excinfo.value.error.code == "Forbidden"
    assert excinfo.value.error.message == "User is not allowed to perform specified action."
    with pytest.raises(HttpResponseError) as excinfo:
        bob.client.delete_chat_thread(thread_id)
    assert excinfo.value.status_code == 403


def test_list_threads_newest_activity_first_paged_with_deleted_ones(alice):
    thread_ids = [alice.client.create_chat_thread(f"T{i}").chat_thread.id for i in range(7)]
    alice.thread(thread_ids[0]).send_message("bump")
    alice.client.delete_chat_thread(thread_ids[1])  # deletion is the latest activity

    pages = [list(page) for page in alice.client.list_chat_threads(results_per_page=3).by_page()]
    assert [len(page) for page in pages] == [3, 3, 1]
    items = [item for page in pages for item in page]
    assert [t.id for t in items] == [thread_ids[1], thread_ids[0], *thread_ids[6:1:-1]]
    assert items[0].deleted_on is not None and items[1].deleted_on is None
    assert items[1].last_message_received_on is not None
    assert items[2].last_message_received_on is None


def test_list_threads_start_time_filters_on_activity(alice):
    alice.client.create_chat_thread("Old")
    assert len(list(alice.client.list_chat_threads(start_time=datetime.now(UTC) - timedelta(minutes=1)))) == 1
    assert list(alice.client.list_chat_threads(start_time=datetime.now(UTC) + timedelta(minutes=1))) == []


@pytest.mark.parametrize("scope", ["chat.join", "chat.join.limited"])
def test_join_scopes_cannot_create_update_or_delete_threads(scope, alice, member):
    joiner = member(scopes=(scope,))
    thread_id = alice.client.create_chat_thread(
        "T", thread_participants=[ChatParticipant(identifier=joiner.user)]
    ).chat_thread.id
    thread_client = joiner.thread(thread_id)

    for call in (
        lambda: joiner.client.create_chat_thread("Mine"),
        lambda: thread_client.update_topic("X"),
        lambda: joiner.client.delete_chat_thread(thread_id),
    ):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert excinfo.value.status_code == 403
    assert thread_client.get_properties().topic == "T"
    thread_client.send_message("still allowed")


def test_token_without_chat_scope_is_forbidden(member):
    voip_only = member(scopes=("voip",))
    with pytest.raises(HttpResponseError) as excinfo:
        list(voip_only.client.list_chat_threads())
    assert excinfo.value.status_code == 403


def test_create_thread_with_more_than_200_participants_is_400(alice):
    many = [ChatParticipant(identifier=CommunicationUserIdentifier(f"8:acs:x_{i}")) for i in range(201)]
    with pytest.raises(HttpResponseError) as excinfo:
        alice.client.create_chat_thread("Big", thread_participants=many)
    assert excinfo.value.status_code == 400
    assert "200" in excinfo.value.error.message
