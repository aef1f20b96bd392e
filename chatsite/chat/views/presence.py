"""Typing reports (who is typing reaches other pages through the thread page's one poll, views.messages)."""

from django.http import HttpResponse
from django.views.decorators.http import require_POST

from ..selectors.membership import member_roster
from ..services.presence import typing_started, typing_stopped
from .policy import acs_error_policy, actor, login_required


@require_POST
@login_required
@acs_error_policy(quiet=True)
def typing(request, thread_id):
    who = actor(request)
    current = member_roster(actor=who, thread_id=thread_id)
    if request.POST.get("stopped"):  # the person paused or emptied the box: others' next poll stops showing it
        typing_stopped(actor=who, thread_id=thread_id)
    else:
        typing_started(actor=who, thread_id=thread_id, roster=current)
    return HttpResponse(status=204)
