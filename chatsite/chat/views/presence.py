"""Typing reports and reading (who is typing and "seen by" reach other pages through the thread page's one poll,
views.messages)."""

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from ..forms import ReadForm, TypingForm, parsed
from ..selectors.live import newest_shown
from ..selectors.membership import member_roster
from ..services.presence import receipt_send, typing_started, typing_stopped
from .policy import acs_error_policy, actor, login_required


@require_POST
@login_required
@acs_error_policy(quiet=True)
def typing(request, thread_id):
    who = actor(request)
    current = member_roster(actor=who, thread_id=thread_id)
    if parsed(TypingForm, request.POST)["stopped"]:  # the person paused or emptied the box
        typing_stopped(actor=who, thread_id=thread_id)
    else:
        typing_started(actor=who, thread_id=thread_id, roster=current)
    return HttpResponse(status=204)


@require_POST
@login_required
@acs_error_policy
def thread_read(request, thread_id):
    """The person read up to `message`, the newest message their page showed while in view (static/js/thread.js,
    as it polls). Never past the newest message the site showed them: a later id is refused (400). 204 when done;
    202 when the unread count dropped but the read receipt waits for ACS's budget: the page asks again."""
    who = actor(request)
    current = member_roster(actor=who, thread_id=thread_id)
    shown = newest_shown(thread_id=thread_id, user_pk=who.user.pk)
    message_id = parsed(ReadForm, request.POST, shown=shown)["message"]
    done = receipt_send(actor=who, thread_id=thread_id, message_id=message_id, roster=current)
    return HttpResponse(status=204 if done else 202)
