"""Messages through the unmodified chat SDK (sync and async): send, get, list, edit, delete, limits."""

import asyncio
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from azure.communication.chat import ChatClient, ChatMessageType, ChatParticipant, CommunicationTokenCredential
from azure.core.exceptions import HttpResponseError, ResourceNotFoundError
from django.db.backends.signals import connection_created

from chatsite.emulator import tokens
from chatsite.emulator.models import Message


@pytest.fixture
def thread_id(alice, bob):
    return alice.client.create_chat_thread(
        "Lunch", thread_participants=[ChatParticipant(identifier=bob.user)]
    ).chat_thread.id


def test_send_get_text_and_html_messages(alice, thread_id):
    chat = alice.thread(thread_id)
    text_id = chat.send_message("hello", sender_display_name="Alice", metadata={"tag": "a"}).id
    html_id = chat.send_message("<b>hi</b><script>x()</script>", chat_message_type=ChatMessageType.HTML).id

    text = chat.get_message(text_id)
    assert (text.id, text.type, text.sequence_id, text.version) == (
        text_id,
        ChatMessageType.TEXT,
        "3",
        text_id,
    )
    assert text.content.message == "hello"
    assert text.sender_display_name == "Alice"
    assert text.sender.properties["id"] == alice.id
    assert text.metadata == {"tag": "a"}
    assert text.created_on.tzinfo is not None and text.edited_on is None and text.deleted_on is None

    html = chat.get_message(html_id)
    assert html.type == ChatMessageType.HTML and html.sequence_id == "4"
    assert html.content.message == "<b>hi</b>"  # sanitised, as ACS does
    assert html.sender_display_name == ""
    assert int(html_id) > int(text_id)


def test_list_messages_newest_first_with_edits_deletes_and_system_messages(alice, bob, thread_id):
    chat = alice.thread(thread_id)
    first = chat.send_message("first").id
    second = chat.send_message("second").id
    chat.update_message(first, content="first, edited", metadata={"k": "v"})
    chat.delete_message(second)

    listed = list(bob.thread(thread_id).list_messages())
    assert [m.sequence_id for m in listed] == ["4", "3", "2", "1"]
    deleted, edited = listed[0], listed[1]
    assert deleted.id == second and deleted.deleted_on is not None and deleted.content.message == ""
    assert edited.id == first and edited.content.message == "first, edited" and edited.metadata == {"k": "v"}
    assert edited.edited_on is not None and int(edited.version) > int(edited.id)
    assert [m.type for m in listed[2:]] == ["topicUpdated", "participantAdded"]
    # A deleted message is still readable, with deletedOn and no content.
    assert chat.get_message(second).deleted_on is not None
    chat.delete_message(second)  # twice is fine


def test_update_with_empty_patch_changes_nothing(alice, thread_id):
    chat = alice.thread(thread_id)
    message_id = chat.send_message("same").id
    chat.update_message(message_id)
    message = chat.get_message(message_id)
    assert (message.content.message, message.version, message.edited_on) == ("same", message_id, None)


def test_only_the_sender_edits_or_deletes(alice, bob, thread_id):
    message_id = alice.thread(thread_id).send_message("mine").id
    for call in (
        lambda: bob.thread(thread_id).update_message(message_id, content="hijack"),
        lambda: bob.thread(thread_id).delete_message(message_id),
    ):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert excinfo.value.status_code == 403
    assert alice.thread(thread_id).get_message(message_id).content.message == "mine"


def test_non_participant_cannot_read_or_send(alice, member, thread_id):
    stranger = member().thread(thread_id)
    for call in (lambda: stranger.send_message("hi"), lambda: list(stranger.list_messages())):
        with pytest.raises(HttpResponseError) as excinfo:
            call()
        assert excinfo.value.status_code == 403


def test_unknown_message_is_404(alice, thread_id):
    chat = alice.thread(thread_id)
    for message_id in ("1", "not-a-number"):
        with pytest.raises(ResourceNotFoundError):
            chat.get_message(message_id)
    with pytest.raises(ResourceNotFoundError):
        chat.update_message("1", content="x")


def test_message_size_limit_is_28_kb_of_utf8(alice, thread_id):
    chat = alice.thread(thread_id)
    chat.send_message("x" * 28 * 1024)
    with pytest.raises(HttpResponseError) as excinfo:
        chat.send_message("é" * (14 * 1024 + 1))  # 2 bytes each
    assert excinfo.value.status_code == 400
    assert excinfo.value.error.code == "BadRequest"
    assert excinfo.value.error.message == "Message size exceeded."


def test_page_size_above_200_is_400(alice, thread_id):
    with pytest.raises(HttpResponseError) as excinfo:
        list(alice.thread(thread_id).list_messages(results_per_page=201))
    assert excinfo.value.status_code == 400
    assert "maxPageSize" in excinfo.value.error.message


def test_list_messages_pages_by_next_link_without_an_empty_last_page(alice, thread_id):
    chat = alice.thread(thread_id)
    for i in range(8):
        chat.send_message(f"m{i}")
    pages = [list(page) for page in chat.list_messages(results_per_page=5).by_page()]
    assert [len(page) for page in pages] == [5, 5]
    assert [int(m.sequence_id) for page in pages for m in page] == list(range(10, 0, -1))


