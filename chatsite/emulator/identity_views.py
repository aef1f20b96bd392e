"""Placeholder: being written."""
from django.http import HttpResponse

def _todo(request, **kwargs):
    return HttpResponse(status=501)

identities = identity = issue_access_token = revoke_access_tokens = exchange_teams_token = _todo
