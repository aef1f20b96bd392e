"""The validationUrl of Event Grid's asynchronous handshake, which the emulator serves itself."""

from django.http import HttpResponse
from django.views.decorators.http import require_GET

from ..errors import not_found
from . import subscriptions


@require_GET
def validate(request, name):
    """GET within 5 minutes of the handshake makes the subscription ready (EVENT_GRID.md §4). GUESS: the real
    answer's wording is undocumented."""
    if not subscriptions.validate_manually(name, request.GET.get("id", "")):
        return not_found("No subscription awaits validation at this URL, or its 5 minutes have passed.").response()
    message = "Webhook successfully validated as a result of user validation action."
    return HttpResponse(message, content_type="text/plain")
