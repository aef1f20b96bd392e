"""Work a request's answer need not wait for: per-participant bookkeeping of a send (each person's unread row and
count) runs once the answer has gone, so a send answers as soon in a 250-person thread as in a 2-person one.

Django sends request_finished when the server closes the response, after writing it (gthread and the ASGI handler
alike; the test client too, before its call returns). Outside a request (a management command, an event
delivery's own thread, a test calling a service) the work runs at once. Each request has its own list in a context
variable (a thread per request under gthread; asgiref carries it between the ASGI handler's threads); a request
handled inside another (an in-process delivery) stacks its own.
"""

import contextvars
import logging
from collections.abc import Callable

from django.core.signals import request_finished, request_started
from django.db import connections

logger = logging.getLogger(__name__)

_pending: contextvars.ContextVar[tuple[list[Callable], ...]] = contextvars.ContextVar("chat_after_answer", default=())


def after_answer(work: Callable[[], None]) -> None:
    stack = _pending.get()
    if not stack:
        work()
    else:
        stack[-1].append(work)


def _started(**kwargs) -> None:
    _pending.set((*_pending.get(), []))


def _finished(**kwargs) -> None:
    stack = _pending.get()
    if not stack:
        return
    _pending.set(stack[:-1])
    if not stack[-1]:
        return
    for work in stack[-1]:
        try:
            work()
        except Exception:
            # The answer has gone: nothing to tell the person. The message's event or the next poll's read counts it
            # again (services/inbox.py counts each message once, whichever source tells of it first).
            logger.exception("after a request's answer: bookkeeping failed")
    _give_back_connections()


def _give_back_connections() -> None:
    """Django's own request_finished receiver, which gives the request's connection back, ran before this one: under
    ASGI the connection the work took would otherwise stay with a thread that is going away (a send each, until the
    worker's pool was empty). Not inside a transaction (a test's), which Django's own receiver is kept out of."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


request_started.connect(_started, dispatch_uid="chat.after_answer.started")
request_finished.connect(_finished, dispatch_uid="chat.after_answer.finished")
