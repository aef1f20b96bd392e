"""Participants through the unmodified chat SDK: add, list, remove, share history, removal cut-off, limits."""

import asyncio
import time
from datetime import UTC, datetime

import pytest
from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from chatsite.emulator import config
from chatsite.emulator.models import Identity
from tests.emulator.chat_members import ids


@pytest.fixture
def thread_id(alice):
    return alice.client.create_chat_thread("Team").chat_thread.id


def _contents(chat) -> list[str]:
    return [m.content.message for m in chat.list_messages() if m.type == "text"]


def test_add_list_and_remove(alice, member, thread_id):
    bob, carol = member(), member()
    chat = alice.thread(thread_id)
    errors = chat.add_participants(
        [ChatParticipant(identifier=bob.user, display_name="Bob"), ChatParticipant(identifier=carol.user)]
    )
    assert errors == []
    assert ids(p.identifier for p in chat.list_participants()) == {alice.id, bob.id, carol.id}
    added = next(iter(chat.list_messages()))
    assert added.type == "participantAdded" and ids(p.identifier for p in added.content.participants) == {
        bob.id,
        carol.id,
    }

    chat.remove_participant(carol.user)
    assert ids(p.identifier for p in chat.list_participants()) == {alice.id, bob.id}
    removed = next(iter(chat.list_messages()))
    assert removed.type == "participantRemoved"
    assert ids(p.identifier for p in removed.content.participants) == {carol.id}
    assert removed.content.initiator.properties["id"] == alice.id
    chat.remove_participant(carol.user)  # already removed: still a success
    chat.remove_participant(member().user)  # never in the thread: a success too (the SDK's own sample relies on it)
    assert ids(p.identifier for p in chat.list_participants()) == {alice.id, bob.id}
    assert next(iter(chat.list_messages())).id == removed.id  # and no system message for either


def test_share_history_full_none_and_partial(alice, member, thread_id):
    chat = alice.thread(thread_id)
    chat.send_message("before")
    time.sleep(0.05)
    middle = datetime.now(UTC)
    time.sleep(0.05)
    chat.send_message("after")
    time.sleep(0.05)
    full, none, partial = member(), member(), member()
    chat.add_participants(
        [
            ChatParticipant(identifier=full.user),
            ChatParticipant(identifier=none.user, share_history_time=datetime.now(UTC)),
            ChatParticipant(identifier=partial.user, share_history_time=middle),
        ]
    )
    chat.send_message("latest")

    assert _contents(full.thread(thread_id)) == ["latest", "after", "before"]
    assert _contents(partial.thread(thread_id)) == ["latest", "after"]
    assert _contents(none.thread(thread_id)) == ["latest"]
    listed = {p.identifier.properties["id"]: p.share_history_time for p in chat.list_participants()}
    assert listed[full.id] == datetime(1970, 1, 1, tzinfo=UTC)
    assert listed[partial.id] == middle.replace(microsecond=0)
    # Messages outside a participant's history are 404 for it, even by id.
    before_id = next(m.id for m in chat.list_messages() if m.type == "text" and m.content.message == "before")
    with pytest.raises(ResourceNotFoundError):
        none.thread(thread_id).get_message(before_id)


def test_removed_participant_reads_up_to_removal_only(alice, member, thread_id):
    bob = member()
    chat = alice.thread(thread_id)
    chat.add_participants([ChatParticipant(identifier=bob.user)])
    chat.send_message("while bob is here")
    chat.remove_participant(bob.user)
    after_id = chat.send_message("after bob left").id

    bob_chat = bob.thread(thread_id)
    assert bob_chat.get_properties().id == thread_id
    listed = list(bob_chat.list_messages())
    assert listed[0].type == "participantRemoved"
    assert [m.content.message for m in listed if m.type == "text"] == ["while bob is here"]
    with pytest.raises(ResourceNotFoundError):
        bob_chat.get_message(after_id)
    for call in (
        lambda: bob_chat.send_message("let me in"),
        lambda: bob_chat.send_typing_notification(),
        lambda: bob_chat.send_read_receipt(listed[1].id),
        lambda: bob_chat.add_participants([ChatParticipant(identifier=bob.user)]),
        lambda: bob_chat.remove_participant(alice.user),
    ):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert excinfo.value.status_code == 403

    chat.add_participants([ChatParticipant(identifier=bob.user)])  # re-adding makes bob active again
    bob_chat.send_message("back")
    assert bob.id in ids(p.identifier for p in chat.list_participants())
    assert "after bob left" in _contents(bob_chat)


