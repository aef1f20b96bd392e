"""GET /live/stream/: the signed-in person's server-sent events stream of the changes of the threads they are in.

A change to a thread's messages comes as the change itself when it can (push/change.py): `event: change`, `data:
{"thread", "prev", "marker", "base", "base_day", "seq", "day", "html"}`, what the poll of a page at marker `prev`
showing message `base` would bring, laid out once per presentation class; the page applies it with no request.
Otherwise — a resync, a delta evicted or never read, anything else the stream cannot lay out — it is a hint,
`event: moved`, `data: {"thread": T, "marker": M}`, and the page's one poll (answered from the cache) shows what
moved, through the one visibility rule; who is typing, "Seen by" and the panel are hints with marker 0 ("look
again"). Both carry an `id:`, and so does the stream as it opens (`event: ready`: the broker's newest id), so a
stream that drops before any event resumes too. A reconnecting browser sends back the last id (Last-Event-ID):
from the broker's log, each thread's last move meanwhile comes again, as the change when it can be laid out (a page
that missed only it applies it with no request) or the hint, with its last "look again"; or `event: resync` (poll
once) when the log no longer reaches back that far. A comment every HEARTBEAT seconds keeps proxies from closing an
idle stream. At most MAX_STREAMS a person; a logout closes the streams of that session.

Only an ASGI server holds a stream as a coroutine (chatsite/gunicorn_asgi_conf.py); under WSGI (runserver, gthread)
a stream would hold a worker thread for good, so the answer is 204, which tells EventSource not to reconnect, and
the page polls as before.

The browser side is static/js/stream.js: one stream per browser and person, shared by the person's tabs, asked for
with `?owner=<the page's owner mark>`; a mark of anyone else than the session's person is refused (409).
"""

import asyncio
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor

from asgiref.sync import sync_to_async
from django.conf import settings
from django.core.cache import cache
from django.core.handlers.asgi import ASGIRequest
from django.db import connections
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.views.decorators.http import require_GET

from chatsite.acs.errors import AcsError

from ..actors import Actor
from ..forms import owner_mark
from ..live import keys, snapshot, state
from ..live.polling import replay_chain
from ..selectors.membership import Access, access
from ..selectors.messages import pushed_delta, share_for
from ..selectors.threads import thread_is_shared
from ..services.changes import POLL, changes_apply
from ..services.presence import messages_shown_many
from . import change
from .broker import Hint, broker, event_order, parse_event_id, session_digest

logger = logging.getLogger(__name__)

HEARTBEAT = 25.0  # seconds; proxies' read timeouts must be longer
MAX_STREAMS = 10  # a person's open streams, all browsers together
SLOT_TTL = 3 * HEARTBEAT  # a slot a dead process held frees itself; live streams renew theirs every heartbeat
RETRY_MS = 3000  # how soon EventSource reconnects after a drop


@require_GET
async def live_stream(request):
    if not isinstance(request, ASGIRequest):
        return HttpResponse(status=204)
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=403)
    owner = request.GET.get("owner")
    if owner is not None and owner != owner_mark(user):
        # Asked for by a page made for another account (a shared browser, after logout and login): that page's tabs
        # must not be told when this person's threads move. Its pages poll, as that page's own requests are refused.
        return HttpResponse(status=409)
    slot = await sync_to_async(_take_slot)(user.pk)
    if slot is None:
        return HttpResponse(status=429, headers={"Retry-After": str(int(SLOT_TTL))})
    last_id = parse_event_id(request.headers.get("Last-Event-ID"))
    session = session_digest(request.session.session_key or "")
    # Subscribed before the answer starts and before the log is read, so nothing moves unseen in between.
    subscription = broker().subscribe()
    start = await sync_to_async(_start)()
    # The page's language and time zone, as its poll would render with them (the class of a pushed change).
    where = (translation.get_language() or settings.LANGUAGE_CODE, timezone.get_current_timezone_name())
    events = _events(subscription, user, slot, last_id, start, session, where)
    response = EventStream(events, content_type="text/event-stream")
    response.on_close = lambda: (subscription.close(), _release_slot(user.pk, slot))
    response["Cache-Control"] = "no-cache, no-store"
    response["X-Accel-Buffering"] = "no"  # nginx: pass each event on at once
    return response


