"""The change itself on the stream: what a page current with the thread's previous marker would get from its poll,
laid out once per presentation class and shared by every stream of that class in the process.

A page one step behind applies `event: change` instead of polling (static/js/thread/push.js); any other page, and
any change that cannot be laid out here (a resync, an evicted delta, a newest message not known), gets the hint
and polls as before. What differs between viewers' renderings is their class: the messages the poll's rule lets
them see (selectors.messages.viewers_share: share-history time, the end of their part), whether they sent any of
them (their own controls, no announcement of their own words), the language and the time zone. Per-viewer state
(the poller, typing, "Seen by", the panel) is never in it: those still come with polls.
"""

import asyncio
import collections
import dataclasses
import json
from datetime import date

from asgiref.sync import sync_to_async
from django.db import connections
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..live.keys import Delta
from ..selectors.messages import present_for
from ..timeline import poll_changes

KEPT = 64  # renders kept per process: a few classes of the last few changes; one change's viewers share one


@dataclasses.dataclass(frozen=True)
class Class:
    """What makes one viewer's change look different from another's: viewers with equal classes get one render."""

    thread_id: str
    prev: int
    marker: int
    visible: tuple[str, ...]  # ids of the delta's messages this class may see
    sender: str  # the viewer's ACS id when they sent one of them, else ""
    language: str
    time_zone: str


def class_of(
    *, thread_id: str, marker: int, delta: Delta, visible: list, viewer_id: str, language: str, time_zone: str
) -> Class:
    """Pure: no cache, no query (it runs on the stream's event loop for every viewer)."""
    sender = viewer_id if any(m.sender_id == viewer_id for m in visible) else ""
    return Class(thread_id, delta.prev, marker, tuple(m.id for m in visible), sender, language, time_zone)


def render(kind: Class, delta: Delta, visible: list) -> str:
    """The event (without its id line): the poll's own layout (timeline.poll_changes) and fragment
    (thread_oob.html#poll-update) for a page that shows the thread up to the delta's base: new rows appended,
    changed rows replaced, the announcement."""
    base_seq, base_at = delta.base
    with translation.override(kind.language), timezone.override(kind.time_zone):
        try:
            messages = present_for(visible, thread_id=kind.thread_id)
        finally:
            connections.close_all()  # the names' query: no connection held while the stream waits
        base_day = timezone.localtime(base_at).date() if base_at else None
        changes = poll_changes(messages, marker=kind.marker, seq=base_seq, day=base_day, viewer_id=kind.sender)
        poll = changes.pop("poll")
        html = render_to_string("chat/thread_oob.html#poll-update", {"thread_id": kind.thread_id, **changes})
    data = {
        "thread": kind.thread_id,
        "prev": kind.prev,
        "marker": kind.marker,
        "base": base_seq,
        "base_day": _iso(base_day),
        "seq": poll["seq"],
        "day": _iso(poll["day"]),
        "html": html,
    }
    return f"event: change\ndata: {json.dumps(data)}\n\n"


def _iso(day: date | None) -> str:
    return day.isoformat() if day else ""


class Renders:
    """The renders of this process's event loop, by class: the first stream of a class starts it, the others await
    the same future. Bounded: the oldest are dropped (a late stream of a dropped class renders again)."""

    def __init__(self, kept: int = KEPT):
        self.kept = kept
        self._futures: collections.OrderedDict[tuple, asyncio.Future] = collections.OrderedDict()

    async def get(self, key, make):
        """What `make()` (sync, run on a worker thread) returns for `key`, made once however many ask at once."""
        loop = asyncio.get_running_loop()
        held = (id(loop), key)
        future = self._futures.get(held)
        if future is None:
            future = loop.create_task(sync_to_async(make, thread_sensitive=False)())
            self._futures[held] = future
            future.add_done_callback(lambda done: self._forget_failed(held, done))
            while len(self._futures) > self.kept:
                self._futures.popitem(last=False)
        else:
            self._futures.move_to_end(held)
        return await asyncio.shield(future)  # one stream going away does not cancel the others' render

    def _forget_failed(self, held, done: asyncio.Future) -> None:
        if done.cancelled() or done.exception() is not None:
            self._futures.pop(held, None)  # the next to ask tries again


class Batches:
    """Per-viewer work of one hint, done for every stream of this process's event loop in one job: the streams
    that ask within GATHER seconds of the first join its batch (a later one starts the next), and `run(members)`
    (sync, on a worker thread) answers them all at once, in as many cache round trips as for one — where one
    job per stream cost each its own thread hop and round trips, and 150 streams of a worker queued behind them."""

    GATHER = 0.01  # the streams of a process wake for a hint within a few loop turns of each other

    def __init__(self):
        self._open: dict[tuple, tuple[list, asyncio.Future]] = {}

    async def join(self, key, member, run):
        loop = asyncio.get_running_loop()
        held = (id(loop), key)
        if held not in self._open:
            self._open[held] = ([], loop.create_future())
            loop.call_later(self.GATHER, self._start, held, run)
        members, future = self._open[held]
        members.append(member)
        index = len(members) - 1
        return (await asyncio.shield(future))[index]

    def _start(self, held, run) -> None:
        members, future = self._open.pop(held)
        task = asyncio.get_running_loop().create_task(sync_to_async(run, thread_sensitive=False)(members))
        task.add_done_callback(lambda done: _settle(future, done))


def _settle(future: asyncio.Future, done: asyncio.Future) -> None:
    if done.cancelled():
        future.cancel()
    elif done.exception() is not None:
        future.set_exception(done.exception())
    else:
        future.set_result(done.result())


renders = Renders()  # the class renders
deltas = Renders()  # the delta a marker's hint names, fetched (or read) once per process
decisions = Batches()  # who of the process's streams may see a hint's thread
shares = Batches()  # what of a change each of them gets
