"""The emulator's routes: the ACS Identity and Chat REST paths, served at the root of its own endpoint."""

from django.urls import path

from . import chat_views, identity_views
from .errors import AcsError, not_found
from .events import views as event_views

urlpatterns = [
    path("identities", identity_views.identities),
    path("identities/<str:identity_id>", identity_views.identity),
    path("identities/<str:identity_id>/:issueAccessToken", identity_views.issue_access_token),
    path("identities/<str:identity_id>/:revokeAccessTokens", identity_views.revoke_access_tokens),
    path("teamsUser/:exchangeAccessToken", identity_views.exchange_teams_token),
    path("chat/threads", chat_views.threads),
    path("chat/threads/<str:thread_id>", chat_views.thread),
    path("chat/threads/<str:thread_id>/messages", chat_views.messages),
    path("chat/threads/<str:thread_id>/messages/<str:message_id>", chat_views.message),
    path("chat/threads/<str:thread_id>/readReceipts", chat_views.read_receipts),
    path("chat/threads/<str:thread_id>/typing", chat_views.typing),
    path("chat/threads/<str:thread_id>/participants", chat_views.participants),
    path("chat/threads/<str:thread_id>/participants/:add", chat_views.add_participants),
    path("chat/threads/<str:thread_id>/participants/:remove", chat_views.remove_participant),
    path("chat/threads/<str:thread_id>/participants/<str:participant_id>", chat_views.participant),
    # Event Grid's, not ACS's: the validationUrl of a subscription's asynchronous handshake.
    path("eventsubscriptions/<str:name>/validate", event_views.validate),
]


def handler404(request, exception=None):
    return not_found("The requested resource does not exist.").response()


def handler500(request):
    # A bug of the emulator still answers in ACS's error shape (the SDK then raises HttpResponseError).
    return AcsError(500, "InternalServerError", "An unexpected error occurred in the ACS emulator.").response()
