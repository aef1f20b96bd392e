"""Read receipts and typing notifications through the unmodified chat SDK."""

import pytest
from azure.communication.chat import ChatParticipant, CommunicationUserIdentifier
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError

from chatsite.emulator import config
from chatsite.emulator.models import Identity
from tests.emulator.chat_members import ids


@pytest.fixture
def thread_id(alice, bob):
    return alice.client.create_chat_thread(
        "Receipts", thread_participants=[ChatParticipant(identifier=bob.user)]
    ).chat_thread.id


def test_read_receipts_keep_the_latest_message_per_user(alice, bob, thread_id):
    chat = alice.thread(thread_id)
    first, second = chat.send_message("one").id, chat.send_message("two").id
    bob_chat = bob.thread(thread_id)

    bob_chat.send_read_receipt(second)
    bob_chat.send_read_receipt(first)  # older: does not move the receipt back
    chat.send_read_receipt(first)

    receipts = {r.sender.properties["id"]: r for r in chat.list_read_receipts()}
    assert {user: r.chat_message_id for user, r in receipts.items()} == {bob.id: second, alice.id: first}
    assert receipts[bob.id].read_on.tzinfo is not None


def test_read_receipt_for_unknown_message_is_404(alice, thread_id):
    with pytest.raises(ResourceNotFoundError):
        alice.thread(thread_id).send_read_receipt("12345")


def test_list_read_receipts_pages_with_skip(alice, member, thread_id):
    chat = alice.thread(thread_id)
    message_id = chat.send_message("read me").id
    readers = [member() for _ in range(3)]
    chat.add_participants([ChatParticipant(identifier=r.user) for r in readers])
    for reader in [alice, *readers]:
        reader.thread(thread_id).send_read_receipt(message_id)

    pages = [list(page) for page in chat.list_read_receipts(results_per_page=3).by_page()]
    assert [len(page) for page in pages] == [3, 1]
    assert ids(r.sender for page in pages for r in page) == {alice.id, *(r.id for r in readers)}


def test_typing_notification(alice, bob, member, thread_id):
    alice.thread(thread_id).send_typing_notification()
    bob.thread(thread_id).send_typing_notification(sender_display_name="Bob")
    with pytest.raises(HttpResponseError) as excinfo:
        member().thread(thread_id).send_typing_notification()
    assert excinfo.value.status_code == 403


def test_receipts_are_ignored_above_20_participants(alice, thread_id):
    chat = alice.thread(thread_id)
    message_id = chat.send_message("crowd").id
    crowd = [f"8:acs:{config.resource_id()}_00000000-0000-0000-0000-{i:012d}" for i in range(19)]
    Identity.objects.bulk_create(Identity(id=u) for u in crowd)
    chat.add_participants([ChatParticipant(identifier=CommunicationUserIdentifier(u)) for u in crowd])
    chat.send_read_receipt(message_id)  # accepted (200) ...
    chat.send_typing_notification()
    assert list(chat.list_read_receipts()) == []  # ... and not kept: ACS has no receipts above 20
