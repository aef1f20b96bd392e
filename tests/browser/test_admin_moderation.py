"""Staff moderate in the admin; a participant's open thread page shows each change on its next poll."""

import re
import uuid

import pytest
from django.contrib.auth import get_user_model

from chatsite.chat.actors import Actor
from chatsite.chat.services import accounts, membership, messages, threads

from .test_conversation import LIVE, PASSWORD, log_in, message

pytestmark = pytest.mark.browser


def test_staff_moderation_reaches_an_open_thread_page(browser, live_server, emulator):
    alice = accounts.account_create(username="alice", password=PASSWORD, display_name="Alice")
    bob = accounts.account_create(username="bob", password=PASSWORD, display_name="Bob")
    get_user_model().objects.create_superuser(username="staff", password=PASSWORD)
    thread = threads.thread_create(
        actor=Actor.person(alice), topic="Team chat", participants=[bob], idempotency_token=str(uuid.uuid4())
    )
    messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="something rude")

    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/threads/{thread.acs_thread_id}/")
    message(page, "something rude").wait_for()

    admin = browser.new_context().new_page()
    admin.goto(f"{live_server.url}/admin/login/")
    admin.get_by_label("Username").fill("staff")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.goto(f"{live_server.url}/admin/chat/thread/{thread.pk}/change/")

    admin.locator("#acs-topic input[name=topic]").fill("Team chat (moderated)")
    admin.get_by_role("button", name="Rename").click()
    admin.get_by_text("Renamed in ACS").wait_for()
    # The message first: ACS lets only its sender delete it, and a removed sender no longer can.
    admin.locator("#acs-messages tr", has_text="something rude").get_by_role("link", name="Delete").click()
    admin.get_by_role("button", name="Yes, delete the message").click()
    admin.get_by_text("Deleted Bob’s message “something rude” in ACS.").wait_for()
    admin.get_by_role("link", name="Remove Bob").click()
    admin.get_by_role("button", name="Yes, remove Bob").click()
    admin.get_by_text("Removed Bob (bob) in ACS.").wait_for()

    page.get_by_text("A moderator changed the topic to “Team chat (moderated)”").wait_for(timeout=LIVE)
    page.get_by_text("A moderator removed Bob").wait_for(timeout=LIVE)
    page.get_by_text("This message was deleted").wait_for(timeout=LIVE)
    assert message(page, "something rude").count() == 0


def test_staff_hide_a_departed_senders_message_and_an_open_page_says_so(browser, live_server, emulator):
    alice = accounts.account_create(username="alice", password=PASSWORD, display_name="Alice")
    bob = accounts.account_create(username="bob", password=PASSWORD, display_name="Bob")
    get_user_model().objects.create_superuser(username="staff", password=PASSWORD)
    thread = threads.thread_create(
        actor=Actor.person(alice), topic="Team chat", participants=[bob], idempotency_token=str(uuid.uuid4())
    )
    messages.message_send(actor=Actor.person(bob), thread_id=thread.acs_thread_id, content="something rude")
    membership.thread_leave(actor=Actor.person(bob), thread_id=thread.acs_thread_id)

    page = log_in(browser, live_server, "alice")
    page.goto(f"{live_server.url}/threads/{thread.acs_thread_id}/")
    message(page, "something rude").wait_for()

    admin = browser.new_context().new_page()
    admin.goto(f"{live_server.url}/admin/login/")
    admin.get_by_label("Username").fill("staff")
    admin.get_by_label("Password").fill(PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.goto(f"{live_server.url}/admin/chat/thread/{thread.pk}/change/")
    # Bob left: ACS would refuse a Delete, so only Hide is offered, and its page says why.
    row = admin.locator("#acs-messages tr", has_text="something rude")
    assert row.get_by_role("link", name=re.compile("^Delete")).count() == 0
    row.get_by_role("link", name="Hide Bob’s message “something rude”").click()
    admin.get_by_text("ACS lets only the sender delete a message").wait_for()
    admin.get_by_role("button", name="Yes, hide the message").click()
    admin.get_by_text("Hid Bob’s message “something rude” on the site.").wait_for()

    # Alice's open page, on its next poll: the notice in place of the words.
    message(page, "Removed by a moderator").wait_for(timeout=LIVE)
    assert message(page, "something rude").count() == 0