def test_list_participants_pages_with_skip(alice, member, thread_id):
    chat = alice.thread(thread_id)
    chat.add_participants([ChatParticipant(identifier=member().user) for _ in range(4)])
    pages = [list(page) for page in chat.list_participants(results_per_page=2).by_page()]
    assert [len(page) for page in pages] == [2, 2, 1]
    assert len(ids(p.identifier for page in pages for p in page)) == 5
    assert [len(list(p)) for p in chat.list_participants(results_per_page=2, skip=3).by_page()] == [2]


@pytest.mark.parametrize(("scope", "allowed"), [("chat.join", True), ("chat.join.limited", False)])
def test_participant_scopes(alice, member, thread_id, scope, allowed):
    joiner, guest = member(scopes=(scope,)), member()
    alice.thread(thread_id).add_participants([ChatParticipant(identifier=joiner.user)])
    chat = joiner.thread(thread_id)
    if allowed:
        chat.add_participants([ChatParticipant(identifier=guest.user)])
        chat.remove_participant(guest.user)
        return
    for call in (
        lambda: chat.add_participants([ChatParticipant(identifier=guest.user)]),
        lambda: chat.remove_participant(alice.user),
    ):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert excinfo.value.status_code == 403
    assert len(list(chat.list_participants())) == 2


def _identities(count: int) -> list[CommunicationUserIdentifier]:
    users = [f"8:acs:{config.resource_id()}_00000000-0000-0000-0000-{i:012d}" for i in range(count)]
    Identity.objects.bulk_create(Identity(id=u) for u in users)
    return [CommunicationUserIdentifier(u) for u in users]


def test_batch_over_200_is_400_and_the_251st_participant_is_refused(alice, thread_id):
    chat = alice.thread(thread_id)
    users = _identities(250)  # with alice: 251
    with pytest.raises(HttpResponseError) as excinfo:
        chat.add_participants([ChatParticipant(identifier=u) for u in users[:201]])
    assert excinfo.value.status_code == 400

    assert chat.add_participants([ChatParticipant(identifier=u) for u in users[:200]]) == []
    errors = chat.add_participants([ChatParticipant(identifier=u) for u in users[200:]])
    assert len(list(chat.list_participants(results_per_page=250))) == 250
    [(participant, error)] = errors
    assert participant.identifier.properties["id"] == users[249].properties["id"]
    assert error.code == "403" and "250" in error.message


def test_unknown_identity_is_an_invalid_participant(alice, thread_id):
    ghost = CommunicationUserIdentifier(f"8:acs:{config.resource_id()}_ffffffff-0000-0000-0000-000000000000")
    [(participant, error)] = alice.thread(thread_id).add_participants([ChatParticipant(identifier=ghost)])
    assert (error.code, error.target) == ("404", ghost.properties["id"])


def test_async_participants(alice, member, thread_id):
    bob = member()

    async def scenario():
        async with (
            alice.async_client() as client,
            client.get_chat_thread_client(thread_id, connection_verify=alice.ca_cert) as chat,
        ):
            await chat.add_participants([ChatParticipant(identifier=bob.user, display_name="Bob")])
            listed = [p async for p in chat.list_participants(results_per_page=1)]
            await chat.remove_participant(bob.user)
            return listed, [p async for p in chat.list_participants()]

    listed, after = asyncio.run(scenario())
    assert ids(p.identifier for p in listed) == {alice.id, bob.id}
    assert ids(p.identifier for p in after) == {alice.id}
