"""State lives in the database: a second emulator server (a restart, or another worker) reads it."""

from azure.communication.chat import ChatClient, CommunicationTokenCredential
from django.db import connections

from chatsite.emulator import server


def test_a_new_server_serves_the_same_threads(member):
    alice = member()
    thread_id = alice.client.create_chat_thread("Durable").chat_thread.id
    alice.thread(thread_id).send_message("still here")

    # Share the in-memory SQLite test connection as tests/conftest.py does; PostgreSQL needs nothing.
    overrides = {c.alias: c for c in connections.all() if c.vendor == "sqlite" and c.is_in_memory_db()}
    for connection in overrides.values():
        connection.inc_thread_sharing()
    second = server.start_in_thread(connections_override=overrides)
    try:
        client = ChatClient(
            second.endpoint, CommunicationTokenCredential(alice.token), connection_verify=alice.ca_cert
        )
        chat = client.get_chat_thread_client(thread_id, connection_verify=alice.ca_cert)
        assert chat.get_properties().topic == "Durable"
        assert next(iter(chat.list_messages())).content.message == "still here"
        assert [t.id for t in client.list_chat_threads()] == [thread_id]
    finally:
        second.stop()
        for connection in overrides.values():
            connection.dec_thread_sharing()