class EventStream(StreamingHttpResponse):
    """Its slot and subscription are given back when Django closes the response, which it does at the end of
    every request, whether the client went away mid-stream or the stream ended."""

    on_close = None

    def close(self):
        if self.on_close is not None:
            on_close, self.on_close = self.on_close, None
            on_close()
        super().close()


def _start() -> str | None:
    """Where a stream opening now starts: the broker's newest id, read after it subscribed (what moves later comes
    on it) and before the answer's headers (the page polls once when a new stream opens, after them: that poll shows
    what moved up to here). None when the broker cannot say: the stream is resumable from its first event only."""
    try:
        return broker().newest()
    except Exception:
        logger.warning("push: reading the newest hint's id failed", exc_info=True)
        return None
    finally:
        # Django gives a request's database connection back when the request ends, which for a stream is when it
        # closes: held meanwhile, 16 open streams took a worker's whole pool and the 17th page got a 500.
        connections.close_all()


async def _events(subscription, user, slot, last_id, start, session, where):
    visible = _Visibility(user)
    try:
        sent = (0, 0)
        if last_id is None and start is not None:
            # Its id for a reconnect to send back, so a quiet stream resumes too; an event with data, so the page
            # hears it (one without is not dispatched). What moved up to it the page's first poll shows.
            yield f"retry: {RETRY_MS}\nid: {start}\nevent: ready\ndata: {{}}\n\n"
            sent = event_order(start)
        else:
            yield f"retry: {RETRY_MS}\n\n"
        if last_id is not None:
            missed = await sync_to_async(broker().since)(last_id)
            if missed is None:
                yield "event: resync\ndata: {}\n\n"
            else:
                if any(hint.session == session for hint in missed):
                    return
                for hint in _resumed(missed):
                    viewer = await visible(hint)
                    if viewer is not None:
                        yield await _event(hint, visible, viewer, where)
                if missed:
                    sent = missed[-1].order
        while True:
            try:
                hint = await asyncio.wait_for(subscription.queue.get(), HEARTBEAT)
            except TimeoutError:
                await sync_to_async(_keep_slot)(user.pk, slot)
                yield ": heartbeat\n\n"
                continue
            if hint.order <= sent:
                continue
            if hint.session:
                if hint.session == session:
                    return
                continue
            if not hint.thread_id:
                continue  # a mark (broker.newest)
            viewer = await visible(hint)
            if viewer is not None:
                yield await _event(hint, visible, viewer, where)
    finally:
        subscription.close()  # at once; the slot is given back as Django closes the response (EventStream)


def _resumed(missed: list[Hint]) -> list[Hint]:
    """What a reconnect is sent of the hints it missed, in their order: per thread, the last move of its messages
    (laid out as the change when it can be: a page one step behind applies it with no request, one further behind
    polls) and the last "look again" (typing, "Seen by", the people), which a change does not carry."""
    kept = {(hint.thread_id, hint.marker == 0): hint for hint in missed if hint.thread_id}
    return sorted(kept.values(), key=lambda hint: hint.order)


async def _event(hint: Hint, visible: "_Visibility", viewer: Access, where: tuple[str, str]) -> str:
    """The event for a hint the viewer may see: the change itself when the stream can lay it out, else the hint."""
    change = await _change(hint, visible, viewer, where) if hint.marker else None
    return f"id: {hint.id}\n{change}" if change else _moved(hint)


def _moved(hint: Hint) -> str:
    data = json.dumps({"thread": hint.thread_id, "marker": hint.marker})
    return f"id: {hint.id}\nevent: moved\ndata: {data}\n\n"


async def _change(hint: Hint, visible: "_Visibility", viewer: Access, where: tuple[str, str]) -> str | None:
    """The change itself for this viewer (push/change.py), or None: the hint, and the page polls."""
    try:
        delta = await change.deltas.get((hint.thread_id, hint.marker), lambda: _delta(hint.thread_id, hint.marker))
        if delta is None or delta.resync or delta.base is None:
            return None
        items = await change.shares.join(
            (hint.thread_id, hint.id), (visible, viewer), lambda members: _shares(hint.thread_id, delta, members)
        )
        if items is None:
            return None  # their part ended: the poll shows them that
        kind = change.class_of(
            thread_id=hint.thread_id,
            marker=hint.marker,
            delta=delta,
            visible=items,
            viewer_id=visible.actor.acs_user_id,
            language=where[0],
            time_zone=where[1],
        )
        return await change.renders.get(kind, lambda: change.render(kind, delta, items))
    except Exception:
        logger.warning("push: laying out a change failed; the page polls", exc_info=True)
        return None