def test_start_time_filters_on_last_modification(alice, thread_id):
    chat = alice.thread(thread_id)
    recent = datetime.now(UTC) - timedelta(minutes=1)
    old = chat.send_message("old").id
    assert len(list(chat.list_messages(start_time=recent, results_per_page=1))) == 3
    assert list(chat.list_messages(start_time=datetime.now(UTC) + timedelta(hours=1))) == []

    # Backdate the message's creation: an edit after startTime still lists it.
    Message.objects.filter(message_id=old).update(
        created_on=datetime(2020, 1, 1, tzinfo=UTC), modified_on=datetime(2020, 1, 1, tzinfo=UTC)
    )
    since = datetime(2021, 1, 1, tzinfo=UTC)
    assert old not in {m.id for m in chat.list_messages(start_time=since)}
    chat.update_message(old, content="edited")
    assert old in {m.id for m in chat.list_messages(start_time=since)}


@pytest.mark.parametrize(
    ("method", "suffix", "kwargs"),
    [
        ("GET", "messages?startTime=yesterday", {}),
        ("GET", "messages?maxPageSize=ten", {}),
        ("GET", "messages?continuationToken=garbage!", {}),
        ("GET", "messages?continuationToken=eyJrIjp7InMiOiJ4In19", {}),  # {"k":{"s":"x"}}
        ("POST", "messages", {"content": b"{not json", "headers": {"Content-Type": "application/json"}}),
        ("POST", "messages", {"json": ["a list"]}),
        ("POST", "messages", {"json": {"content": 42}}),
        ("POST", "messages", {"json": {"content": "x", "type": "participantAdded"}}),
        ("POST", "messages", {"json": {"content": "x", "metadata": "nope"}}),
        ("PATCH", "messages/{mid}", {"json": {"content": ["x"]}}),
        ("POST", "readReceipts", {"json": {"chatMessageId": 7}}),
        ("POST", "participants/:add", {"json": {"participants": [{"communicationIdentifier": "x"}]}}),
        ("POST", "participants/:add", {"json": {"participants": [{"communicationIdentifier": {}}]}}),
        (
            "POST",
            "participants/:add",
            {
                "json": {
                    "participants": [
                        {"communicationIdentifier": {"rawId": "8:acs:x"}, "shareHistoryTime": "?"}
                    ]
                }
            },
        ),
        ("POST", "participants/:remove", {"json": {"rawId": 5}}),
    ],
)
def test_client_mistakes_are_400_never_500(alice, thread_id, method, suffix, kwargs):
    message_id = alice.thread(thread_id).send_message("x").id
    path = f"/chat/threads/{quote(thread_id, safe='')}/{suffix.format(mid=message_id)}"
    response = alice.raw(method, path, **kwargs)
    assert response.status_code == 400, response.text()
    assert response.json()["error"]["code"] == "BadRequest"


def test_async_client_sends_lists_edits_and_deletes(alice, thread_id):
    async def scenario():
        async with alice.async_client() as client:
            chat = client.get_chat_thread_client(thread_id, connection_verify=alice.ca_cert)
            async with chat:
                message_id = (await chat.send_message("async hello", sender_display_name="A")).id
                await chat.update_message(message_id, content="async edited")
                listed = [m async for m in chat.list_messages(results_per_page=2)]
                fetched = await chat.get_message(message_id)
                await chat.delete_message(message_id)
                return message_id, listed, fetched, await chat.get_message(message_id)

    message_id, listed, fetched, deleted = asyncio.run(scenario())
    assert [m.sequence_id for m in listed] == ["3", "2", "1"]
    assert fetched.content.message == "async edited" and fetched.edited_on is not None
    assert deleted.deleted_on is not None and deleted.id == message_id


def test_a_send_costs_at_most_three_sql_statements_without_event_subscriptions(
    alice, member, thread_id, monkeypatch
):
    """Counted on the emulator's own database connection for a fresh client connection, transaction control
    (SQLite's BEGIN) included: update the thread's counters (checking the sender), insert the message."""
    monkeypatch.setattr(tokens, "IDENTITY_CACHE_SECONDS", 3600)  # the identity check is cached: not this count
    carol = member()
    alice.thread(thread_id).add_participants([ChatParticipant(identifier=carol.user)])
    statements = []

    def record(execute, sql, params, many, context):
        statements.append(sql)
        return execute(sql, params, many, context)

    def watch(sender, connection, **kwargs):
        connection.execute_wrappers.append(record)

    connection_created.connect(watch)
    try:
        # A new client, hence a new keep-alive connection, served by a new thread with its own database connection.
        chat = ChatClient(
            carol.client._endpoint, CommunicationTokenCredential(carol.token), connection_verify=carol.ca_cert
        ).get_chat_thread_client(thread_id, connection_verify=carol.ca_cert)
        chat.send_message("warm")  # the connection's first request: the identity check
        statements.clear()
        sent = chat.send_message("counted")
        counted = list(statements)
    finally:
        connection_created.disconnect(watch)

    assert 1 <= len(counted) <= 3, counted
    assert any("INSERT INTO" in sql for sql in counted)
    assert chat.get_message(sent.id).content.message == "counted"
