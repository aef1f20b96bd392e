"""The chat quickstart of one Python SDK generation, run inside that generation's virtualenv.

Run by tests/clients/test_python_sdk_generations.py with ACS_CONNECTION_STRING and REQUESTS_CA_BUNDLE (the
emulator's CA). Uses only what the installed SDK offers, as its README and quickstart of the time did.
Prints "ok <step>" per step; the first failure exits 1 with the error.
"""

import os
import sys
import traceback
import uuid
from datetime import UTC, datetime, timedelta
from importlib.metadata import version

from azure.communication.identity import CommunicationIdentityClient

CHAT_VERSION = version("azure-communication-chat")
PREVIEW = "b" in CHAT_VERSION  # 1.0.0b4: api-version 2020-11-01-preview3
# Message metadata on send, get, list and update: from chat 1.1.0 (api-version 2021-09-07) on.
METADATA = tuple(int(p) for p in CHAT_VERSION.split(".")[:2]) >= (1, 1) if not PREVIEW else False

connection_string = os.environ["ACS_CONNECTION_STRING"]
endpoint = connection_string.split(";")[0].removeprefix("endpoint=").rstrip("/")
identity = CommunicationIdentityClient.from_connection_string(connection_string)


def step(name):
    def run(body):
        try:
            body()
        except Exception:
            print(f"FAILED {name}", flush=True)
            traceback.print_exc()
            sys.exit(1)
        print(f"ok {name}", flush=True)

    return run


def user_and_token():
    user = identity.create_user()
    if PREVIEW:
        return user, identity.issue_token(user, scopes=["chat"]).token
    return user, identity.get_token(user, scopes=["chat"]).token


def raw_id(user):
    """The id of an identifier of any generation (1.0.0b4 also hands out bare strings)."""
    if isinstance(user, str):
        return user
    return user.identifier if hasattr(user, "identifier") else user.properties["id"]


def chat_client(token):
    from azure.communication.chat import ChatClient, CommunicationTokenCredential

    if PREVIEW:
        from azure.communication.chat import CommunicationTokenRefreshOptions

        return ChatClient(endpoint, CommunicationTokenCredential(CommunicationTokenRefreshOptions(token)))
    return ChatClient(endpoint, CommunicationTokenCredential(token))


state = {}


@step("identity: create users and tokens")
def _():
    state["alice"], alice_token = user_and_token()
    state["bob"], state["bob_token"] = user_and_token()
    state["chat"] = chat_client(alice_token)


@step("chat: create thread")
def _():
    alice, bob, chat = state["alice"], state["bob"], state["chat"]
    now = datetime.now(UTC)
    if PREVIEW:
        from azure.communication.chat import ChatThreadParticipant

        participants = [
            ChatThreadParticipant(user=alice, display_name="Alice", share_history_time=now),
            ChatThreadParticipant(user=bob, display_name="Bob", share_history_time=now),
        ]
        request_id = str(uuid.uuid4())
        thread = chat.create_chat_thread("Lunch", participants, repeatability_request_id=request_id)
        again = chat.create_chat_thread("Lunch", participants, repeatability_request_id=request_id)
        assert again.thread_id == thread.thread_id
        state["thread"], state["thread_id"] = thread, thread.thread_id
    else:
        from azure.communication.chat import ChatParticipant

        participants = [ChatParticipant(identifier=bob, display_name="Bob", share_history_time=now)]
        token = str(uuid.uuid4())
        result = chat.create_chat_thread("Lunch", thread_participants=participants, idempotency_token=token)
        assert not result.errors, result.errors
        again = chat.create_chat_thread("Lunch", thread_participants=participants, idempotency_token=token)
        assert again.chat_thread.id == result.chat_thread.id
        state["thread_id"] = result.chat_thread.id
        state["thread"] = chat.get_chat_thread_client(result.chat_thread.id)


@step("chat: get thread")
def _():
    if PREVIEW:
        thread = state["chat"].get_chat_thread(state["thread_id"])
        assert thread.created_by.identifier == raw_id(state["alice"])
    else:
        thread = state["thread"].get_properties()
        assert thread.created_by.properties["id"] == raw_id(state["alice"])
    assert thread.topic == "Lunch"


@step("chat: update topic")
def _():
    state["thread"].update_topic(topic="Dinner")


@step("chat: list threads with paging")
def _():
    chat = state["chat"]
    if PREVIEW:
        from azure.communication.chat import ChatThreadParticipant

        chat.create_chat_thread("Second", [ChatThreadParticipant(user=state["alice"])])
    else:
        chat.create_chat_thread("Second")
    start = datetime.now(UTC) - timedelta(days=1)
    pages = [list(page) for page in chat.list_chat_threads(results_per_page=1, start_time=start).by_page()]
    assert len(pages) >= 2, pages
    assert state["thread_id"] in {t.id for page in pages for t in page}


