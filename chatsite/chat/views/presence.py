"""The status poll (typing, "seen by", panel changes, the end of one's part) and typing reports."""

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_POST

from ..forms import message_id_param
from ..selectors.inbox import thread_header
from ..selectors.membership import access, gone_text, member_roster, panel_context
from ..selectors.presence import seen_text, typing_names
from ..services.presence import receipt_send, typing_started
from .policy import acs_error_policy, actor, login_required
from .templates import partial


@require_GET
@login_required
@acs_error_policy(quiet=True)
def thread_status(request, thread_id):
    """Polled every few seconds; only the cache when nothing changed."""
    who = actor(request)
    viewer = access(actor=who, thread_id=thread_id)
    if viewer.ended is not None:
        return render(request, partial("gone-update"), {"thread_id": thread_id, "gone": gone_text(viewer.ended)})
    current = viewer.roster
    newest = message_id_param(request.GET.get("newest"))
    own = message_id_param(request.GET.get("own"))
    if newest:  # the page polls only while it is in view: a receipt means the person saw the message
        receipt_send(actor=who, thread_id=thread_id, message_id=newest, roster=current)
    context = {
        "thread_id": thread_id,
        "typing": typing_names(actor=who, thread_id=thread_id),
        "seen": own and seen_text(actor=who, thread_id=thread_id, message_id=own, roster=current),
        "seen_after": own,
    }
    if request.GET.get("v") != str(current.version):
        context.update(panel_context(actor=who, thread_id=thread_id))
        context["thread"] = thread_header(user=request.user, thread_id=thread_id)
    return render(request, partial("status-update"), context)


@require_POST
@login_required
@acs_error_policy(quiet=True)
def typing(request, thread_id):
    who = actor(request)
    current = member_roster(actor=who, thread_id=thread_id)
    typing_started(actor=who, thread_id=thread_id, roster=current)
    return HttpResponse(status=204)
