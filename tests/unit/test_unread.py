"""Where a thread page puts the "New messages" divider, or says how many are new with a jump (selectors.inbox):
from the oldest unread message the site counted for the person and the messages the page loaded."""

from datetime import UTC, datetime

import pytest

from chatsite.chat.presentation import Message
from chatsite.chat.selectors.inbox import Unread, unread_placed

pytestmark = pytest.mark.unit

ANA, BRUNO = "8:acs:ana", "8:acs:bruno"
AT = datetime(2026, 3, 5, 15, 0, tzinfo=UTC)


def text(id_, sender):
    return Message(id=str(id_), sequence_id=id_, type="text", created_on=AT, sender_id=sender)


def added(id_):
    return Message(id=str(id_), sequence_id=id_, type="participantadded", created_on=AT)


def placed(messages, *, first, last_read=0, more=False, count=3):
    return unread_placed(count=count, first=first, last_read=last_read, messages=messages, viewer_id=ANA, more=more)


def test_the_divider_goes_above_the_first_unread_when_it_is_loaded():
    page = [text(100, ANA), text(200, BRUNO), text(300, BRUNO)]
    assert placed(page, first=200, more=True) == Unread(count=3, first_id="200", divider_id="200")
    assert not placed(page, first=200, more=True).beyond


def test_older_than_every_loaded_message_with_older_pages_the_page_says_how_many_and_offers_the_jump():
    page = [text(3100, BRUNO), text(3200, BRUNO)]
    unread = placed(page, first=100, more=True, count=60)
    assert unread == Unread(count=60, first_id="100")
    assert unread.beyond


def test_with_no_older_page_the_first_from_someone_else_at_or_after_it_takes_the_divider():
    # The first unread itself is on no page any more (deleted since it was counted).
    page = [added(50), text(150, ANA), text(160, BRUNO)]
    assert placed(page, first=100) == Unread(count=3, first_id="100", divider_id="160")


def test_system_and_own_messages_never_carry_the_divider():
    page = [text(100, BRUNO), added(200), text(250, ANA), text(300, BRUNO)]
    assert placed(page, first=200).divider_id == "300"


def test_without_unread_rows_the_last_read_message_decides():
    page = [text(100, BRUNO), text(200, BRUNO), text(300, BRUNO)]
    assert placed(page, first=None, last_read=100) == Unread(count=3, first_id="200", divider_id="200")


def test_counted_but_on_no_page_shows_neither_divider_nor_bar():
    page = [text(100, BRUNO)]
    unread = placed(page, first=500)
    assert unread == Unread(count=3) and not unread.beyond and unread.divider_id is None
