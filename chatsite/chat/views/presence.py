"""Typing reports and reading (who is typing and "seen by" reach other pages through the thread page's one poll,
views.messages)."""

from django.http import HttpResponse

from ..forms import ReadForm, TypingForm, parsed
from ..selectors.live import newest_shown
from ..services.presence import receipt_send, typing_started, typing_stopped
from .policy import thread_view


@thread_view(methods=("POST",), member=True, quiet=True)
def typing(request, thread_id, *, who, roster):
    if parsed(TypingForm, request.POST)["stopped"]:  # the person paused or emptied the box
        typing_stopped(actor=who, thread_id=thread_id)
    else:
        typing_started(actor=who, thread_id=thread_id, roster=roster)
    return HttpResponse(status=204)


@thread_view(methods=("POST",), member=True)
def thread_read(request, thread_id, *, who, roster):
    """The person read up to `message`, the newest message their page showed while in view (static/js/thread.js,
    as it polls). Never past the newest message the site showed them: a later id is refused (400). 204 when done;
    202 when the unread count dropped but the read receipt waits for ACS's budget: the page asks again."""
    shown = newest_shown(thread_id=thread_id, user_pk=who.user.pk)
    message_id = parsed(ReadForm, request.POST, shown=shown)["message"]
    done = receipt_send(actor=who, thread_id=thread_id, message_id=message_id, roster=roster)
    return HttpResponse(status=204 if done else 202)
