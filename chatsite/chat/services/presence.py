"""Reading, read receipts and typing within ACS's budgets (LIMITS.md).

A person's page marks what they read with a POST (views.presence.thread_read), never past the newest message the
site showed them (messages_shown, recorded as pages open and polls deliver). A receipt goes out only when the
newest message a person sees changed, at most once per RECEIPT_EVERY (ACS: 30 per minute per person per thread).
Typing is recorded by the site (live.typing) and told to ACS for other ACS clients at most once per TYPING_EVERY
per person and TYPING_BUDGET per 10 s per thread (ACS: 15 and 30 a minute).
"""

import contextlib
import dataclasses

from django.core.cache import cache

from chatsite.acs.errors import AcsError

from ..actors import Actor
from ..live import keys, typing
from ..live.cache import RECEIPTS, gate, within_budget
from ..live.keys import Budget, Gate
from ..presentation import Message
from ..selectors.membership import Roster
from . import inbox

RECEIPT_EVERY = 3  # at most 20 a minute, 4 per 10 s: inside ACS's 30 and 10
TYPING_EVERY = 5
TYPING_WINDOW = 10
TYPING_BUDGET = 5
# How long the site remembers the newest message it showed a person in a thread; a page open longer than this with
# nothing new may mark nothing read until it is shown something again.
SHOWN_TTL = 7 * 24 * 3600


def messages_shown(*, user_pk: int, thread_id: str, messages: list[Message]) -> None:
    """The site showed this person these messages (their page opened, their poll delivered them): the newest of
    all it showed them is as far as they may mark the thread read."""
    messages_shown_many(thread_id=thread_id, shown={user_pk: messages})


def messages_shown_many(*, thread_id: str, shown: dict[int, list]) -> None:
    """messages_shown for many people at once (a push to every stream of a process), in two round trips."""
    newest = {
        keys.shown(thread_id, user_pk): max(ids)
        for user_pk, messages in shown.items()
        if (ids := [int(m.id) for m in messages if m.id.isdigit()])
    }
    if not newest:
        return
    # Two requests of one person at once may both read the old value: the lower one then wins until the next
    # message shown, and a page's "read" may be refused meanwhile; nothing is ever marked beyond what was shown.
    found = cache.get_many(list(newest))
    higher = {key: value for key, value in newest.items() if (found.get(key) or 0) < value}
    if higher:
        cache.set_many(higher, SHOWN_TTL)


def receipt_send(*, actor: Actor, thread_id: str, message_id: str, roster: Roster) -> bool:
    """The actor read up to `message_id` (already checked against what they were shown): their unread count in the
    thread drops at once, and ACS is told when that is news and the budget allows. True when nothing is left to
    do for it (sent now or before, or the thread is too large for receipts); False when the page should ask
    again (the receipt waits for its budget or ACS refused it this time)."""
    inbox.thread_read(user_pk=actor.user.pk, thread_id=thread_id, message_id=message_id)
    if not roster.receipts_supported:
        return True
    sent_key = keys.receipt_sent(thread_id, actor.user.pk)
    sent = cache.get(sent_key)
    if sent is not None and int(sent) >= int(message_id):
        return True  # told already, or further: a late POST of an earlier position is no news (never backwards)
    if not gate(Gate.RECEIPT, keys.person_scope(thread_id, actor.user.pk), seconds=RECEIPT_EVERY):
        return False  # the page asks again on its next beat
    try:
        actor.acs.read_receipt_send(thread_id, message_id)
    except AcsError:
        # A receipt is a courtesy: a stale id, a removal or a busy ACS must not break the page.
        return False
    cache.set(sent_key, message_id, timeout=None)
    before = RECEIPTS.current(thread_id)
    _listing_noted(actor, thread_id, message_id, before=before, after=RECEIPTS.bump(thread_id))
    return True


def _listing_noted(actor: Actor, thread_id: str, message_id: str, *, before: int, after: int) -> None:
    """The site's own receipt, written into the receipts listing it holds (selectors.presence) when that listing
    is current up to just before it: open pages show it with no new listing of ACS's receipts. Anything else
    (another receipt in between, no listing) leaves the listing out of date, to be listed again."""
    listing = cache.get(keys.receipts(thread_id))
    if after != before + 1 or listing is None or listing.version != before:
        return
    read = {**listing.read}
    read[actor.acs_user_id] = max(read.get(actor.acs_user_id, 0), int(message_id))
    cache.set(keys.receipts(thread_id), dataclasses.replace(listing, version=after, read=read), timeout=None)


def typing_started(*, actor: Actor, thread_id: str, roster: Roster) -> None:
    typing.typing_record(thread_id=thread_id, user_pk=actor.user.pk, name=actor.display_name)
    scope = keys.person_scope(thread_id, actor.user.pk)
    if not roster.receipts_supported or not gate(Gate.TYPING, scope, seconds=TYPING_EVERY):
        return
    if not within_budget(Budget.TYPING, thread_id, budget=TYPING_BUDGET, window=TYPING_WINDOW):
        return
    # Typing is a hint: when ACS refuses, the site's own record above still shows it.
    with contextlib.suppress(AcsError):
        actor.acs.typing_send(thread_id, sender_display_name=actor.display_name)


def typing_stopped(*, actor: Actor, thread_id: str) -> None:
    """The person paused or emptied the box: the site's record ends now (ACS's own typing events simply lapse)."""
    typing.typing_stopped(thread_id=thread_id, user_pk=actor.user.pk)
