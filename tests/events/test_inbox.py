"""The thread list hears of another ACS client's message through Event Grid: the chat moves to the top with its
sanitized preview and an unread count, on the list's next poll, after the one read the event hinted at."""

from datetime import timedelta

from azure.communication.chat import (
    ChatClient,
    ChatParticipant,
    CommunicationTokenCredential,
    CommunicationUserIdentifier,
)
from django.urls import reverse

from chatsite.acs.identities import credentials_for
from chatsite.chat.actors import Actor
from chatsite.chat.live import polling
from chatsite.chat.live.cache import INBOX
from chatsite.chat.services import messages, threads
from tests.chat.conftest import HTMX
from tests.chat.test_inbox import parse_rows, poll_url, rows
from tests.chat.test_polling import next_poll_url, open_page

from .support import wait_for
from .test_end_to_end import bot, settled  # noqa: F401 - the other ACS client


def test_a_message_from_another_client_moves_the_chat_to_the_top_of_the_list(
    site, ana, bruno, thread_id, bot, acs_calls  # noqa: F811
):
    other = threads.thread_create(
        actor=Actor.person(ana.user), topic="Other", participants=[bruno.user], idempotency_token="o"
    )
    messages.message_send(actor=Actor.person(ana.user), thread_id=other.acs_thread_id, content="Newer than Lunch")
    wait_for(settled, what="the earlier events")
    page = bruno.get(reverse("chat:thread_list")).content.decode()
    assert [row[0] for row in parse_rows(page)] == ["Other", "Lunch"]
    url = poll_url(page)
    version = INBOX.current(bruno.user.pk)
    acs_calls.clear()

    bot.send_message(
        "<p>Beep &amp; <b>boop</b><script>alert(1)</script></p>",
        chat_message_type="html",
        sender_display_name="Beepbot",
    )

    wait_for(lambda: INBOX.current(bruno.user.pk) != version, what="Bruno's list marker to move")
    wait_for(settled, what="every event of the message")
    update = bruno.get(url, **HTMX)
    assert update.status_code == 200
    assert parse_rows(update.content.decode()) == [
        ("Lunch", 1, "Beepbot: Beep &amp; boop"),
        ("Other", 1, "Ana: Newer than Lunch"),
    ]
    assert "script" not in update.content.decode().split('id="thread-list"')[1]
    assert [method for method, _path in acs_calls] == ["GET"]  # the one read the events hinted at


def test_without_event_grid_an_open_pages_read_tells_the_lists(
    ana, bruno, thread_id, bot, settings, monkeypatch, acs_calls  # noqa: F811
):
    settings.ACS_EVENTS = "poll"
    monkeypatch.setattr(polling, "BACKGROUND_INTERVAL", timedelta(0))  # the 30 s background read, due at once
    page_poll = open_page(ana, thread_id)
    url = poll_url(bruno.get(reverse("chat:thread_list")).content.decode())

    bot.send_message("Beep from the bot", sender_display_name="Beepbot")
    found = ana.get(page_poll, **HTMX)
    assert found.status_code == 200  # Ana's open page finds it

    update = bruno.get(url, **HTMX)
    assert parse_rows(update.content.decode()) == [("Lunch", 1, "Beepbot: Beep from the bot")]
    # The next background read sees the message again (it reads from a little before the last one): counted once.
    acs_calls.clear()
    ana.get(next_poll_url(found.content.decode()), **HTMX)
    assert [method for method, _path in acs_calls] == ["GET"]
    assert rows(bruno) == [("Lunch", 1, "Beepbot: Beep from the bot")]


def test_a_thread_the_site_does_not_host_is_listed_from_acs_and_kept_by_the_lists_poll(
    emulator, identity_client, ana, bruno, thread_id, acs_calls
):
    user, token = identity_client.create_user_and_token(scopes=["chat"])
    client = ChatClient(
        emulator.endpoint, CommunicationTokenCredential(token.token), connection_verify=str(emulator.ca_cert)
    )
    bruno_id = CommunicationUserIdentifier(credentials_for(bruno.user).acs_user_id)
    client.create_chat_thread("Made elsewhere", thread_participants=[ChatParticipant(identifier=bruno_id)])

    page = bruno.get(reverse("chat:thread_list")).content.decode()
    assert sorted(row[0] for row in parse_rows(page)) == ["Lunch", "Made elsewhere"]

    messages.message_send(actor=Actor.person(ana.user), thread_id=thread_id, content="Back on top")
    acs_calls.clear()
    update = bruno.get(poll_url(page), **HTMX).content.decode()
    assert parse_rows(update) == [("Lunch", 1, "Ana: Back on top"), ("Made elsewhere", 0, "No messages yet")]
    assert acs_calls == []
