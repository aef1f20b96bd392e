"""The ACS chat quickstart (Python), step by step, against the emulator with the unmodified SDKs."""

import time
from datetime import UTC, datetime

import pytest
from azure.communication.chat import (
    ChatClient,
    ChatMessageType,
    ChatParticipant,
    CommunicationTokenCredential,
)
from azure.core.exceptions import ResourceNotFoundError


def test_chat_quickstart(emulator, identity_client):
    ca = str(emulator.ca_cert)

    def client_for(token):
        return ChatClient(emulator.endpoint, CommunicationTokenCredential(token), connection_verify=ca)

    # Create users and tokens.
    users = {}
    for name in ("alice", "bob", "carol", "dave", "erin"):
        user, token = identity_client.create_user_and_token(scopes=["chat"])
        users[name] = (user, client_for(token.token))
    alice, chat_client = users["alice"]
    bob, bob_client = users["bob"]

    # Create a thread with a participant and an idempotency token; repeating it returns the same thread.
    participants = [ChatParticipant(identifier=bob, display_name="Bob", share_history_time=datetime.now(UTC))]
    created = chat_client.create_chat_thread(
        "Quickstart", thread_participants=participants, idempotency_token="qs-1"
    )
    thread_id = created.chat_thread.id
    again = chat_client.create_chat_thread(
        "Quickstart", thread_participants=participants, idempotency_token="qs-1"
    )
    assert again.chat_thread.id == thread_id

    # Get the thread client and the thread's properties.
    thread = chat_client.get_chat_thread_client(thread_id, connection_verify=ca)
    properties = thread.get_properties()
    assert (properties.id, properties.topic) == (thread_id, "Quickstart")
    assert properties.created_by.properties["id"] == alice.properties["id"]

    # List threads.
    assert [t.id for t in chat_client.list_chat_threads(results_per_page=5)] == [thread_id]

    # Send text and html messages with a display name.
    text_id = thread.send_message(
        "Hello Bob", sender_display_name="Alice", chat_message_type=ChatMessageType.TEXT
    ).id
    html_id = thread.send_message(
        "<p>Hi <b>all</b></p>", sender_display_name="Alice", chat_message_type="html"
    ).id

    # Get and list messages (system messages included).
    message = thread.get_message(text_id)
    assert (message.content.message, message.sender_display_name) == ("Hello Bob", "Alice")
    listed = list(thread.list_messages(results_per_page=2))
    assert [m.type for m in listed] == [
        ChatMessageType.HTML,
        ChatMessageType.TEXT,
        "topicUpdated",
        "participantAdded",
    ]

    # Update the topic, update and delete a message.
    thread.update_topic("Quickstart, renamed")
    thread.update_message(text_id, content="Hello Bob, edited")
    thread.delete_message(html_id)
    latest = {m.id: m for m in thread.list_messages()}
    assert latest[text_id].content.message == "Hello Bob, edited" and latest[text_id].edited_on is not None
    assert latest[html_id].deleted_on is not None
    assert any(m.type == "topicUpdated" and m.content.topic == "Quickstart, renamed" for m in latest.values())

    # Send and list read receipts.
    bob_thread = bob_client.get_chat_thread_client(thread_id, connection_verify=ca)
    bob_thread.send_read_receipt(text_id)
    thread.send_read_receipt(text_id)
    receipts = list(thread.list_read_receipts())
    assert {r.chat_message_id for r in receipts} == {text_id} and len(receipts) == 2

    # Send typing notifications.
    thread.send_typing_notification(sender_display_name="Alice")
    bob_thread.send_typing_notification()

    # Add participants: share history in full, none and partial.
    time.sleep(0.05)
    partial_from = datetime.now(UTC)
    time.sleep(0.05)
    after_id = thread.send_message("After the partial point").id
    time.sleep(0.05)
    carol, dave, erin = users["carol"][0], users["dave"][0], users["erin"][0]
    errors = thread.add_participants(
        [
            ChatParticipant(
                identifier=carol, display_name="Carol", share_history_time=datetime(1970, 1, 1, tzinfo=UTC)
            ),
            ChatParticipant(identifier=dave, display_name="Dave", share_history_time=datetime.now(UTC)),
            ChatParticipant(identifier=erin, display_name="Erin", share_history_time=partial_from),
        ]
    )
    assert errors == []

    def seen_by(name):
        client = users[name][1].get_chat_thread_client(thread_id, connection_verify=ca)
        return {m.id for m in client.list_messages() if m.type in ("text", "html")}

    assert seen_by("carol") == {text_id, html_id, after_id}
    assert seen_by("dave") == set()
    assert seen_by("erin") == {after_id}

    # List participants, remove one.
    names = {p.display_name for p in thread.list_participants(results_per_page=2)}
    assert names == {None, "Bob", "Carol", "Dave", "Erin"}
    thread.remove_participant(dave)
    assert "Dave" not in {p.display_name for p in thread.list_participants()}

    # Delete the thread.
    chat_client.delete_chat_thread(thread_id)
    with pytest.raises(ResourceNotFoundError):
        thread.get_properties()
    assert next(iter(chat_client.list_chat_threads())).deleted_on is not None
