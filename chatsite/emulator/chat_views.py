"""Placeholder: being written."""
from django.http import HttpResponse

def _todo(request, **kwargs):
    return HttpResponse(status=501)

threads = thread = messages = message = read_receipts = typing = participants = add_participants = remove_participant = _todo