@step("chat: send messages")
def _():
    thread = state["thread"]
    kwargs = {"metadata": {"k": "v"}} if METADATA else {}
    sent = thread.send_message("hello", sender_display_name="Alice", **kwargs)
    state["message_id"] = sent if PREVIEW else sent.id  # 1.0.0b4 returns the id itself
    for i in range(3):
        thread.send_message(f"m{i}")


@step("chat: get message")
def _():
    message = state["thread"].get_message(state["message_id"])
    assert message.content.message == "hello"
    assert message.sender_display_name == "Alice"
    sender = message.sender_id if PREVIEW else message.sender
    assert raw_id(sender) == raw_id(state["alice"])
    if METADATA:
        assert message.metadata == {"k": "v"}


@step("chat: list messages with paging")
def _():
    start = datetime.now(UTC) - timedelta(days=1)
    pages = [list(p) for p in state["thread"].list_messages(results_per_page=2, start_time=start).by_page()]
    assert len(pages) >= 3, [len(p) for p in pages]
    messages = [m for page in pages for m in page]
    kinds = {getattr(m.type, "value", m.type) for m in messages}  # an enum, or a plain string in 1.0.0b4
    assert {"text", "participantAdded", "topicUpdated"} <= kinds, kinds
    if METADATA:
        assert next(m for m in messages if m.id == state["message_id"]).metadata == {"k": "v"}
    added = next(m for m in messages if getattr(m.type, "value", m.type) == "participantAdded")
    assert raw_id(added.content.initiator) == raw_id(state["alice"])
    ids = {raw_id(p.user if PREVIEW else p.identifier) for p in added.content.participants}
    assert raw_id(state["bob"]) in ids


@step("chat: update and delete message")
def _():
    thread = state["thread"]
    if METADATA:  # merge-patch: a None value removes a key
        thread.update_message(state["message_id"], content="edited", metadata={"k": None, "edited": "yes"})
        assert thread.get_message(state["message_id"]).metadata == {"edited": "yes"}
    else:
        thread.update_message(state["message_id"], content="edited")
    assert thread.get_message(state["message_id"]).content.message == "edited"
    other = thread.send_message("to delete")
    other = other if PREVIEW else other.id
    thread.delete_message(other)
    assert thread.get_message(other).deleted_on is not None


@step("chat: typing notification")
def _():
    state["thread"].send_typing_notification()


@step("chat: read receipts with paging")
def _():
    thread = state["thread"]
    thread.send_read_receipt(state["message_id"])
    bob_thread = chat_client(state["bob_token"]).get_chat_thread_client(state["thread_id"])
    bob_thread.send_read_receipt(state["message_id"])
    pages = [list(p) for p in thread.list_read_receipts(results_per_page=1).by_page()]
    assert len(pages) == 2, pages
    receipts = [r for page in pages for r in page]
    assert all(r.chat_message_id == state["message_id"] for r in receipts)
    sender = receipts[0].sender
    assert raw_id(sender) in {raw_id(state["alice"]), raw_id(state["bob"])}


@step("chat: add, list (paged) and remove participants")
def _():
    thread = state["thread"]
    carol = identity.create_user()
    if PREVIEW:
        from azure.communication.chat import ChatThreadParticipant

        thread.add_participants([ChatThreadParticipant(user=carol, display_name="Carol")])
        pages = [list(p) for p in thread.list_participants(results_per_page=1).by_page()]
        ids = {raw_id(p.user) for page in pages for p in page}
    else:
        from azure.communication.chat import ChatParticipant

        errors = thread.add_participants([ChatParticipant(identifier=carol, display_name="Carol")])
        assert not errors, errors
        pages = [list(p) for p in thread.list_participants(results_per_page=1).by_page()]
        ids = {raw_id(p.identifier) for page in pages for p in page}
    assert len(pages) == 3 and raw_id(carol) in ids, pages
    thread.remove_participant(carol)
    thread.remove_participant(identity.create_user())  # never a participant: still a success
    remaining = {raw_id(p.user if PREVIEW else p.identifier) for p in thread.list_participants()}
    assert remaining == {raw_id(state["alice"]), raw_id(state["bob"])}, remaining


@step("chat: delete thread")
def _():
    from azure.core.exceptions import ResourceNotFoundError

    state["chat"].delete_chat_thread(state["thread_id"])
    try:
        state["thread"].send_message("after")
    except ResourceNotFoundError:
        return
    raise AssertionError("a deleted thread accepted a message")


@step("identity: revoke tokens and delete user")
def _():
    from azure.core.exceptions import ClientAuthenticationError

    identity.revoke_tokens(state["bob"])
    try:
        chat_client(state["bob_token"]).list_chat_threads().next()
    except ClientAuthenticationError:
        pass
    else:
        raise AssertionError("a revoked token was accepted")
    identity.delete_user(state["bob"])


print(f"all steps passed with azure-communication-chat {CHAT_VERSION}")