def _shares(thread_id: str, delta, members: list[tuple["_Visibility", Access]]) -> list[list | None]:
    """What of `delta` each viewer's poll would show them (selectors.messages.share_for: the one rule), their part's
    end as the record has it now, recorded as shown to them (services.presence.messages_shown: how far their page
    may mark read); None for one whose part ended. In three round trips for all of them."""
    try:
        items = replay_chain([delta.messages])  # as the poll replays one step: by sequence number
        seen = snapshot.read_many(thread_id=thread_id, user_pks={v.actor.user.pk for v, _ in members})
        answers, shown = [], {}
        for visible, viewer in members:
            pk = visible.actor.user.pk
            ended = state.from_copies(deleted=seen[pk].deleted, copy=seen[pk].ended, thread_id=thread_id, user_pk=pk)
            ended, theirs = share_for(
                viewer_id=visible.actor.acs_user_id, items=items, since=viewer.history_from, ended=ended
            )
            answers.append(None if ended is not None else theirs)
            if ended is None:
                shown[pk] = theirs
        messages_shown_many(thread_id=thread_id, shown=shown)
        return answers
    finally:
        connections.close_all()


def _delta(thread_id: str, marker: int):
    try:
        delta, read = pushed_delta(thread_id=thread_id, marker=marker)
    finally:
        connections.close_all()
    if read:
        # What the read found beyond the messages (a removal, unread counts) reaches every surface, as after a
        # poll's read; after the answer, so no stream waits on it.
        _after.submit(_apply, thread_id, read)
    return delta


def _apply(thread_id: str, read) -> None:
    try:
        changes_apply(thread_id=thread_id, messages=read, source=POLL)
    except Exception:
        logger.warning("push: applying what a read found failed (the next read finds it again)", exc_info=True)
    finally:
        connections.close_all()


_after = ThreadPoolExecutor(max_workers=1, thread_name_prefix="push-apply")


class _Visibility:
    """Whether the person is in the thread now, by the same rule as their poll (selectors.membership.access): a
    participant, not left, removed or deleted. Threads the site does not host are left to polling: deciding would
    cost an ACS read per viewer. Decided for every stream of the process that got the hint at once (_decide)."""

    def __init__(self, user):
        self.actor = Actor.person(user)

    async def __call__(self, hint: Hint) -> Access | None:
        return await change.decisions.join(
            (hint.thread_id, hint.id), self, lambda members: _decide(hint.thread_id, members)
        )


def _decide(thread_id: str, members: list[_Visibility]) -> list[Access | None]:
    """_Visibility for many streams, in two round trips for all of them (the snapshot every poll reads)."""
    try:
        if not thread_is_shared(thread_id=thread_id):
            return [None] * len(members)
        seen = snapshot.read_many(thread_id=thread_id, user_pks={m.actor.user.pk for m in members})
        decided = []
        for member in members:
            try:
                viewer = access(actor=member.actor, thread_id=thread_id, seen=seen[member.actor.user.pk])
                member.actor.acs_user_id  # noqa: B018 -- looked up here, not on the event loop
                decided.append(viewer if viewer.ended is None else None)
            except AcsError:
                decided.append(None)
        return decided
    finally:
        connections.close_all()  # a cache miss read the database: not kept while the stream waits


# A person's open streams: MAX_STREAMS slots in the cache, each held by one stream (Redis: across processes).
def _take_slot(user_pk: int) -> tuple[int, str] | None:
    token = secrets.token_hex(8)
    for n in range(MAX_STREAMS):
        if cache.add(keys.stream_slot(user_pk, n), token, SLOT_TTL):
            return n, token
    return None


def _keep_slot(user_pk: int, slot: tuple[int, str]) -> None:
    cache.set(keys.stream_slot(user_pk, slot[0]), slot[1], SLOT_TTL)


def _release_slot(user_pk: int, slot: tuple[int, str]) -> None:
    key = keys.stream_slot(user_pk, slot[0])
    if cache.get(key) == slot[1]:  # not one another stream took after this one's expired
        cache.delete(key)
